/**
 * A sweep worker: takes runs off the queue and trains each in a child process, one at a time by
 * default.
 *
 * graphile-worker delivers the jobs (LISTEN/NOTIFY, `FOR UPDATE SKIP LOCKED`). What it does not
 * do in its open-source release is hand back the jobs of a worker that died: they stay locked for
 * 4 hours. So each worker holds a lease in `backflip.sweep_workers`, renewed by a heartbeat every
 * quarter lease. Every worker, at each beat, also looks for workers whose lease ran out: it marks
 * them lost, puts their runs back in the queue, and unlocks their jobs with graphile-worker's
 * `force_unlock_workers`. The next free worker takes such a run and resumes it from its
 * checkpoint. A worker that cannot renew its lease kills its runs before the lease runs out, and
 * one that finds itself declared lost stops them at once, so that two workers never train one run.
 */
import { type ChildProcess, fork, type StdioOptions, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type JobHelpers, type Runner, run, type Task, type WorkerEvents } from "graphile-worker";
import type pg from "pg";
import type { RunResult } from "../loop/preference_loop.ts";
import { resumeArgs, type SweepCell, trainArgs } from "./cell.ts";
import { GRAPHILE_SCHEMA, quietLogger, type RunState, SWEEP_TASK, SweepDb } from "./db.ts";
import { addJob } from "./queue.ts";
import {
  type AttemptPlan,
  LOG_FILE,
  type PreviousAttempt,
  planAttempt,
  readResult,
} from "./run_folder.ts";

export type WorkerOptions = {
  /** postgres://… of the sweep's database. */
  db: string;
  /** Where run folders go: `<runs>/<run name>`. May be a shared filesystem. */
  runs: string;
  /** Runs at a time. */
  concurrency: number;
  /** Seconds without a heartbeat after which the worker counts as lost and its runs go back. */
  leaseSeconds: number;
  /** Exit once no run in the database is queued or running. */
  drain: boolean;
  /** Seconds between looks at the queue when no NOTIFY came (graphile-worker's poll). */
  pollSeconds?: number;
  /** One line per event; default console.error. */
  log?: (line: string) => void;
};

/** How the worker ended: stopped (a signal, drain) or lost (its lease was taken). */
export type WorkerExit = { reason: "stopped" | "drained" | "lost"; ran: number };

/** graphile-worker's priority for a run taken over from a lost worker (new runs have 0). */
const TAKEN_OVER_PRIORITY = -1;

/** Thrown by a job that must be delivered again later; graphile-worker retries it with backoff. */
class Requeued extends Error {}
const REQUEUED = "[requeued]";

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");
/** util-linux's setpriv (Debian: always there), to give the run a parent-death signal. */
const SETPRIV =
  process.platform === "linux"
    ? (["/usr/bin/setpriv", "/bin/setpriv"].find(existsSync) ?? null)
    : null;

/**
 * The run's process: `backflip train|resume ARGS` through child.ts, with an IPC channel to this
 * worker. It dies with the worker: on Linux the kernel kills it the moment the worker dies
 * (`setpriv --pdeathsig KILL`), and everywhere child.ts kills itself when the channel closes (at
 * its next turn of the event loop, which a PPO update can delay by seconds). In its own process
 * group: Ctrl-C in the worker's terminal reaches the worker only, which asks the run to stop once
 * (a second signal would make train quit without saving).
 */
function startChild(args: string[]): ChildProcess {
  const stdio: StdioOptions = ["ignore", "pipe", "pipe", "ipc"];
  if (SETPRIV) {
    const node = [process.execPath, "--import", TSX, CHILD, ...args];
    return spawn(SETPRIV, ["--pdeathsig", "KILL", "--", ...node], { stdio, detached: true });
  }
  return fork(CHILD, args, { execArgv: ["--import", TSX], stdio, detached: true });
}

export class SweepWorker {
  readonly id: string;
  readonly host = hostname();
  private readonly runsDir: string;
  private readonly log: (line: string) => void;
  private db: SweepDb | null = null;
  private runner: Runner | null = null;
  private poolId: string | null = null;
  private beat: NodeJS.Timeout | null = null;
  private lastBeatOk = Date.now();
  private children = new Map<string, ChildProcess>();
  private stopping = false;
  private ended: WorkerExit["reason"] | null = null;
  private ran = 0;
  private finished!: (exit: WorkerExit) => void;
  /** Resolves when the worker has stopped. */
  readonly done = new Promise<WorkerExit>((resolve) => {
    this.finished = resolve;
  });

  constructor(private readonly options: WorkerOptions) {
    this.runsDir = resolve(options.runs);
    this.log = options.log ?? console.error;
    this.id = `${this.host}-${process.pid}-${randomBytes(2).toString("hex")}`;
  }

  get heartbeatMs(): number {
    return Math.max(200, (this.options.leaseSeconds * 1000) / 4);
  }

  /** Registers the worker, starts its heartbeat and starts taking jobs. */
  async start(): Promise<void> {
    mkdirSync(this.runsDir, { recursive: true });
    const db = await SweepDb.open(this.options.db, { max: this.options.concurrency + 4 });
    this.db = db;
    await db.pool.query(
      `insert into backflip.sweep_workers (id, host, pid, runs_dir, concurrency, lease_seconds)
       values ($1, $2, $3, $4, $5, $6)`,
      [
        this.id,
        this.host,
        process.pid,
        this.runsDir,
        this.options.concurrency,
        this.options.leaseSeconds,
      ],
    );
    this.lastBeatOk = Date.now();
    this.beat = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    const events: WorkerEvents = new EventEmitter();
    events.on("pool:create", ({ workerPool }) => {
      this.poolId = workerPool.id;
      void db.pool
        .query("update backflip.sweep_workers set pool_id = $2 where id = $1", [
          this.id,
          this.poolId,
        ])
        .catch(() => {}); // the claim records it again
    });
    const task: Task<typeof SWEEP_TASK> = (payload, helpers) => this.runJob(payload, helpers);
    this.runner = await run({
      pgPool: db.pool,
      concurrency: this.options.concurrency,
      noHandleSignals: true,
      pollInterval: (this.options.pollSeconds ?? 1) * 1000,
      taskList: { [SWEEP_TASK]: task as Task },
      logger: quietLogger((line) => {
        if (!line.includes(REQUEUED)) this.log(line);
      }),
      events,
    });
    this.log(
      `worker ${this.id}: runs in ${this.runsDir}, ${this.options.concurrency} at a time, lease ${this.options.leaseSeconds} s`,
    );
    void this.runner.promise.then(
      () => this.shutDown(),
      (error: unknown) => {
        this.log(`worker ${this.id}: the queue failed: ${(error as Error).message}`);
        void this.shutDown();
      },
    );
  }

  /**
   * Stops taking jobs. Runs in progress are asked to stop (SIGTERM: they save a checkpoint) and go
   * back to the queue for any worker to resume; `hard` kills them (SIGKILL) and they resume from
   * their last checkpoint.
   */
  async stop(hard = false): Promise<void> {
    if (!this.stopping) this.log(`worker ${this.id}: stopping`);
    this.stopping = true;
    this.ended ??= "stopped";
    for (const child of this.children.values()) child.kill(hard ? "SIGKILL" : "SIGTERM");
    await this.runner?.stop().catch(() => {});
  }

  private async shutDown(): Promise<void> {
    if (this.beat === null && this.db === null) return;
    if (this.beat) clearInterval(this.beat);
    this.beat = null;
    const db = this.db;
    this.db = null;
    if (this.ended === "lost") {
      // The queue may still be failing its jobs over this pool; the process ends anyway.
      this.finished({ reason: "lost", ran: this.ran });
      return;
    }
    await db?.pool
      .query(
        "update backflip.sweep_workers set state = 'stopped', ended_at = now() where id = $1 and state = 'alive'",
        [this.id],
      )
      .catch(() => {});
    await db?.close().catch(() => {});
    this.finished({ reason: this.ended ?? "stopped", ran: this.ran });
  }

  // ---- the lease ----------------------------------------------------------------------------

  private beating = false;

  private async heartbeat(): Promise<void> {
    const db = this.db;
    if (!db || this.ended === "lost") return;
    // Checked at every tick, even while a beat hangs on an unreachable database: stop before the
    // lease runs out, so that no other worker takes over a run this one still trains.
    const silent = Date.now() - this.lastBeatOk;
    if (silent > this.options.leaseSeconds * 1000 - this.heartbeatMs) {
      this.fence(`no heartbeat for ${(silent / 1000).toFixed(1)} s`);
      return;
    }
    if (this.beating) return;
    this.beating = true;
    try {
      const { rowCount } = await db.pool.query(
        "update backflip.sweep_workers set heartbeat_at = now() where id = $1 and state = 'alive'",
        [this.id],
      );
      if (rowCount === 0) {
        this.fence("another worker declared this one lost (no heartbeat within its lease)");
        return;
      }
      this.lastBeatOk = Date.now();
      await reapLostWorkers(db, this.options.leaseSeconds, (line) => this.log(line));
      if (this.options.drain && !this.stopping && this.children.size === 0) {
        const { rows } = await db.pool.query<{ n: number }>(
          "select count(*)::int as n from backflip.sweep_runs where state in ('queued', 'running')",
        );
        if (rows[0].n === 0) {
          this.log(`worker ${this.id}: no run left to do`);
          this.ended = "drained";
          await this.stop();
        }
      }
    } catch (error) {
      this.log(`worker ${this.id}: heartbeat failed: ${(error as Error).message}`);
    } finally {
      this.beating = false;
    }
  }

  /** Lost the lease: kill every run at once (others take them over) and end the worker. */
  private fence(why: string): void {
    if (this.ended === "lost") return;
    this.ended = "lost";
    this.stopping = true;
    this.log(`worker ${this.id}: ${why}; its runs are killed and go back to the queue`);
    for (const child of this.children.values()) child.kill("SIGKILL");
    void this.runner?.stop().catch(() => {});
    void this.shutDown();
  }

  // ---- one job: one attempt at a run --------------------------------------------------------

  private async runJob(payload: unknown, helpers: JobHelpers): Promise<void> {
    const db = this.db;
    if (!db || this.stopping) throw new Requeued(`${REQUEUED} worker stopping`);
    const name = (payload as { name?: unknown } | null)?.name;
    if (typeof name !== "string") {
      this.log(`worker ${this.id}: job ${helpers.job.id} has no run name; dropped`);
      return;
    }
    const claim = await this.claim(db, name, helpers.job.locked_by);
    if (claim.kind === "drop") {
      this.log(`${name}: ${claim.why}; this delivery is dropped`);
      return;
    }
    if (claim.kind === "busy") {
      this.log(`${name}: ${claim.why}; it is tried again later`);
      throw new Requeued(`${REQUEUED} ${claim.why}`);
    }
    if (claim.kind === "refuse") {
      this.log(`${name}: failed: ${claim.why}`);
      return;
    }
    const { cell, attempt, plan, runDir } = claim;
    if (plan.how === "recorded") {
      this.log(`${name}: finished by a lost attempt; its result is recorded now`);
      await this.finish(db, name, attempt, plan.result);
      return;
    }
    const args =
      plan.how === "train" || (plan.how === "restart" && plan.with === "train")
        ? ["train", ...trainArgs(cell), "--run", runDir, "--json"]
        : ["resume", runDir, "--json", ...resumeArgs(cell)];
    this.log(`${name}: attempt ${attempt}, ${describePlan(plan)}`);
    const exit = await this.runChild(db, name, attempt, runDir, args);
    if (this.ended === "lost") throw new Requeued(`${REQUEUED} worker lost`);
    const result = readResult(runDir);
    if (exit.code === 0 && result) {
      this.ran++;
      this.log(
        `${name}: done, eval return ${result.evalReturn.mean.toFixed(1)} after ${result.steps} steps`,
      );
      await this.finish(db, name, attempt, result);
      return;
    }
    if (this.stopping) {
      this.log(`${name}: stopped with the worker; back in the queue`);
      await this.endAttempt(db, name, attempt, "interrupted", null, "queued");
      throw new Requeued(`${REQUEUED} worker stopping`);
    }
    const how = exit.code === null ? `killed by ${exit.signal}` : `exit ${exit.code}`;
    const error = `${args[0]} ${how}: ${exit.tail || "(no output)"}`;
    this.log(`${name}: failed: ${error}`);
    await this.endAttempt(db, name, attempt, "failed", error, "failed");
  }

  /**
   * Takes the run for this worker, in one transaction with the row locked: a run that is done,
   * failed, or held by a live worker is left alone (a second delivery); otherwise it becomes this
   * worker's next attempt, planned from what its folder holds.
   */
  private async claim(
    db: SweepDb,
    name: string,
    lockedBy: string | null,
  ): Promise<
    | { kind: "drop"; why: string }
    | { kind: "busy"; why: string }
    | { kind: "refuse"; why: string }
    | { kind: "take"; cell: SweepCell; attempt: number; plan: TakenPlan; runDir: string }
  > {
    return db.transaction(async (client) => {
      const { rows } = await client.query(
        `select r.*, w.state as worker_state from backflip.sweep_runs r
         left join backflip.sweep_workers w on w.id = r.worker where r.name = $1 for update of r`,
        [name],
      );
      const row = rows[0] as (RunRow & { worker_state: string | null }) | undefined;
      if (!row) return { kind: "drop", why: "not in backflip.sweep_runs" };
      if (row.state === "done" || row.state === "failed") {
        return { kind: "drop", why: `already ${row.state}` };
      }
      if (row.state === "running" && row.worker_state === "alive") {
        return { kind: "drop", why: `running on worker ${row.worker}` };
      }
      if (row.state === "running") await markLost(client, name, row.attempts);
      await client.query("update backflip.sweep_workers set pool_id = $2 where id = $1", [
        this.id,
        lockedBy ?? this.poolId,
      ]);
      const previous = await client.query<PreviousAttempt>(
        `select host, child_pid as "childPid" from backflip.sweep_attempts
         where run = $1 order by attempt desc limit 1`,
        [name],
      );
      const attempt = row.attempts + 1;
      const runDir = join(this.runsDir, name);
      const plan = planAttempt(runDir, attempt, previous.rows[0] ?? null, this.host);
      if (plan.how === "busy") {
        await client.query("update backflip.sweep_runs set state = 'queued' where name = $1", [
          name,
        ]);
        return { kind: "busy", why: plan.reason };
      }
      if (plan.how === "refuse") {
        await client.query(
          `update backflip.sweep_runs set state = 'failed', error = $2, finished_at = now()
           where name = $1`,
          [name, plan.reason],
        );
        return { kind: "refuse", why: plan.reason };
      }
      await client.query(
        `update backflip.sweep_runs set state = 'running', attempts = $2, worker = $3, run_dir = $4,
           started_at = coalesce(started_at, now()), error = null where name = $1`,
        [name, attempt, this.id, runDir],
      );
      await client.query(
        `insert into backflip.sweep_attempts (run, attempt, worker, host, how, from_steps)
         values ($1, $2, $3, $4, $5, $6)`,
        [
          name,
          attempt,
          this.id,
          this.host,
          plan.how,
          plan.how === "resume" ? plan.fromSteps : null,
        ],
      );
      const cell: SweepCell = {
        name,
        sweep: row.sweep,
        env: row.env,
        teacher: row.teacher,
        labels: row.labels,
        seed: row.seed,
        steps: row.steps,
        flags: row.flags,
      };
      return { kind: "take", cell, attempt, plan, runDir };
    });
  }

  private runChild(
    db: SweepDb,
    name: string,
    attempt: number,
    runDir: string,
    args: string[],
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; tail: string }> {
    mkdirSync(runDir, { recursive: true });
    const log: WriteStream = createWriteStream(join(runDir, LOG_FILE), { flags: "a" });
    log.write(
      `--- ${new Date().toISOString()} worker ${this.id} attempt ${attempt}: backflip ${args.join(" ")}\n`,
    );
    const child = startChild(args);
    this.children.set(name, child);
    let tail = "";
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      tail = (tail + chunk.toString()).slice(-2000);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    void db.pool
      .query("update backflip.sweep_attempts set child_pid = $3 where run = $1 and attempt = $2", [
        name,
        attempt,
        child.pid ?? null,
      ])
      .catch(() => {});
    return new Promise((done) => {
      child.on("exit", (code, signal) => {
        this.children.delete(name);
        log.end(`--- exit ${code ?? signal}\n`);
        const lines = tail
          .trim()
          .split("\n")
          .filter((l) => !l.startsWith("{"));
        done({ code, signal, tail: lines.slice(-3).join(" | ") });
      });
    });
  }

  /** The run is done: its result, fenced on this worker's attempt (a lost worker records nothing). */
  private async finish(db: SweepDb, name: string, attempt: number, result: RunResult) {
    await db.transaction(async (client) => {
      const { rowCount } = await client.query(
        `update backflip.sweep_runs set state = 'done', eval_return = $4, result = $5,
           finished_at = now(), wall_seconds = extract(epoch from now() - started_at)
         where name = $1 and attempts = $2 and worker = $3 and state = 'running'`,
        [name, attempt, this.id, result.evalReturn.mean, JSON.stringify(result)],
      );
      if (rowCount === 0) {
        this.log(`${name}: this attempt was taken over; its result is not recorded`);
        return;
      }
      await client.query(
        "update backflip.sweep_attempts set outcome = 'done', ended_at = now() where run = $1 and attempt = $2",
        [name, attempt],
      );
    });
  }

  private async endAttempt(
    db: SweepDb,
    name: string,
    attempt: number,
    outcome: "failed" | "interrupted",
    error: string | null,
    state: RunState,
  ): Promise<void> {
    await db.transaction(async (client) => {
      const { rowCount } = await client.query(
        `update backflip.sweep_runs set state = $4, error = $5,
           finished_at = case when $4 = 'failed' then now() end,
           wall_seconds = case when $4 = 'failed' then extract(epoch from now() - started_at) end
         where name = $1 and attempts = $2 and worker = $3 and state = 'running'`,
        [name, attempt, this.id, state, error],
      );
      if (rowCount === 0) return;
      await client.query(
        "update backflip.sweep_attempts set outcome = $3, error = $4, ended_at = now() where run = $1 and attempt = $2",
        [name, attempt, outcome, error],
      );
    });
  }
}

/** A plan that runs something (or records a result). */
type TakenPlan = Exclude<AttemptPlan, { how: "busy" | "refuse" }>;

type RunRow = {
  name: string;
  sweep: string | null;
  env: string;
  teacher: string;
  labels: number;
  seed: number;
  steps: number;
  flags: Record<string, string | number | boolean>;
  state: RunState;
  attempts: number;
  worker: string | null;
};

function describePlan(plan: TakenPlan): string {
  switch (plan.how) {
    case "train":
      return "training";
    case "resume":
      return `resuming from the checkpoint at ${plan.fromSteps} steps`;
    case "restart":
      return plan.with === "resume"
        ? "restarting (no checkpoint; the answers in its store are kept)"
        : "restarting from nothing (the lost attempt left no config)";
    case "recorded":
      return "recording the result a lost attempt left";
  }
}

/** The run's current attempt ended with its worker lost. */
async function markLost(client: pg.PoolClient, name: string, attempt: number): Promise<void> {
  await client.query(
    `update backflip.sweep_attempts a set outcome = 'lost',
       ended_at = (select w.heartbeat_at from backflip.sweep_workers w where w.id = a.worker)
     where a.run = $1 and a.attempt = $2 and a.outcome is null`,
    [name, attempt],
  );
}

/**
 * Declares lost the workers whose lease ran out, puts their runs back in the queue (job keyed by
 * the run, added again if it is gone), and unlocks every sweep job that a worker no longer alive
 * holds. One worker reaps at a time (an advisory lock); the others skip the beat.
 */
export async function reapLostWorkers(
  db: SweepDb,
  leaseSeconds: number,
  log: (line: string) => void,
): Promise<void> {
  await db.transaction(async (client) => {
    const { rows: locked } = await client.query<{ ok: boolean }>(
      "select pg_try_advisory_xact_lock(hashtext('backflip.sweep_reaper')) as ok",
    );
    if (!locked[0].ok) return;
    const lost = await client.query<{ id: string; heartbeat_at: Date }>(
      `update backflip.sweep_workers set state = 'lost', ended_at = now()
       where state = 'alive' and heartbeat_at < now() - lease_seconds * interval '1 second'
       returning id, heartbeat_at`,
    );
    for (const w of lost.rows)
      log(`worker ${w.id} is lost (last heartbeat ${w.heartbeat_at.toISOString()})`);
    const held = await client.query<{ name: string; attempts: number }>(
      `select r.name, r.attempts from backflip.sweep_runs r
       join backflip.sweep_workers w on w.id = r.worker
       where r.state = 'running' and w.state <> 'alive' for update of r`,
    );
    for (const run of held.rows) {
      await markLost(client, run.name, run.attempts);
      await client.query("update backflip.sweep_runs set state = 'queued' where name = $1", [
        run.name,
      ]);
    }
    // Jobs held by a pool that no live worker owns: a lost or stopped worker's, or (after a
    // grace of two leases) one that died before it could record its pool.
    await client.query(
      `select ${GRAPHILE_SCHEMA}.force_unlock_workers(array(
         select distinct j.locked_by from ${GRAPHILE_SCHEMA}.jobs j
         where j.task_identifier = $1 and j.locked_by is not null
           and not exists (select 1 from backflip.sweep_workers w
                           where w.pool_id = j.locked_by and w.state = 'alive')
           and (exists (select 1 from backflip.sweep_workers w where w.pool_id = j.locked_by)
                or j.locked_at < now() - $2 * 2 * interval '1 second')))`,
      [SWEEP_TASK, leaseSeconds],
    );
    for (const run of held.rows) {
      await addJob(client, run.name);
      log(`${run.name}: back in the queue (its worker is lost)`);
    }
    // Ahead of runs not yet started (graphile-worker takes the lowest priority first; ties in
    // run_at fall in no set order): a run half done is the one a sweep waits for.
    await client.query(
      `select count(*) from ${GRAPHILE_SCHEMA}.reschedule_jobs(array(
         select id from ${GRAPHILE_SCHEMA}.jobs where task_identifier = $1 and key = any($2::text[])
       ), priority := $3)`,
      [SWEEP_TASK, held.rows.map((r) => r.name), TAKEN_OVER_PRIORITY],
    );
  });
}
