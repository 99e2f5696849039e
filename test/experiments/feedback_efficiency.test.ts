import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

const root = join(import.meta.dirname, "..", "..");
const script = join(root, "experiments", "feedback_efficiency.ts");
const out = mkdtempSync(join(tmpdir(), "feedback-efficiency-test-"));
after(() => rmSync(out, { recursive: true, force: true }));

type MujocoRow = { kind: string; env: string; seed: number; value: number };
type Row = { task: string; cell: string; seed: number; prefReturn: number; from?: string };
const mujoco = JSON.parse(
  readFileSync(join(root, "experiments", "results", "mujoco.json"), "utf8"),
) as MujocoRow[];

function run(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", script, "--out", out, ...args], {
    cwd: root,
    encoding: "utf8",
    // A grid run that should have been skipped would take an hour: fail instead.
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return {
    rows: JSON.parse(readFileSync(join(out, "feedback_efficiency.json"), "utf8")) as Row[],
    table: readFileSync(join(out, "feedback_efficiency.md"), "utf8"),
    svg: readFileSync(join(out, "feedback_efficiency.svg"), "utf8"),
  };
}

test("mujoco.ts's true-reward and 700-label oracle rows become the baseline and the oracle-700 cells", () => {
  const { rows, table, svg } = run("--cells", "none");
  const wanted = mujoco.filter((r) => r.kind === "true" || r.kind === "oracle");
  assert.equal(rows.length, wanted.length);
  for (const m of wanted) {
    const cell = m.kind === "true" ? "true" : "oracle-700";
    const row = rows.find((r) => r.task === m.env && r.cell === cell && r.seed === m.seed);
    assert.ok(row, `${m.env} ${cell} s${m.seed}`);
    assert.equal(row.from, "mujoco.json");
    assert.ok(Math.abs(row.prefReturn - m.value) <= 0.05);
  }
  // Hopper seed 1's share, as the table gives it, is its oracle return over its true return.
  const value = (kind: string) =>
    mujoco.find((r) => r.kind === kind && r.env === "Hopper" && r.seed === 1)!.value;
  const share = Math.round((100 * value("oracle")) / value("true"));
  const line = table.split("\n").find((l) => l.startsWith("| Hopper | oracle, 700 labels"))!;
  assert.match(line, new RegExp(`\\| ${value("oracle").toFixed(0)} \\(${share}%\\) \\|`));
  assert.match(table, /\| Hopper \| oracle, 350 labels \| – \| – \| – \|/);
  assert.match(svg, /not run yet: oracle 350, oracle 1,400, noisy 700/);
});

test("a row measured here is kept over the imported one, and its cell is not run again", () => {
  const { rows } = run("--cells", "none");
  const measured = {
    ...rows.find((r) => r.task === "Hopper" && r.cell === "oracle-700" && r.seed === 1)!,
  };
  delete measured.from;
  measured.prefReturn = 1234.5;
  const others = rows.filter(
    (r) => r !== rows.find((x) => x.task === "Hopper" && x.cell === "oracle-700" && x.seed === 1),
  );
  writeFileSync(join(out, "feedback_efficiency.json"), JSON.stringify([...others, measured]));
  const again = run("--tasks", "Hopper", "--cells", "oracle-700", "--seeds", "1");
  const kept = again.rows.filter(
    (r) => r.task === "Hopper" && r.cell === "oracle-700" && r.seed === 1,
  );
  assert.equal(kept.length, 1);
  assert.equal(kept[0].prefReturn, 1234.5);
  assert.equal(kept[0].from, undefined);
  assert.match(again.table, /\| Hopper \| oracle, 700 labels ¹ \| 1235 \(\d+%\) \|/);
});

test("an unknown cell is refused with the names there are", () => {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", script, "--out", out, "--cells", "oracle-300"],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  assert.notEqual(r.status, 0);
  assert.match(
    r.stderr,
    /unknown cell 'oracle-300' \(one of oracle-350, oracle-700, oracle-1400, noisy-700, oob-350, oob-700, nopretrain-700, oob-nopretrain-350, true, none\)/,
  );
});
