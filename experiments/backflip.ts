/**
 * The backflip figure (issue 12): `backflip train --env Hopper-v5 --teacher goal:backflip` with
 * each label count and seed, 1M steps, the final policy scored over 5 deterministic 1,000-step
 * episodes of Hopper-pref-v5 by landed backflips (a backward turn that ends upright on the foot,
 * what `backflip eval` counts) and by whole backward rotations, landed or not.
 *
 * Each finished run is merged into experiments/results/backflip.json (read again before each
 * merge, so several invocations may run at once; a later run replaces the row of the same labels,
 * seed and goal), and the table of all rows is rewritten to experiments/results/backflip.md.
 *
 * `--flags` passes more train flags (an exploration setting, say) and names the row by them;
 * `--from RUN_DIR` scores a run already finished with those flags instead of training one.
 *
 *   node --import tsx experiments/backflip.ts [--labels 450,900] [--seeds 1] [--steps 1000000]
 *     [--goal backflip] [--episodes 5] [--flags="--rune 0.05"] [--from RUN_DIR]
 *     (--labels none: only rewrite the table)
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { backflipJson } from "./backflip_cli.ts";
import { countBackflips } from "./backflip_count.ts";

const { values } = parseArgs({
  options: {
    labels: { type: "string", default: "450,900" },
    seeds: { type: "string", default: "1" },
    steps: { type: "string", default: "1000000" },
    goal: { type: "string", default: "backflip" },
    episodes: { type: "string", default: "5" },
    flags: { type: "string", default: "" },
    from: { type: "string" },
  },
});
const extraFlags = values.flags.split(" ").filter((f) => f !== "");

type Row = {
  goal: string;
  labels: number;
  seed: number;
  steps: number;
  meanLanded: number;
  landed: number[];
  meanRotations: number;
  rotations: number[];
  wallSeconds: number;
  /** Train flags beyond the defaults; absent: none. */
  flags?: string;
};

const resultsFile = join(import.meta.dirname, "results", "backflip.json");
const readRows = (): Row[] =>
  existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, "utf8")) as Row[]) : [];
const scratch = mkdtempSync(join(tmpdir(), "backflip-flips-"));
const labelCounts = values.labels === "none" ? [] : values.labels.split(",").map(Number);
type RunResult = { steps: number; labels: number; seed: number; wallSeconds: number };

async function train(run: string, labels: number, seed: number): Promise<RunResult> {
  const teacher = `goal:${values.goal}`;
  return backflipJson<RunResult>(
    [
      ...["train", "--env", "Hopper-v5", "--teacher", teacher, "--labels", String(labels)],
      ...["--steps", values.steps, "--seed", String(seed), "--run", run, "--json", ...extraFlags],
    ],
    `${teacher} ${labels} labels seed ${seed} ${values.flags}`,
  );
}

/** Scores a finished run's policy and merges its row into backflip.json. */
function record(run: string, out: RunResult): void {
  const row: Row = {
    goal: values.goal,
    labels: out.labels,
    seed: out.seed,
    steps: out.steps,
    ...countBackflips(run, Number(values.episodes)),
    wallSeconds: Math.round(out.wallSeconds),
    ...(extraFlags.length > 0 && { flags: extraFlags.join(" ") }),
  };
  const same = (r: Row) =>
    r.goal === row.goal &&
    r.labels === row.labels &&
    r.seed === row.seed &&
    (r.flags ?? "") === (row.flags ?? "");
  const rows = [...readRows().filter((r) => !same(r)), row];
  writeFileSync(resultsFile, `${JSON.stringify(rows, null, 1)}\n`);
  console.log(JSON.stringify(row));
}

if (values.from) {
  record(values.from, JSON.parse(readFileSync(join(values.from, "result.json"), "utf8")));
} else {
  for (const labels of labelCounts) {
    for (const seed of values.seeds.split(",").map(Number)) {
      const run = join(scratch, `${values.goal}-l${labels}-s${seed}`);
      record(run, await train(run, labels, seed));
    }
  }
}

const rows = readRows().sort(
  (a, b) =>
    a.goal.localeCompare(b.goal) ||
    (a.flags ?? "").localeCompare(b.flags ?? "") ||
    a.labels - b.labels ||
    a.seed - b.seed,
);
const lines = [
  "Hopper taught by a goal teacher (`backflip train --env Hopper-v5 --teacher goal:<goal>`), the",
  "final policy over deterministic 1,000-step episodes of Hopper-pref-v5: landed backflips (a",
  "backward turn that ends upright on the foot for 15 steps, what `backflip eval` counts) and",
  "whole backward rotations, landed or not. Regenerate with `node --import tsx experiments/backflip.ts`.",
  "",
  "| goal | flags | labels | seed | steps | landed per episode | landed, each episode | rotations per episode | wall s |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map(
    (r) =>
      `| ${r.goal} | ${r.flags ?? "–"} | ${r.labels} | ${r.seed} | ${r.steps.toLocaleString("en")} | ${r.meanLanded.toFixed(1)} | ${r.landed.join(", ")} | ${r.meanRotations.toFixed(1)} | ${r.wallSeconds} |`,
  ),
];
writeFileSync(join(import.meta.dirname, "results", "backflip.md"), `${lines.join("\n")}\n`);
console.log(lines.join("\n"));
