import { rmSync } from "node:fs";
import { join } from "node:path";
import { readCheckpoint, writeDurably } from "../loop/checkpoint.ts";
import { RESULT_FILE, type RunResult, readResult } from "../loop/preference_loop.ts";
import { RunConfigError, readRunConfig } from "../loop/run_config.ts";
import { acquireRunLock } from "../store/index.ts";
import {
  checkHost,
  defineCommand,
  formatHelp,
  type OptionValues,
  parseOptions,
  UsageError,
} from "./args.ts";
import { lockStore, openStoreForCli, runTraining } from "./run_training.ts";
import type { TrainOutput } from "./train.ts";
import { loadRunSources } from "./train_options.ts";

export const RESUME_COMMAND = defineCommand({
  name: "resume",
  synopsis: `backflip resume DIR — carry on a run from its last checkpoint

A run stopped with Ctrl-C or from the dashboard, or one that crashed (kill -9, power loss), picks
up where its last checkpoint left it: every answer in its store counts, those given while it was
down too. A human run's page comes back on the same port, with the same links.`,
  options: {
    steps: {
      kind: "int",
      value: "N",
      defaultText: "the run's own",
      min: 1,
      help: "train to N env steps in all; more than the run had trains a finished run longer",
    },
    port: {
      kind: "int",
      value: "N",
      defaultText: "the port the run had",
      min: 0,
      max: 65_535,
      help: "human teacher: port of the labelling page",
    },
    host: {
      kind: "string",
      value: "H",
      defaultText: "127.0.0.1",
      help: "human teacher: address to bind",
    },
    "allow-changed-env": {
      kind: "boolean",
      help: "go on even if the run's env module, MJCF model or goal module changed since it started",
    },
    store: {
      kind: "string",
      value: "URL",
      defaultText: "the one DIR/store.json records",
      help: "a run on Postgres: the URL to reach its database by (with a password, another host name); its schema is the run's own",
    },
    json: { kind: "boolean", help: "print one JSON line with the result at the end" },
  },
});

export async function resumeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(RESUME_COMMAND, argv);
  if (values.help) {
    console.log(formatHelp(RESUME_COMMAND));
    return 0;
  }
  const [runDir, ...extra] = positionals;
  if (!runDir) throw new UsageError("backflip resume: give the run directory, e.g. runs/my-run");
  if (extra.length > 0) throw new UsageError(`backflip resume: unexpected argument '${extra[0]}'`);
  await continueRun(runDir, resumeOptions(values), { json: values.json });
  return 0;
}

/** The parsed flags of `backflip resume` as `continueRun` takes them. */
export function resumeOptions(
  values: OptionValues<(typeof RESUME_COMMAND)["options"]>,
): ResumeOptions {
  return {
    steps: values.steps,
    port: values.port,
    host: values.host,
    allowChangedEnv: values["allow-changed-env"],
    store: values.store,
  };
}

/** What `backflip resume` takes besides the run directory (its flags, camelCased). */
export type ResumeOptions = {
  steps?: number;
  port?: number;
  host?: string;
  allowChangedEnv?: boolean;
  /** A run on Postgres: the URL to reach its store by (default: the folder's store.json). */
  store?: string;
};

/**
 * `backflip resume DIR` once its flags are parsed (the library's `resume` comes here too):
 * checks the run and its files, then carries it on from its last checkpoint.
 */
export async function continueRun(
  runDir: string,
  options: ResumeOptions,
  output: TrainOutput,
): Promise<RunResult> {
  const log = output.log ?? console.error;
  if (options.host !== undefined) checkHost("resume", "host", options.host);
  let config: ReturnType<typeof readRunConfig>;
  try {
    config = readRunConfig(runDir);
  } catch (error) {
    if (error instanceof RunConfigError) throw new UsageError(`backflip resume: ${error.message}`);
    throw error;
  }
  // The run's env and goal files, checked against the hashes it started with.
  const { changed } = await loadRunSources(config, {
    allowChanged: options.allowChangedEnv ?? false,
  }).catch((error: unknown) => {
    if (error instanceof UsageError) throw new UsageError(`backflip resume: ${error.message}`);
    throw error;
  });
  for (const path of changed) log(`warning: ${path} changed since the run started`);
  const checkpoint = readCheckpoint(runDir);
  const done = checkpoint?.state.envSteps ?? 0;
  const steps = options.steps ?? config.steps;
  const finished = readResult(runDir);
  if (finished && steps <= finished.steps) {
    throw new UsageError(
      `backflip resume: '${runDir}' finished at ${finished.steps} steps; give --steps above that to train it longer`,
    );
  }
  if (steps <= done) {
    throw new UsageError(
      `backflip resume: '${runDir}' is at ${done} steps already; give --steps above that`,
    );
  }
  const folderLock = acquireRunLock(runDir);
  let store: Awaited<ReturnType<typeof openStoreForCli>>;
  let lock: typeof folderLock;
  try {
    store = await openStoreForCli("resume", { dir: runDir, store: options.store });
    lock = await lockStore("resume", store, folderLock);
  } catch (error) {
    folderLock.release();
    throw error;
  }
  if (steps !== config.steps) {
    config = { ...config, steps };
    writeDurably(join(runDir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  }
  rmSync(join(runDir, RESULT_FILE), { force: true });
  if (!output.json) {
    log(
      checkpoint
        ? `resuming ${runDir} at ${done} of ${steps} steps`
        : `${runDir} has no checkpoint yet: starting it afresh, with the answers in its store`,
    );
  }
  const result = await runTraining(runDir, config, store, lock, {
    resume: checkpoint !== null,
    port: options.port,
    host: options.host,
    ...output,
  });
  return result;
}
