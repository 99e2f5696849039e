/**
 * Issue 12's side-by-sides: each feedback-efficiency technique on and off, over seeds, on short
 * screens (Pendulum with 500 oracle labels over 100k steps; Hopper-, Walker2d- and
 * HalfCheetah-pref with 350 labels over 300k steps). Every run is `backflip train --teacher
 * oracle --json` with the variant's flags, in its own process, one at a time so that wall times
 * compare.
 *
 * Rows merge into experiments/results/techniques.json (a later invocation replaces the row of
 * the same task, variant and seed; the file is read again before each merge), and the table of
 * means per task and variant is rewritten to experiments/results/techniques.md, with each
 * variant's mean as a difference from the baseline's and its worst seed.
 *
 *   node --import tsx experiments/techniques.ts [--tasks pendulum,hopper,walker,halfcheetah]
 *     [--variants a,b] [--seeds 1,2,3] [--out DIR]     (--seeds none: only rewrite the table)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { backflipJson } from "./backflip_cli.ts";
import { commit, machine } from "./provenance.ts";

/** The screens: env, labels and steps (the short runs). */
const TASKS = {
  pendulum: { env: "Pendulum-v1", labels: 500, steps: 100_000 },
  hopper: { env: "Hopper-pref-v5", labels: 350, steps: 300_000 },
  walker: { env: "Walker2d-pref-v5", labels: 350, steps: 300_000 },
  halfcheetah: { env: "HalfCheetah-pref-v5", labels: 350, steps: 300_000 },
} as const;
type Task = keyof typeof TASKS;

/** Each technique as train flags; `baseline` is today's default (disagreement selection). */
const VARIANTS: Record<string, { flags: string[]; what: string }> = {
  baseline: { flags: [], what: "disagreement selection (the default)" },
  random: { flags: ["--selection", "random"], what: "random pairs" },
  entropy: { flags: ["--selection", "entropy"], what: "B-Pref entropy selection" },
  kcenter: { flags: ["--selection", "kcenter"], what: "B-Pref k-center + disagreement" },
  crop: { flags: ["--crop", "0.2"], what: "SURF temporal cropping, 20%" },
  pseudo: { flags: ["--pseudo-labels", "0.99"], what: "SURF pseudo-labels, τ = 0.99" },
  rune: { flags: ["--rune", "0.05"], what: "RUNE exploration bonus, β₀ = 0.05" },
  pebble: {
    flags: ["--unsupervised-steps", "10000"],
    what: "PEBBLE unsupervised pre-training, 10k steps",
  },
  "reward-steps-16": { flags: ["--reward-steps", "16"], what: "16 reward steps per update (4)" },
  periodic: {
    flags: ["--periodic-angles"],
    what: "torso pitch as sine and cosine in r̂'s input",
  },
  oob: {
    flags: ["--validation", "out-of-bag"],
    what: "out-of-bag validation (63% of labels per member, not 40%)",
  },
  "pretrain-steps-0": {
    flags: ["--pretrain-reward-steps", "0"],
    what: "no reward training before RL (100 steps)",
  },
};

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "pendulum" },
    variants: { type: "string", default: Object.keys(VARIANTS).join(",") },
    seeds: { type: "string", default: "1,2,3" },
    out: { type: "string", default: join(import.meta.dirname, "results") },
  },
});
const tasks = values.tasks.split(",") as Task[];
for (const t of tasks) if (!(t in TASKS)) throw new Error(`unknown task '${t}'`);
const variants = values.variants.split(",");
for (const v of variants) if (!(v in VARIANTS)) throw new Error(`unknown variant '${v}'`);
const seeds = values.seeds === "none" ? [] : values.seeds.split(",").map(Number);

type Row = {
  task: Task;
  variant: string;
  seed: number;
  env: string;
  labels: number;
  steps: number;
  /** Mean return of the final policy on the standard task (`backflip train`'s evalReturn). */
  evalReturn: number;
  wallSeconds: number;
  flags: string[];
  cpu: string;
  date: string;
  /** The code that ran (rows before 0e2403b started RL with an untrained r̂ and were dropped). */
  commit: string;
};

async function train(task: Task, variant: string, seed: number, scratch: string): Promise<Row> {
  const { env, labels, steps } = TASKS[task];
  const flags = VARIANTS[variant].flags;
  const args = [
    ...["train", "--env", env, "--teacher", "oracle", "--labels", String(labels)],
    ...["--steps", String(steps), "--seed", String(seed)],
    ...["--run", join(scratch, `${task}-${variant}-s${seed}`), "--json", ...flags],
  ];
  type Result = {
    labels: number;
    steps: number;
    wallSeconds: number;
    evalReturn: { mean: number };
  };
  const result = await backflipJson<Result>(args, `${task} ${variant} s${seed}`);
  return {
    task,
    variant,
    seed,
    env,
    labels: result.labels,
    steps: result.steps,
    evalReturn: Number(result.evalReturn.mean.toFixed(2)),
    wallSeconds: Number(result.wallSeconds.toFixed(1)),
    flags,
    cpu: machine,
    date: new Date().toISOString().slice(0, 10),
    commit,
  };
}

const resultsFile = join(values.out, "techniques.json");
mkdirSync(values.out, { recursive: true });
const readRows = (): Row[] =>
  existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : [];

function writeTable(rows: Row[]): string {
  const lines = [
    "Issue 12's screens: oracle teacher, each technique on its own against the default, one run",
    "at a time. Return: the final policy's mean over the standard task's evaluation episodes.",
    "Δ: the variant's mean minus the baseline's, over the seeds both have. Regenerate with",
    "`node --import tsx experiments/techniques.ts` (see its header).",
    "",
    "| task | variant | what | labels, steps | seeds | mean return | Δ vs baseline | worst seed | mean wall s |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const task of Object.keys(TASKS) as Task[]) {
    const base = rows.filter((r) => r.task === task && r.variant === "baseline");
    for (const variant of Object.keys(VARIANTS)) {
      const mine = rows.filter((r) => r.task === task && r.variant === variant);
      if (mine.length === 0) continue;
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const shared = mine.filter((r) => base.some((b) => b.seed === r.seed));
      const delta =
        variant === "baseline" || shared.length === 0
          ? "–"
          : (
              mean(shared.map((r) => r.evalReturn)) -
              mean(
                base.filter((b) => shared.some((r) => r.seed === b.seed)).map((b) => b.evalReturn),
              )
            ).toFixed(1);
      lines.push(
        `| ${task} | ${variant} | ${VARIANTS[variant].what} | ${TASKS[task].labels}, ${TASKS[task].steps / 1000}k | ${mine.map((r) => r.seed).join(",")} | ${mean(mine.map((r) => r.evalReturn)).toFixed(1)} | ${delta} | ${Math.min(...mine.map((r) => r.evalReturn)).toFixed(1)} | ${mean(mine.map((r) => r.wallSeconds)).toFixed(0)} |`,
      );
    }
  }
  writeFileSync(join(values.out, "techniques.md"), `${lines.join("\n")}\n`);
  return lines.join("\n");
}

const scratch = mkdtempSync(join(tmpdir(), "backflip-techniques-"));
for (const task of tasks) {
  for (const variant of variants) {
    for (const seed of seeds) {
      const row = await train(task, variant, seed, scratch);
      const rows = [
        ...readRows().filter((r) => !(r.task === task && r.variant === variant && r.seed === seed)),
        row,
      ];
      writeFileSync(resultsFile, `${JSON.stringify(rows, null, 1)}\n`);
      writeTable(rows);
      console.log(JSON.stringify(row));
    }
  }
}
console.log(writeTable(readRows()));
