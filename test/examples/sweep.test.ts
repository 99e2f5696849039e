import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const root = join(import.meta.dirname, "..", "..");

test("the library-API sweep example runs every (labels, seed) pair and saves each run", () => {
  const out = spawnSync(
    process.execPath,
    ["--import", "tsx", join(root, "examples", "sweep.ts")].concat([
      "--labels",
      "10,20",
      "--seeds",
      "1,2",
      "--steps",
      "3000",
    ]),
    { cwd: root, encoding: "utf8" },
  );
  assert.equal(out.status, 0, out.stderr);
  const summary = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as {
    runs: string;
    rows: { labels: number; seed: number; evalReturn: number }[];
  };
  assert.deepEqual(
    summary.rows.map((r) => [r.labels, r.seed]),
    [
      [10, 1],
      [10, 2],
      [20, 1],
      [20, 2],
    ],
  );
  assert.ok(summary.rows.every((r) => Number.isFinite(r.evalReturn)));
  for (const r of summary.rows) {
    assert.ok(existsSync(join(summary.runs, `pendulum-l${r.labels}-s${r.seed}`, "result.json")));
  }
  assert.match(out.stdout, /\| labels \| seed \| eval return \| seconds \|/);
});
