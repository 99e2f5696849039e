/**
 * The paper's feedback-efficiency figure (issue 12): how much of true-reward PPO's return the
 * preference loop reaches from 350, 700 and 1,400 oracle labels, on the preference-ready Hopper,
 * HalfCheetah and Walker2d (`<Task>-pref-v5`), 1M env steps, seeds 1–3; and the noisy teacher
 * (β = 1, ε = 0.1) at 700 labels. Each run is
 *
 *   backflip train --env <Task>-pref-v5 --teacher oracle|noisy --labels N --steps S --seed K --json
 *
 * in its own process. A run is scored on the preference-ready task it trained in (the paper's
 * measure, `trainingEnvReturn`) as a share of the same seed's true-reward PPO return there, and
 * also on the standard task (`evalReturn`).
 *
 * The true-reward baseline is experiments/mujoco.ts's (`kind: "true"` rows of
 * experiments/results/mujoco.json, with respawn, 50 episodes), and its 700-label oracle rows
 * stand in for this grid's oracle-700 cells until those are measured here; both are imported on
 * every invocation (marked `from: "mujoco.json"`), and a row measured here replaces an imported
 * one. (The imported oracle-700 rows ran at 96ed11b, before 620301f; the oracle-700 rows in
 * results/ are measured on today's code.) `--cells true` runs experiments/ppo_true_reward.ts, as
 * mujoco.ts does, for a task and seed that has no baseline yet.
 *
 * Each finished run is merged into experiments/results/feedback_efficiency.json (the file is read
 * again before each merge, so several invocations may run at once), and the table of all rows
 * (feedback_efficiency.md) and the figure (feedback_efficiency.svg) are rewritten, so the grid
 * can be filled over several sittings. A cell and seed that already has a row is skipped unless
 * `--rerun`; `--cells none` runs nothing and only imports and rewrites. Cells of an option under
 * test (`oob-350`, `oob-700`: 350 and 700 labels with `--validation out-of-bag`;
 * `nopretrain-700`: 700 labels with RL starting on an untrained r̂; `oob-nopretrain-350`: both
 * options at 350 labels) run only when named, and sit in the table beside the plain cells but not
 * in the figure.
 *
 *   node --import tsx experiments/feedback_efficiency.ts [--tasks Hopper,HalfCheetah,Walker2d]
 *     [--cells oracle-350,oracle-700,oracle-1400,noisy-700,true|none] [--seeds 1,2,3]
 *     [--steps 1000000] [--parallel 1] [--rerun] [--out DIR] [--queue postgres://…]
 *
 * With --queue the grid goes to the sweep queue instead (one sweep per task and cell, named
 * feedback-efficiency-<task>-<cell>), for `backflip worker --db postgres://… --runs DIR` on any
 * number of machines; the script merges each run's row as the workers finish it.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import type { RunResult } from "../src/loop/preference_loop.ts";
import { backflipJson } from "./backflip_cli.ts";
import { type ChartPoint, lineChartSvg } from "./svg_chart.ts";
import { queueAndWait } from "./sweep_queue.ts";

const TASKS = ["Hopper", "HalfCheetah", "Walker2d"];
const COLORS: Record<string, string> = {
  Hopper: "#1f77b4",
  HalfCheetah: "#ff7f0e",
  Walker2d: "#2ca02c",
};
/** The grid's columns: a teacher and a label budget. The noisy teacher's noise is spelled out. */
const CELLS = {
  "oracle-350": { teacher: "oracle", labels: 350, flags: [] },
  "oracle-700": { teacher: "oracle", labels: 700, flags: [] },
  "oracle-1400": { teacher: "oracle", labels: 1400, flags: [] },
  "noisy-700": { teacher: "noisy", labels: 700, flags: ["--beta", "1", "--mistake", "0.1"] },
  /** An option under test at the sweep's hardest point (issue 12's techniques, at 1M steps). */
  "oob-350": { teacher: "oracle", labels: 350, flags: ["--validation", "out-of-bag"] },
  "oob-700": { teacher: "oracle", labels: 700, flags: ["--validation", "out-of-bag"] },
  /** oracle-700 with RL starting on an untrained r̂, as every run from 620301f to 0e2403b did. */
  "nopretrain-700": { teacher: "oracle", labels: 700, flags: ["--pretrain-reward-steps", "0"] },
  /** Both options together, at the budget the issue asks about. */
  "oob-nopretrain-350": {
    teacher: "oracle",
    labels: 350,
    flags: ["--validation", "out-of-bag", "--pretrain-reward-steps", "0"],
  },
} as const;
type Cell = keyof typeof CELLS;
const CELL_NAMES = Object.keys(CELLS) as Cell[];
/** Cells of an option under test: run only when named, and left out of the figure. */
const OPTION_CELLS: readonly Cell[] = [
  "oob-350",
  "oob-700",
  "nopretrain-700",
  "oob-nopretrain-350",
];
/** The issue's grid, run by default. */
const GRID_CELLS = CELL_NAMES.filter((c) => !OPTION_CELLS.includes(c));
/** The plain oracle cells, the figure's x axis. */
const ORACLE_CELLS = GRID_CELLS.filter((c) => CELLS[c].teacher === "oracle");
/** experiments/mujoco.ts's runs are 1M steps (its default, and its table's header). */
const MUJOCO_STEPS = 1_000_000;

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: TASKS.join(",") },
    cells: { type: "string", default: GRID_CELLS.join(",") },
    seeds: { type: "string", default: "1,2,3" },
    steps: { type: "string", default: String(MUJOCO_STEPS) },
    parallel: { type: "string", default: "1" },
    rerun: { type: "boolean", default: false },
    queue: { type: "string" },
    /** Where the json, md and svg go (a scratch folder for a smoke test). */
    out: { type: "string", default: join(import.meta.dirname, "results") },
  },
});
const tasks = values.tasks.split(",").filter((t) => t !== "");
for (const task of tasks) {
  if (!TASKS.includes(task)) throw new Error(`unknown task '${task}' (one of ${TASKS.join(", ")})`);
}
const wantedCells = values.cells.split(",").filter((c) => c !== "" && c !== "none");
for (const cell of wantedCells) {
  if (cell !== "true" && !(cell in CELLS)) {
    throw new Error(`unknown cell '${cell}' (one of ${CELL_NAMES.join(", ")}, true, none)`);
  }
}
const seeds = values.seeds.split(",").map(Number);
const steps = Number(values.steps);
if (values.queue && wantedCells.includes("true")) {
  throw new Error("--cells true runs true-reward PPO in this process; run it without --queue");
}

type Row = {
  task: string;
  /** A teacher and label budget, or true-reward PPO. */
  cell: Cell | "true";
  seed: number;
  /** The env steps asked for. */
  steps: number;
  /** Mean return on the preference-ready task trained in (true-reward PPO: over 50 episodes). */
  prefReturn: number;
  /** The same policy on the standard task. */
  standardReturn: number | null;
  /** Labels the run got (its result); absent for rows imported from mujoco.json. */
  labels?: number;
  wallSeconds: number;
  /** The final metrics' r̂–r correlation over clip-length windows, when the run reports it. */
  rewardClipCorrelation?: number | null;
  /** Measured by experiments/mujoco.ts, imported from its results. */
  from?: "mujoco.json";
};

const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const same = (a: Row, b: Pick<Row, "task" | "cell" | "seed" | "steps">) =>
  a.task === b.task && a.cell === b.cell && a.seed === b.seed && a.steps === b.steps;
const order = (r: Row) => [
  TASKS.indexOf(r.task),
  r.cell === "true" ? -1 : CELL_NAMES.indexOf(r.cell),
  r.seed,
  r.steps,
];
function compareRows(a: Row, b: Row): number {
  const [x, y] = [order(a), order(b)];
  return x.map((v, i) => v - y[i]).find((d) => d !== 0) ?? 0;
}

const resultsDir = values.out;
const resultsFile = join(resultsDir, "feedback_efficiency.json");
mkdirSync(resultsDir, { recursive: true });
const readRows = (): Row[] =>
  existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : [];

/** Writes `rows` (sorted) with the table and the figure made from them. */
function writeAll(rows: Row[]): string {
  rows.sort(compareRows);
  writeFileSync(resultsFile, `${JSON.stringify(rows, null, 1)}\n`);
  writeFileSync(join(resultsDir, "feedback_efficiency.svg"), figure(rows));
  const table = writeTable(rows);
  writeFileSync(join(resultsDir, "feedback_efficiency.md"), `${table}\n`);
  return table;
}

/** Merges one finished run into the results file as it is now, and rewrites the outputs. */
function merge(row: Row): void {
  writeAll([...readRows().filter((r) => !same(r, row)), row]);
  console.log(JSON.stringify(row));
}

/** mujoco.ts's true-reward and 700-label oracle rows; they replace only rows imported before. */
function importMujoco(): void {
  const file = join(import.meta.dirname, "results", "mujoco.json");
  if (!existsSync(file)) return;
  type MujocoRow = {
    kind: string;
    env: string;
    seed: number;
    value: number;
    standard?: number;
    wallSeconds: number;
  };
  const found = (JSON.parse(readFileSync(file, "utf8")) as MujocoRow[])
    .filter((r) => (r.kind === "true" || r.kind === "oracle") && TASKS.includes(r.env))
    .map(
      (r): Row => ({
        task: r.env,
        cell: r.kind === "true" ? "true" : "oracle-700",
        seed: r.seed,
        steps: MUJOCO_STEPS,
        prefReturn: round(r.value),
        standardReturn: r.standard === undefined ? null : round(r.standard),
        wallSeconds: round(r.wallSeconds),
        from: "mujoco.json",
      }),
    );
  // Rows measured here stay; those imported before are replaced by what mujoco.json holds now.
  const measured = readRows().filter((r) => r.from === undefined);
  writeAll([...measured, ...found.filter((f) => !measured.some((r) => same(r, f)))]);
}

// ---- the runs

function trainArgs(task: string, cell: Cell): string[] {
  const { teacher, labels, flags } = CELLS[cell];
  return [
    ...["--env", `${task}-pref-v5`, "--teacher", teacher, ...flags],
    ...["--labels", String(labels), "--steps", String(steps)],
  ];
}

function rowOf(task: string, cell: Cell, seed: number, result: RunResult): Row {
  return {
    task,
    cell,
    seed,
    steps,
    prefReturn: round((result.trainingEnvReturn ?? result.evalReturn).mean),
    standardReturn: round(result.evalReturn.mean),
    labels: result.labels,
    wallSeconds: round(result.wallSeconds),
    rewardClipCorrelation: result.final?.rewardClipCorrelation ?? null,
  };
}

const scratch = mkdtempSync(join(tmpdir(), "backflip-feedback-"));

async function runLocally(task: string, cell: Cell | "true", seed: number): Promise<Row> {
  const what = `${task} ${cell} s${seed}`;
  if (cell === "true") {
    const script = join(import.meta.dirname, "ppo_true_reward.ts");
    const args = ["--env", `${task}-pref-v5`, "--respawn", "--seeds", String(seed)];
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", script, ...args, "--steps", String(steps), "--episodes", "50"],
      { maxBuffer: 64 << 20 },
    ).catch((error) => {
      throw new Error(`${what}: ${String(error.stderr ?? error).slice(-500)}`);
    });
    const out = JSON.parse(stdout.trim().split("\n").at(-1)!);
    return {
      task,
      cell,
      seed,
      steps,
      prefReturn: out.evalMean,
      standardReturn: out.standardEvalMean ?? null,
      wallSeconds: round(out.wallSeconds),
    };
  }
  const run = join(scratch, `${task}-${cell}-s${seed}`);
  const args = ["train", ...trainArgs(task, cell), "--seed", String(seed), "--run", run, "--json"];
  const result = await backflipJson<RunResult>(args, what);
  if (result.stopped) throw new Error(`${what}: the run stopped before its last step`);
  return rowOf(task, cell, seed, result);
}

/** The task, cell and seeds asked for that have no row yet (all of them with --rerun). */
function missing(task: string, cell: Cell | "true"): number[] {
  const rows = readRows();
  return seeds.filter(
    (seed) => values.rerun || !rows.some((r) => same(r, { task, cell, seed, steps })),
  );
}

// ---- the table and the figure

const CELL_TEXT: Record<Cell | "true", string> = {
  true: "true-reward PPO",
  "oracle-350": "oracle, 350 labels",
  "oracle-700": "oracle, 700 labels",
  "oracle-1400": "oracle, 1,400 labels",
  "noisy-700": "noisy (β = 1, ε = 0.1), 700 labels",
  "oob-350": "oracle, 350 labels, `--validation out-of-bag`",
  "oob-700": "oracle, 700 labels, `--validation out-of-bag`",
  "nopretrain-700": "oracle, 700 labels, `--pretrain-reward-steps 0`",
  "oob-nopretrain-350": "oracle, 350 labels, out-of-bag and `--pretrain-reward-steps 0`",
};

/** The cell's runs at these steps, each with its share of the same seed's true-reward return. */
function shares(rows: Row[], task: string, cell: Cell) {
  return rows
    .filter((r) => r.task === task && r.cell === cell && r.steps === steps)
    .map((row) => {
      const base = rows.find((r) => same(r, { task, cell: "true", seed: row.seed, steps }));
      const pct = base && base.prefReturn > 0 ? (100 * row.prefReturn) / base.prefReturn : null;
      return { row, pct };
    });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function writeTable(rows: Row[]): string {
  const shown = rows.filter((r) => r.steps === steps);
  const tableSeeds = [...new Set([...seeds, ...shown.map((r) => r.seed)])].sort((a, b) => a - b);
  const lines = [
    `Feedback efficiency (issue 12): runs of ${steps.toLocaleString("en")} env steps on the`,
    "preference-ready tasks, scored by the preference-ready task's reward (the paper's measure).",
    "Each preference run's return is given with its share of the same seed's true-reward PPO",
    "return; the mean share is the mean of the seeds' shares, and the worst seed is the lowest.",
    "Standard task: the same policies on the standard task (mean over seeds). Wall seconds on a",
    "2-core machine with other runs beside them. ¹ Measured by experiments/mujoco.ts and imported",
    "from experiments/results/mujoco.json. Regenerate or extend with",
    "`node --import tsx experiments/feedback_efficiency.ts` (see its header).",
    "",
    `| task | teacher | ${tableSeeds.map((s) => `seed ${s}`).join(" | ")} | mean share | worst seed | wall s (mean) | standard task (mean) | r̂–r clip corr. |`,
    `| --- | --- | ${tableSeeds.map(() => "---").join(" | ")} | --- | --- | --- | --- | --- |`,
  ];
  const fmt = (x: number) => x.toFixed(0);
  for (const task of TASKS) {
    for (const cell of ["true", ...CELL_NAMES] as const) {
      const rs = shown.filter((r) => r.task === task && r.cell === cell);
      const pcts = cell === "true" ? [] : shares(shown, task, cell);
      const perSeed = tableSeeds.map((seed) => {
        const r = rs.find((x) => x.seed === seed);
        const pct = pcts.find((p) => p.row.seed === seed)?.pct;
        if (!r) return "–";
        return pct === undefined || pct === null
          ? fmt(r.prefReturn)
          : `${fmt(r.prefReturn)} (${fmt(pct)}%)`;
      });
      const known = pcts.map((p) => p.pct).filter((p): p is number => p !== null);
      const standard = rs.map((r) => r.standardReturn).filter((x): x is number => x !== null);
      const corr = rs.map((r) => r.rewardClipCorrelation).filter((x): x is number => x != null);
      const cells = [
        task,
        `${CELL_TEXT[cell]}${rs.some((r) => r.from) ? " ¹" : ""}`,
        ...perSeed,
        cell === "true"
          ? rs.length > 0
            ? "100%"
            : "–"
          : known.length > 0
            ? `${fmt(mean(known))}%`
            : "–",
        known.length > 0 ? `${fmt(Math.min(...known))}%` : "–",
        rs.length > 0 ? fmt(mean(rs.map((r) => r.wallSeconds))) : "–",
        standard.length > 0 ? fmt(mean(standard)) : "–",
        corr.length > 0 ? corr.map((c) => c.toFixed(2)).join(", ") : "–",
      ];
      lines.push(`| ${cells.join(" | ")} |`);
    }
  }
  return lines.join("\n");
}

function figure(rows: Row[]): string {
  const point = (task: string, cell: Cell): ChartPoint | null => {
    const known = shares(rows, task, cell)
      .map((p) => p.pct)
      .filter((p): p is number => p !== null);
    if (known.length === 0) return null;
    const x = CELLS[cell].labels;
    return { x, y: mean(known), min: Math.min(...known), max: Math.max(...known) };
  };
  const series = TASKS.map((task) => ({
    label: task,
    color: COLORS[task],
    points: ORACLE_CELLS.map((c) => point(task, c)).filter((p): p is ChartPoint => p !== null),
    hollow: [point(task, "noisy-700")].filter((p): p is ChartPoint => p !== null),
  }));
  const empty = GRID_CELLS.filter((c) => TASKS.every((t) => point(t, c) === null));
  const seedText = seeds.length === 1 ? `seed ${seeds[0]}` : `seeds ${seeds.join(", ")}`;
  const short = (c: Cell) => `${CELLS[c].teacher} ${CELLS[c].labels.toLocaleString("en")}`;
  const notRun = empty.length > 0 ? ` · not run yet: ${empty.map(short).join(", ")}` : "";
  return lineChartSvg({
    title: "Return from preferences, as a share of true-reward PPO",
    note: `${steps >= 1e6 ? `${steps / 1e6}M` : steps.toLocaleString("en")} env steps, ${seedText}${notRun}`,
    xLabel: "labels (log₂ scale)",
    yLabel: "% of true-reward PPO return",
    xTicks: ORACLE_CELLS.map((c) => CELLS[c].labels),
    yUnit: "%",
    series,
    hollowLabel: "noisy teacher, 700",
    reference: { y: 100, label: "true-reward PPO" },
  });
}

// ---- the grid

importMujoco();
const jobs = tasks.flatMap((task) =>
  wantedCells.flatMap((cell) => {
    const c = cell as Cell | "true";
    return missing(task, c).map((seed) => ({ task, cell: c, seed }));
  }),
);
const failures: string[] = [];
if (values.queue) {
  const grids = tasks.flatMap((task) =>
    (wantedCells as Cell[])
      .map((cell) => ({
        sweep: `feedback-efficiency-${task}-${cell}`,
        args: trainArgs(task, cell),
        seeds: missing(task, cell),
        task,
        cell,
      }))
      .filter((g) => g.seeds.length > 0),
  );
  if (grids.length > 0) {
    await queueAndWait(
      values.queue,
      grids,
      (run, grid) => merge(rowOf(grid.task, grid.cell, run.seed, run.result)),
      { keepGoing: true },
    );
  }
} else {
  const queue = [...jobs];
  const workers = Array.from(
    { length: Math.min(Number(values.parallel), jobs.length) },
    async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        // Another invocation may have run it meanwhile.
        if (!missing(job.task, job.cell).includes(job.seed)) continue;
        try {
          merge(await runLocally(job.task, job.cell, job.seed));
        } catch (error) {
          console.error((error as Error).message);
          failures.push(`${job.task} ${job.cell} s${job.seed}`);
        }
      }
    },
  );
  await Promise.all(workers);
}
console.log(writeAll(readRows()));
if (failures.length > 0) {
  console.error(`failed: ${failures.join(", ")}`);
  process.exitCode = 1;
}
