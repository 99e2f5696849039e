/**
 * What `train` and `resume` share once a run folder is ready: the labelling server for human
 * runs (same owner link and port as before, when it can), the progress bar, Ctrl-C, the loop,
 * and the report.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildLoop } from "../loop/build_loop.ts";
import { describeCount } from "../loop/evaluate.ts";
import type { PreferenceLoop, RunResult } from "../loop/preference_loop.ts";
import type { RunConfig } from "../loop/run_config.ts";
import { type ServerProcess, startServerProcess } from "../server/index.ts";
import {
  openRunStore,
  openStoreAt,
  type PreferenceStore,
  type RunLock,
  RunLockedError,
  RunStoreError,
  type StoreLocation,
} from "../store/index.ts";
import { UsageError } from "./args.ts";
import { Progress } from "./progress.ts";

export type TrainingOptions = {
  resume: boolean;
  json: boolean;
  port?: number;
  host?: string;
  /** The progress bar (or progress lines when stderr is not a terminal); default: `!json`. */
  progress?: boolean;
  /** Print the result at the end (one JSON line with `json`); default true. */
  report?: boolean;
  /** Where notices go (the labelling page's links, …); default `console.error`. */
  log?: (message: string) => void;
};

/** Runs the loop in `runDir` to its end (or Ctrl-C), then releases the store and the lock. */
export async function runTraining(
  runDir: string,
  config: RunConfig,
  store: PreferenceStore,
  lock: RunLock,
  options: TrainingOptions,
): Promise<RunResult> {
  let loop: PreferenceLoop | null = null;
  let server: ServerProcess | null = null;
  let progress: Progress | null = null;
  let interrupted = false;
  const stop = () => {
    // The first Ctrl-C ends the run after this update, saving it; a second one leaves at once,
    // and `backflip resume` carries on from the last checkpoint.
    if (interrupted) process.exit(130);
    interrupted = true;
    progress?.note("stopping after this update (Ctrl-C again to quit at once)");
    loop?.requestStop();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    if (config.teacher === "human") {
      server = await startLabellingServer(runDir, store, options);
      (options.log ?? console.error)(
        `\nLabelling page: ${server.url}\nDashboard:      ${server.url.replace("/#", "/dashboard#")}\n`,
      );
    }
    // After the links, so that the bar is not drawn above them.
    const bar = new Progress(config.steps, options.progress ?? !options.json);
    progress = bar;
    loop = buildLoop(config, runDir, store, {
      resume: options.resume,
      events: {
        onPhase: (_phase, detail) => bar.note(detail),
        onProgress: (row) => bar.update(row),
        onExploring: (steps) => bar.exploring(steps),
        onStatus: (status) => bar.status(status),
      },
    });
    const result = await loop.run();
    bar.stop();
    if (options.report ?? true) report(result, runDir, options.json);
    return result;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    progress?.stop();
    loop?.dispose();
    await server?.stop();
    await store.close();
    lock.release();
  }
}

/**
 * Opens a run's store for `backflip COMMAND`: at `location` (a new run), or the store the run
 * folder `dir` records, reached by `--store` when given. A folder that is not a run, or a
 * `--store` that does not fit it, is the user's mistake (a UsageError).
 */
export async function openStoreForCli(
  command: string,
  where: StoreLocation | { dir: string; store?: string },
): Promise<PreferenceStore> {
  try {
    return "kind" in where ? await openStoreAt(where) : await openRunStore(where.dir, where.store);
  } catch (error) {
    if (error instanceof RunStoreError)
      throw new UsageError(`backflip ${command}: ${error.message}`);
    throw error;
  }
}

/**
 * Adds the store's run lock (Postgres: an advisory lock) to the folder's: the lock `runTraining`
 * holds and releases. Closes the store if the run is taken (the folder's lock is the caller's).
 */
export async function lockStore(
  command: string,
  store: PreferenceStore,
  folderLock: RunLock,
): Promise<RunLock> {
  try {
    const storeLock = await store.lockRun();
    return {
      path: folderLock.path,
      pid: folderLock.pid,
      release() {
        storeLock.release();
        folderLock.release();
      },
    };
  } catch (error) {
    await store.close();
    if (error instanceof RunLockedError)
      throw new UsageError(`backflip ${command}: ${error.message}`);
    throw error;
  }
}

const SERVER_FILE = "server.json";

/**
 * Starts the page on the port it had before, so that links given out earlier keep working; if
 * that port is taken now, on a free one, and says so.
 */
async function startLabellingServer(
  runDir: string,
  store: PreferenceStore,
  options: TrainingOptions,
): Promise<ServerProcess> {
  const saved = readSavedPort(runDir);
  const port = options.port ?? saved ?? 0;
  // The child finds the store from the folder; the URL it was reached by (which may hold a
  // password that the folder does not keep) goes over IPC with the owner token.
  const url = store.location.kind === "postgres" ? store.location.url : undefined;
  let server: ServerProcess;
  try {
    server = await startServerProcess(runDir, { port, host: options.host, store: url });
  } catch (error) {
    if (options.port !== undefined || saved === null) throw error;
    (options.log ?? console.error)(
      `port ${saved} is in use now, so the page moves to a new one (new links below)`,
    );
    server = await startServerProcess(runDir, { port: 0, host: options.host, store: url });
  }
  writeFileSync(join(runDir, SERVER_FILE), `${JSON.stringify({ port: server.port })}\n`);
  return server;
}

function readSavedPort(runDir: string): number | null {
  try {
    const { port } = JSON.parse(readFileSync(join(runDir, SERVER_FILE), "utf8")) as {
      port?: unknown;
    };
    return Number.isInteger(port) ? (port as number) : null;
  } catch {
    return null;
  }
}

function report(result: RunResult, runDir: string, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ ...result, run: runDir }));
    return;
  }
  const { evalReturn } = result;
  const waited =
    result.waitedSeconds > 0
      ? `, ${result.waitedSeconds.toFixed(0)} s of it waiting for answers`
      : "";
  const how = result.stopped
    ? `stopped after ${result.steps} steps; 'backflip resume ${runDir}' continues it`
    : `${result.steps} steps`;
  console.log(
    `done in ${result.wallSeconds.toFixed(1)} s${waited}: ${how}, ${result.labels} labels; ` +
      `eval return on ${evalReturn.env} ${evalReturn.mean.toFixed(1)} ± ${evalReturn.std.toFixed(1)} ` +
      `over ${evalReturn.episodes} episodes. Run saved in ${runDir}`,
  );
  if (evalReturn.count) console.log(describeCount(evalReturn.count));
}
