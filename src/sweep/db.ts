/**
 * The sweep's database: graphile-worker's queue in its own schema (`graphile_worker`, migrated by
 * graphile-worker), and three small tables of ours in schema `backflip`:
 *
 *   sweep_runs      one row per run of a grid: its cell, its state, and once it ends its result
 *   sweep_attempts  one row per time a worker took the run: how (train, resume, restart), from
 *                   how many checkpointed steps, and how it ended (done, failed, lost, interrupted)
 *   sweep_workers   one row per worker process, with the heartbeat that its lease hangs on
 *
 * The queue delivers jobs; these tables say what is true of each run. A delivery of a run that is
 * already done, or held by a live worker, is dropped, so a run finishes once however often it is
 * delivered.
 */

import { type LogFunctionFactory, Logger, runMigrations } from "graphile-worker";
import pg from "pg";

/** graphile-worker's task for one run; its payload is `{ name }`, the run's name. */
export const SWEEP_TASK = "backflip_sweep_run";
export const GRAPHILE_SCHEMA = "graphile_worker";
/** Deliveries of one run before graphile-worker gives up on it (each kill -9 spends one). */
export const MAX_DELIVERIES = 25;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      backflip_sweep_run: { name: string };
    }
  }
}

export type RunState = "queued" | "running" | "done" | "failed";

/** Ours, in order; each runs once, in a transaction, under an advisory lock. */
const MIGRATIONS: string[] = [
  `create table backflip.sweep_runs (
     name text primary key,
     sweep text,
     env text not null,
     teacher text not null,
     labels integer not null,
     seed integer not null,
     steps integer not null,
     flags jsonb not null default '{}',
     state text not null default 'queued' check (state in ('queued', 'running', 'done', 'failed')),
     attempts integer not null default 0,
     worker text,
     run_dir text,
     eval_return double precision,
     wall_seconds double precision,
     result jsonb,
     error text,
     created_at timestamptz not null default now(),
     started_at timestamptz,
     finished_at timestamptz
   );
   create index sweep_runs_state on backflip.sweep_runs (state);
   create table backflip.sweep_workers (
     id text primary key,
     host text not null,
     pid integer not null,
     pool_id text,
     runs_dir text not null,
     concurrency integer not null,
     lease_seconds double precision not null,
     state text not null default 'alive' check (state in ('alive', 'stopped', 'lost')),
     started_at timestamptz not null default now(),
     heartbeat_at timestamptz not null default now(),
     ended_at timestamptz
   );
   create index sweep_workers_alive on backflip.sweep_workers (heartbeat_at) where state = 'alive';
   create table backflip.sweep_attempts (
     run text not null references backflip.sweep_runs (name) on delete cascade,
     attempt integer not null,
     worker text not null,
     host text not null,
     child_pid integer,
     how text not null check (how in ('train', 'resume', 'restart', 'recorded')),
     from_steps integer,
     outcome text check (outcome in ('done', 'failed', 'lost', 'interrupted')),
     error text,
     started_at timestamptz not null default now(),
     ended_at timestamptz,
     primary key (run, attempt)
   );`,
];

/** A connection pool to the sweep's database, its schemas migrated. */
export class SweepDb {
  private constructor(
    readonly pool: pg.Pool,
    readonly url: string,
  ) {}

  /** Connects and migrates graphile-worker's schema and ours (safe from many processes at once). */
  static async open(url: string, options: { max?: number } = {}): Promise<SweepDb> {
    checkUrl(url);
    const pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 4,
      // A database out of reach fails a query rather than hanging it.
      connectionTimeoutMillis: 10_000,
    });
    // An idle client's error (the server restarting) must not crash the process; the next query
    // reports it. Also on each client, as graphile-worker asks of a pool it is given.
    pool.on("error", () => {});
    pool.on("connect", (client) => client.on("error", () => {}));
    const db = new SweepDb(pool, url);
    try {
      await runMigrations({ pgPool: pool, logger: quietLogger() });
      await db.migrate();
    } catch (error) {
      await pool.end();
      throw new Error(`${redact(url)}: ${(error as Error).message}`);
    }
    return db;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Runs `fn` in a transaction on one client; rolls back if it throws. */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("begin");
      const result = await fn(client);
      await client.query("commit");
      return result;
    } catch (error) {
      await client.query("rollback").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query("select pg_advisory_xact_lock(hashtext('backflip.sweep_migrations'))");
      await client.query("create schema if not exists backflip");
      await client.query(
        "create table if not exists backflip.sweep_migrations (version integer primary key, applied_at timestamptz not null default now())",
      );
      const { rows } = await client.query<{ v: number | null }>(
        "select max(version) as v from backflip.sweep_migrations",
      );
      const done = rows[0].v ?? 0;
      if (done > MIGRATIONS.length) {
        throw new Error(
          `the sweep tables are at version ${done}, newer than this backflip knows (${MIGRATIONS.length}); update backflip`,
        );
      }
      for (let v = done + 1; v <= MIGRATIONS.length; v++) {
        await client.query(MIGRATIONS[v - 1]);
        await client.query("insert into backflip.sweep_migrations (version) values ($1)", [v]);
      }
    });
  }
}

/** graphile-worker's warnings and errors on stderr; its routine info is left out. */
export function quietLogger(write: (line: string) => void = console.error): Logger {
  const factory: LogFunctionFactory = (scope) => (level, message) => {
    if (level === "error" || level === "warning") {
      const where = scope.workerId ? ` [${scope.workerId}]` : "";
      write(`graphile-worker${where} ${level}: ${message}`);
    }
  };
  return new Logger(factory);
}

function checkUrl(url: string): void {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new SweepUrlError(
      `--db must be a Postgres URL like postgres://user@host:5432/db, got '${redact(url)}'`,
    );
  }
}

/** A --db that is not a Postgres URL. */
export class SweepUrlError extends Error {}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@]*@/, "$1:***@");
}
