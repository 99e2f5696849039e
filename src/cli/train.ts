import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RunResult } from "../loop/preference_loop.ts";
import { writeConfig } from "../loop/preference_loop.ts";
import type { RunConfig } from "../loop/run_config.ts";
import {
  acquireRunLock,
  checkStoreUrl,
  importPreferences,
  newRunLocation,
  type PreferenceStore,
  RunStoreError,
  removeNewStore,
  type StoreLocation,
  storeFromEnv,
  writeRunStore,
} from "../store/index.ts";
import { formatHelp, parseOptions, UsageError } from "./args.ts";
import { lockStore, openStoreForCli, runTraining, type TrainingOptions } from "./run_training.ts";
import { buildConfig, loadTrainSources, TRAIN_COMMAND, type TrainArgs } from "./train_options.ts";

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
  if (values.env !== undefined && config.envId !== values.env && !config.envSource) {
    log(
      config.rewardModel
        ? `the policy trains on ${config.envId}, where its reward model was learned`
        : `${config.teacher} is taught on ${config.envId}, without termination`,
    );
  }
  const storeUrl = storeFromEnv(values.store);
  if (storeUrl !== undefined) {
    try {
      checkStoreUrl(storeUrl, values.store === undefined ? "BACKFLIP_STORE" : "--store");
    } catch (error) {
      if (error instanceof RunStoreError) throw new UsageError(`backflip train: ${error.message}`);
      throw error;
    }
  }
  const runDir = values.run ?? defaultRunDir(config);
  if (existsSync(join(runDir, "config.json"))) {
    throw new UsageError(
      `run directory '${runDir}' already holds a run; choose another --run or remove it`,
    );
  }
  const freshFolder = !existsSync(runDir);
  const folderLock = acquireRunLock(runDir);
  const location: StoreLocation = newRunLocation(runDir, storeUrl);
  // Written first, so that a run whose schema exists always says where.
  if (location.kind === "postgres") writeRunStore(runDir, location);
  let store: PreferenceStore;
  let lock: typeof folderLock;
  try {
    store = await openStoreForCli("train", location);
    lock = await lockStore("train", store, folderLock);
  } catch (error) {
    await cleanUp(runDir, location, freshFolder).catch(() => {});
    folderLock.release();
    throw error;
  }
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
    await cleanUp(runDir, location, freshFolder).catch(() => {});
    lock.release();
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

/** Removes what a run that failed to start made: its store, and its folder if it was new. */
async function cleanUp(runDir: string, location: StoreLocation, freshFolder: boolean) {
  await removeNewStore(runDir, location);
  if (freshFolder) rmSync(runDir, { recursive: true, force: true });
}

function defaultRunDir(config: RunConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return join(
    "runs",
    `${config.envId}-${config.teacher.replace(":", "_")}-s${config.seed}-${stamp}`,
  );
}
