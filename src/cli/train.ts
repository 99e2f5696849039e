import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RunResult } from "../loop/preference_loop.ts";
import { writeConfig } from "../loop/preference_loop.ts";
import type { RunConfig } from "../loop/run_config.ts";
import { acquireRunLock, importPreferences, PreferenceStore } from "../store/index.ts";
import { formatHelp, parseOptions, UsageError } from "./args.ts";
import { runTraining, type TrainingOptions } from "./run_training.ts";
import { buildConfig, loadTrainSources, TRAIN_COMMAND, type TrainArgs } from "./train_options.ts";

const STORE_FILES = ["store.sqlite", "store.sqlite-wal", "store.sqlite-shm"];

export async function trainCommand(argv: string[]): Promise<number> {
  const { values, positionals, given } = parseOptions(TRAIN_COMMAND, argv);
  if (values.help) {
    console.log(formatHelp(TRAIN_COMMAND));
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`backflip train: unexpected argument '${positionals[0]}'`);
  await startTraining({ values, given }, { json: values.json });
  return 0;
}

/** How `startTraining` talks: what the CLI prints by default; the library asks for less. */
export type TrainOutput = Pick<TrainingOptions, "json" | "progress" | "report" | "log">;

/**
 * `backflip train` once its flags are parsed (the library's `train` comes here too): loads and
 * checks everything, makes the run folder, and runs the loop to its end.
 */
export async function startTraining(
  { values, given }: TrainArgs,
  output: TrainOutput,
): Promise<{ result: RunResult; runDir: string }> {
  const log = output.log ?? console.error;
  // An env or goal file is loaded and probed first: a broken one leaves no run folder behind.
  const sources = await loadTrainSources({ values, given });
  const config = buildConfig({ values, given }, sources);
  if (values.env !== undefined && config.envId !== values.env && !config.envSource)
    log(`${config.teacher} is taught on ${config.envId}, without termination`);
  const runDir = values.run ?? defaultRunDir(config);
  if (existsSync(join(runDir, "config.json"))) {
    throw new UsageError(
      `run directory '${runDir}' already holds a run; choose another --run or remove it`,
    );
  }
  const freshFolder = !existsSync(runDir);
  const lock = acquireRunLock(runDir);
  const store = await PreferenceStore.open(join(runDir, "store.sqlite"));
  try {
    if (config.preferences) {
      const { added, comparisons } = await importPreferences(store, config.preferences, {
        envId: config.envId,
      }).catch((error: Error) => {
        // A file of another env, or a broken one: the user's input, not a crash.
        throw new UsageError(`--preferences: ${error.message}`);
      });
      log(`${added} of ${comparisons} comparisons from ${config.preferences} imported`);
    }
    writeConfig(runDir, config);
  } catch (error) {
    // Nothing of this run exists yet but what was just made: leave no half-made folder behind.
    await store.close();
    lock.release();
    if (freshFolder) rmSync(runDir, { recursive: true, force: true });
    else for (const f of STORE_FILES) rmSync(join(runDir, f), { force: true });
    throw error;
  }
  const result = await runTraining(runDir, config, store, lock, {
    resume: false,
    port: values.port,
    host: values.host,
    ...output,
  });
  return { result, runDir };
}

function defaultRunDir(config: RunConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return join(
    "runs",
    `${config.envId}-${config.teacher.replace(":", "_")}-s${config.seed}-${stamp}`,
  );
}
