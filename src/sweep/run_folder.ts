/**
 * What a worker finds in a run's folder when it takes the run, and so how it goes on: a first
 * attempt trains into a fresh folder; a later one resumes from the checkpoint, restarts when none
 * exists, or only records a result that a lost attempt finished but could not report.
 *
 * The folder's LOCK holds the pid of the process training in it. On one host, `acquireRunLock`
 * takes over a dead pid's lock by itself. A pid from another host means nothing here, so a lock left
 * by the child of a worker that lost its lease on another host (the database says so) is removed.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { readCheckpoint } from "../loop/checkpoint.ts";
import type { RunResult } from "../loop/preference_loop.ts";
import { isProcessAlive } from "../store/index.ts";

/** The worker's own log of each attempt at the run (its child's stdout and stderr). */
export const LOG_FILE = "sweep.log";

/** What a finished run writes (preference_loop.ts's RESULT_FILE); only a finished run has one. */
const RESULT_FILE = "result.json";

/** The run's result, if it finished (read here, not through the trainer's module, to stay light). */
export function readResult(runDir: string): RunResult | null {
  try {
    return JSON.parse(readFileSync(join(runDir, RESULT_FILE), "utf8")) as RunResult;
  } catch {
    return null;
  }
}

/** The attempt before this one, as the database recorded it. */
export type PreviousAttempt = { host: string; childPid: number | null };

export type AttemptPlan =
  /** First attempt: `backflip train` into the folder. */
  | { how: "train" }
  /** `backflip resume`: from the checkpoint at `fromSteps`. */
  | { how: "resume"; fromSteps: number }
  /**
   * No checkpoint: `backflip resume` when the folder holds the run's config (it starts afresh
   * with the answers in its store), else the folder is cleared and `backflip train` starts again.
   */
  | { how: "restart"; with: "resume" | "train" }
  /** The run finished (result.json) in an attempt that was lost before it could say so. */
  | { how: "recorded"; result: RunResult }
  /** Another process holds the folder on this host: try again later. */
  | { how: "busy"; reason: string }
  /** The folder cannot be used for this run; the run fails with the reason. */
  | { how: "refuse"; reason: string };

/**
 * How attempt `attempt` goes on in `runDir`. `previous` is the last attempt's record (null for
 * the first); `host` is this worker's host name. Removes a cross-host stale LOCK and, for a restart
 * without config, the folder's contents (but the log).
 */
export function planAttempt(
  runDir: string,
  attempt: number,
  previous: PreviousAttempt | null,
  host: string,
): AttemptPlan {
  const hasConfig = existsSync(join(runDir, "config.json"));
  if (attempt === 1 || previous === null) {
    if (hasConfig) {
      return {
        how: "refuse",
        reason: `${runDir} already holds a run that this sweep did not start; remove it, or give the worker another --runs`,
      };
    }
    const holder = lockHolder(runDir);
    if (holder !== null && isProcessAlive(holder)) {
      return { how: "busy", reason: `${runDir} is in use by pid ${holder}` };
    }
    return { how: "train" };
  }
  const lock = checkLock(runDir, previous, host);
  if (lock) return lock;
  const result = hasConfig ? readResult(runDir) : null;
  if (result) return { how: "recorded", result };
  if (!hasConfig) {
    clearFolder(runDir);
    return { how: "restart", with: "train" };
  }
  const checkpoint = readCheckpoint(runDir);
  if (checkpoint) return { how: "resume", fromSteps: checkpoint.state.envSteps };
  return { how: "restart", with: "resume" };
}

function checkLock(runDir: string, previous: PreviousAttempt, host: string): AttemptPlan | null {
  const holder = lockHolder(runDir);
  if (holder === null) return null;
  if (previous.host === host) {
    // Same host: the pid is meaningful. A dead one's lock is taken over by acquireRunLock.
    return isProcessAlive(holder)
      ? { how: "busy", reason: `${runDir} is still in use by pid ${holder} on this host` }
      : null;
  }
  if (holder === previous.childPid) {
    // The lost worker's child on another host: the lease says it is gone.
    rmSync(join(runDir, "LOCK"), { force: true });
    return null;
  }
  return {
    how: "refuse",
    reason: `${runDir}/LOCK holds pid ${holder}, not the pid this sweep ran there (${previous.childPid ?? "none"} on ${previous.host}); if no process uses the folder, remove LOCK and 'backflip sweep retry'`,
  };
}

function lockHolder(runDir: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(join(runDir, "LOCK"), "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Everything in the folder but the log: what a run killed before it wrote its config left. */
function clearFolder(runDir: string): void {
  if (!existsSync(runDir)) return;
  for (const entry of readdirSync(runDir)) {
    if (entry !== LOG_FILE) rmSync(join(runDir, entry), { recursive: true, force: true });
  }
}
