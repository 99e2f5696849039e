/** `backflip sweep add|status|retry`: a grid of runs on the Postgres queue, and their states. */
import { readFileSync } from "node:fs";
import { type SweepCell, SweepSpecError } from "../sweep/cell.ts";
import { SweepDb, SweepUrlError } from "../sweep/db.ts";
import {
  type AttemptRow,
  checkGrid,
  countStates,
  enqueueCells,
  listAttempts,
  listRuns,
  type RunRow,
  retryFailed,
} from "../sweep/queue.ts";
import { defineCommand, formatHelp, parseOptions, UsageError } from "./args.ts";

const DB_OPTION = {
  kind: "string",
  value: "URL",
  defaultText: "$BACKFLIP_SWEEP_DB",
  required: "unless BACKFLIP_SWEEP_DB is set",
  help: "the sweep's Postgres database, postgres://user@host:5432/db",
} as const;

export const SWEEP_COMMAND = defineCommand({
  name: "sweep",
  synopsis: `backflip sweep — a grid of runs on a Postgres job queue, for 'backflip worker's to train

Usage:
  backflip sweep add SPEC.json --db URL [--json]      queue one run per cell of the grid
  backflip sweep status --db URL [--sweep NAME] [--json]   the runs: state, return, wall time
  backflip sweep retry --db URL [RUN…] [--json]       queue failed runs again

SPEC.json is a grid, every list crossed with the others:
  { "name": "pendulum", "env": ["Pendulum-v1"], "teacher": ["oracle", "noisy"],
    "labels": [100, 500], "seeds": [1, 2, 3], "steps": 100000,
    "flags": { "selection": "random", "eval-episodes": 20 } }
"flags" takes any 'backflip train' flag without its dashes; "name" (optional) prefixes the run
names. Each run's name is stable, so adding the same spec twice queues nothing new. See
docs/sweeps.md.`,
  options: {
    db: DB_OPTION,
    sweep: {
      kind: "string",
      value: "NAME",
      defaultText: "every sweep",
      help: "status: only the runs of the spec named NAME",
    },
    attempts: { kind: "boolean", help: "status: list every attempt at each run too" },
    json: { kind: "boolean", help: "print JSON" },
  },
});

export async function sweepCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(SWEEP_COMMAND, argv);
  const [action, ...rest] = positionals;
  if (values.help || action === undefined) {
    console.log(formatHelp(SWEEP_COMMAND));
    return values.help ? 0 : 2;
  }
  if (!["add", "status", "retry"].includes(action)) {
    throw new UsageError(`backflip sweep: unknown action '${action}'; use add, status or retry`);
  }
  if (action === "add" && rest.length !== 1) {
    throw new UsageError(
      "backflip sweep add: give one spec file, e.g. backflip sweep add grid.json",
    );
  }
  if (action === "status" && rest.length > 0) {
    throw new UsageError(`backflip sweep status: unexpected argument '${rest[0]}'`);
  }
  const url = values.db ?? process.env.BACKFLIP_SWEEP_DB;
  if (!url)
    throw new UsageError(`backflip sweep ${action}: give --db postgres://… (or BACKFLIP_SWEEP_DB)`);
  // A spec is read and checked in full before the database is touched.
  const cells = action === "add" ? await checkSpec(rest[0]) : [];
  let db: SweepDb;
  try {
    db = await SweepDb.open(url);
  } catch (error) {
    if (error instanceof SweepUrlError) throw new UsageError(`backflip sweep: ${error.message}`);
    throw error;
  }
  try {
    if (action === "add") return await add(db, cells, values.json);
    if (action === "retry") {
      const queued = await retryFailed(db, rest);
      if (values.json) console.log(JSON.stringify({ queued }));
      else
        console.log(
          queued.length === 0 ? "no failed run to retry" : `queued again: ${queued.join(", ")}`,
        );
      return 0;
    }
    const runs = await listRuns(db, values.sweep);
    const attempts = values.attempts || values.json ? await listAttempts(db, values.sweep) : [];
    if (values.json) {
      console.log(JSON.stringify({ counts: countStates(runs), runs, attempts }));
    } else {
      console.log(formatRuns(runs));
      if (values.attempts) console.log(`\n${formatAttempts(attempts)}`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

async function checkSpec(path: string): Promise<SweepCell[]> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`backflip sweep add: cannot read ${path}: ${(error as Error).message}`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`backflip sweep add: ${path} is not JSON: ${(error as Error).message}`);
  }
  try {
    return await checkGrid(spec);
  } catch (error) {
    if (error instanceof SweepSpecError) {
      throw new UsageError(`backflip sweep add: ${path}: ${error.message}; nothing was queued`);
    }
    throw error;
  }
}

async function add(db: SweepDb, cells: SweepCell[], json: boolean): Promise<number> {
  const report = await enqueueCells(db, cells);
  if (json) {
    console.log(JSON.stringify({ added: report.added, existing: report.existing }));
    return 0;
  }
  const states = report.existing.map((r) => `${r.name} (${r.state})`);
  console.log(
    `${cells.length} runs in the grid: ${report.added.length} queued` +
      (states.length > 0 ? `, ${states.length} already there: ${states.join(", ")}` : ""),
  );
  return 0;
}

/** The status table: one line per run, then the count per state. */
export function formatRuns(runs: readonly RunRow[]): string {
  if (runs.length === 0) return "no runs (add some with 'backflip sweep add SPEC.json --db …')";
  const header = [
    "run",
    "env",
    "teacher",
    "labels",
    "seed",
    "state",
    "return",
    "wall s",
    "tries",
    "worker",
  ];
  const rows = runs.map((r) => [
    r.name,
    r.env,
    r.teacher,
    String(r.labels),
    String(r.seed),
    r.state,
    r.evalReturn === null ? "–" : r.evalReturn.toFixed(1),
    r.wallSeconds === null ? "–" : r.wallSeconds.toFixed(1),
    String(r.attempts),
    r.worker ?? "–",
  ]);
  const numeric = new Set([3, 4, 6, 7, 8]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const counts = Object.entries(countStates(runs))
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`);
  const failed = runs.filter((r) => r.state === "failed" && r.error);
  return [
    line(header),
    ...rows.map(line),
    "",
    `${runs.length} run${runs.length === 1 ? "" : "s"}: ${counts.join(", ")}`,
    ...failed.map((r) => `${r.name} failed: ${r.error}`),
  ].join("\n");
}

function formatAttempts(attempts: readonly AttemptRow[]): string {
  const lines = ["attempts:"];
  for (const a of attempts) {
    const from = a.how === "resume" ? ` from ${a.fromSteps} steps` : "";
    const seconds =
      a.endedAt === null
        ? ""
        : ` (${((Date.parse(a.endedAt) - Date.parse(a.startedAt)) / 1000).toFixed(1)} s)`;
    lines.push(
      `  ${a.run} #${a.attempt} on ${a.worker}: ${a.how}${from} → ${a.outcome ?? "running"}${seconds}`,
    );
  }
  return lines.join("\n");
}
