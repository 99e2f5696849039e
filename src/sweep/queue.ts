/**
 * Putting runs on the queue and reading their states. A run is a row of `backflip.sweep_runs` and
 * a graphile-worker job keyed by the run's name, added in one transaction, so a spec added twice
 * queues nothing new, and a run that is done or failed is never queued again by `add`.
 */
import type pg from "pg";
import type { RunResult } from "../loop/preference_loop.ts";
import { type SweepCell, SweepSpecError } from "./cell.ts";
import { GRAPHILE_SCHEMA, MAX_DELIVERIES, type RunState, SWEEP_TASK, type SweepDb } from "./db.ts";
import type { SweepSpec } from "./spec.ts";

export type EnqueueReport = {
  /** Runs new to the database, now queued. */
  added: string[];
  /** Runs of the spec that were there already, with their state (untouched). */
  existing: { name: string; state: RunState }[];
};

/**
 * Checks a spec in full (`SweepSpecError` if anything is wrong, and then nothing is queued) and
 * queues one job per cell. `spec` may be the parsed JSON of a spec file.
 */
export async function enqueueGrid(
  db: SweepDb,
  spec: SweepSpec | unknown,
): Promise<EnqueueReport & { cells: SweepCell[] }> {
  const cells = await checkGrid(spec);
  return { ...(await enqueueCells(db, cells)), cells };
}

/**
 * The grid's cells, once the spec's shape and every cell's train flags are checked (as
 * `backflip train` checks them); a `SweepSpecError` otherwise. Touches no database.
 */
export async function checkGrid(spec: SweepSpec | unknown): Promise<SweepCell[]> {
  // Loaded here: checking a spec builds every cell's config, which loads the envs and the trainer.
  const { checkCells, expandGrid, parseSweepSpec } = await import("./spec.ts");
  const cells = expandGrid(parseSweepSpec(spec));
  await checkCells(cells);
  return cells;
}

/** Queues cells that are new to the database; those already there keep their row and state. */
export async function enqueueCells(
  db: SweepDb,
  cells: readonly SweepCell[],
): Promise<EnqueueReport> {
  const names = cells.map((c) => c.name);
  if (new Set(names).size !== names.length)
    throw new SweepSpecError("spec: two cells share a name");
  return db.transaction(async (client) => {
    const added: string[] = [];
    for (const cell of cells) {
      const { rowCount } = await client.query(
        `insert into backflip.sweep_runs (name, sweep, env, teacher, labels, seed, steps, flags)
         values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (name) do nothing`,
        [
          cell.name,
          cell.sweep,
          cell.env,
          cell.teacher,
          cell.labels,
          cell.seed,
          cell.steps,
          JSON.stringify(cell.flags),
        ],
      );
      if (rowCount === 1) {
        await addJob(client, cell.name);
        added.push(cell.name);
      }
    }
    const { rows } = await client.query<{ name: string; state: RunState }>(
      "select name, state from backflip.sweep_runs where name = any($1::text[]) order by name",
      [names.filter((n) => !added.includes(n))],
    );
    return { added, existing: rows };
  });
}

/**
 * The run's job, keyed by its name. `unsafe_dedupe`: if a job with that key exists, even one a
 * worker holds, nothing is added (graphile-worker's default would add a second job beside a held
 * one).
 */
export async function addJob(client: pg.PoolClient, name: string): Promise<void> {
  await client.query(
    `select ${GRAPHILE_SCHEMA}.add_job($1::text, json_build_object('name', $2::text),
       max_attempts := $3::int, job_key := $2::text, job_key_mode := 'unsafe_dedupe')`,
    [SWEEP_TASK, name, MAX_DELIVERIES],
  );
}

/**
 * Puts failed runs back on the queue (all of them, or those named); their folders are kept, so a
 * run with a checkpoint resumes from it. Returns the names queued.
 */
export async function retryFailed(db: SweepDb, names: readonly string[] = []): Promise<string[]> {
  return db.transaction(async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `update backflip.sweep_runs set state = 'queued', error = null, finished_at = null
       where state = 'failed' and (cardinality($1::text[]) = 0 or name = any($1::text[]))
       returning name`,
      [names],
    );
    for (const { name } of rows) await addJob(client, name);
    return rows.map((r) => r.name).sort();
  });
}

/** A run as `sweep status` shows it. */
export type RunRow = {
  name: string;
  sweep: string | null;
  env: string;
  teacher: string;
  labels: number;
  seed: number;
  steps: number;
  state: RunState;
  /** Times a worker took the run. */
  attempts: number;
  /** The final evaluation's mean return. */
  evalReturn: number | null;
  /** Seconds from the first attempt's start to the end. */
  wallSeconds: number | null;
  /** The worker of the current or last attempt. */
  worker: string | null;
  runDir: string | null;
  error: string | null;
  /** What `backflip train --json` printed at the end (result.json), once done. */
  result: RunResult | null;
};

/** An attempt at a run: one worker's go at it. */
export type AttemptRow = {
  run: string;
  attempt: number;
  worker: string;
  host: string;
  how: "train" | "resume" | "restart" | "recorded";
  /** Steps of the checkpoint it resumed from. */
  fromSteps: number | null;
  outcome: "done" | "failed" | "lost" | "interrupted" | null;
  startedAt: string;
  endedAt: string | null;
  error: string | null;
};

/** Every run (or one sweep's), by name. */
export async function listRuns(db: SweepDb, sweep?: string): Promise<RunRow[]> {
  const { rows } = await db.pool.query(
    `select name, sweep, env, teacher, labels, seed, steps, state, attempts,
            eval_return as "evalReturn", wall_seconds as "wallSeconds", worker,
            run_dir as "runDir", error, result
     from backflip.sweep_runs where $1::text is null or sweep = $1 order by created_at, name`,
    [sweep ?? null],
  );
  return rows as RunRow[];
}

export async function listAttempts(db: SweepDb, sweep?: string): Promise<AttemptRow[]> {
  const { rows } = await db.pool.query(
    `select a.run, a.attempt, a.worker, a.host, a.how, a.from_steps as "fromSteps", a.outcome,
            a.started_at as "startedAt", a.ended_at as "endedAt", a.error
     from backflip.sweep_attempts a join backflip.sweep_runs r on r.name = a.run
     where $1::text is null or r.sweep = $1 order by a.started_at, a.run`,
    [sweep ?? null],
  );
  return rows.map((r) => ({
    ...r,
    startedAt: new Date(r.startedAt).toISOString(),
    endedAt: r.endedAt === null ? null : new Date(r.endedAt).toISOString(),
  })) as AttemptRow[];
}

/** Runs per state. */
export function countStates(runs: readonly RunRow[]): Record<RunState, number> {
  const counts: Record<RunState, number> = { queued: 0, running: 0, done: 0, failed: 0 };
  for (const r of runs) counts[r.state]++;
  return counts;
}
