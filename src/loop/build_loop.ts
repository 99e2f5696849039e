/**
 * Builds a loop from a run's config: a new run, a resumed one (from its last checkpoint), or a
 * fresh policy on a saved, frozen reward model (`rewardModel`). `train` and `resume` both come
 * through here, so they cannot drift apart.
 */
import { join } from "node:path";
import { Rng } from "../core/rng.ts";
import { makeVecEnv, type VecEnv } from "../envs/index.ts";
import { makeSelector } from "../queries/index.ts";
import { RewardEnsemble, rewardPreset } from "../reward/index.ts";
import { PpoAgent } from "../rl/ppo.ts";
import type { PreferenceStore } from "../store/index.ts";
import { makeTeacher } from "../teachers/index.ts";
import {
  HumanTeacher,
  NoTeacher,
  type RunTeacher,
  SyntheticTeacher,
} from "../teachers/store_teachers.ts";
import { latestModelDir, readCheckpoint } from "./checkpoint.ts";
import { type LoopEvents, PreferenceLoop, rewardBatchPairs } from "./preference_loop.ts";
import type { RunConfig } from "./run_config.ts";

/** Seeds of the loop's parts, offset from the run's seed so that no two share a stream. */
const SEED_OFFSET = { reward: 1, teacher: 2 } as const;

export function buildLoop(
  config: RunConfig,
  runDir: string,
  store: PreferenceStore,
  options: { resume?: boolean; events?: LoopEvents } = {},
): PreferenceLoop {
  const checkpoint = options.resume ? readCheckpoint(runDir) : null;
  const ppoConfig = { ...config.ppo, totalTimesteps: config.steps };
  const venv = makeVecEnv(config.envId, ppoConfig.numEnvs ?? 1, { respawn: config.respawn });
  // A resumed run's envs start new episodes: their mid-episode state is not kept.
  venv.reset(config.seed + (checkpoint?.state.policyVersion ?? 0));
  const agent = checkpoint
    ? PpoAgent.load(join(checkpoint.dir, "policy"), { totalTimesteps: config.steps })
    : new PpoAgent(ppoConfig, venv.observationSpace, venv.actionSpace, config.seed);
  const reward = makeReward(config, venv, checkpoint?.dir);
  return new PreferenceLoop(
    config,
    runDir,
    store,
    {
      venv,
      agent,
      reward,
      selector: makeSelector(config.selection, reward),
      teacher: makeRunTeacher(config, store),
      rng: new Rng(config.seed),
      resumeFrom: checkpoint,
    },
    options.events,
  );
}

function makeReward(
  config: RunConfig,
  { observationSpace, actionSpace, spec }: VecEnv,
  checkpointDir: string | undefined,
): RewardEnsemble {
  if (checkpointDir) {
    return RewardEnsemble.fromSaved(join(checkpointDir, "reward"), observationSpace, actionSpace);
  }
  const frozen = config.rewardModel && latestModelDir(config.rewardModel, "reward");
  if (frozen) return RewardEnsemble.fromSaved(frozen, observationSpace, actionSpace);
  // A pixel game's preset (the paper's Atari predictor on the grid) sets its own batch size.
  return new RewardEnsemble(observationSpace, actionSpace, {
    batchPairs: rewardBatchPairs(config.clipSteps),
    ...rewardPreset(config.envId),
    cropFraction: config.cropFraction,
    pseudoLabels: config.pseudoLabels,
    periodicObs: config.periodicAngles ? (spec.periodicObs ?? []) : [],
    validation: config.rewardValidation,
    seed: config.seed + SEED_OFFSET.reward,
  });
}

function makeRunTeacher(config: RunConfig, store: PreferenceStore): RunTeacher {
  const rng = new Rng(config.seed + SEED_OFFSET.teacher);
  if (config.rewardModel) return new NoTeacher();
  if (config.teacher === "human") return new HumanTeacher(store, rng, config.repeatShare);
  const noise = config.teacher === "oracle" ? {} : config.noise;
  return new SyntheticTeacher(store, makeTeacher(config.teacher, { ...noise, rng }), rng);
}
