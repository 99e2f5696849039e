/**
 * `backflip train`'s options, once: the table below gives the parser, `--help` and the typed
 * values, and `buildConfig` turns those values into a checked RunConfig without touching the
 * disk beyond looking at paths, so that nothing is written before every flag is known good.
 */
import { existsSync, statSync } from "node:fs";
import { basename, extname, resolve } from "node:path";
import { flatSize } from "../core/spaces.ts";
import {
  type EnvSource,
  fileSha256,
  hasEnv,
  isEnvSourcePath,
  loadEnvSource,
  makeEnv,
  sampleClip,
} from "../envs/index.ts";
import { isMujocoEnvId } from "../envs/mujoco/index.ts";
import { latestModelDir } from "../loop/checkpoint.ts";
import { defaultRubric } from "../loop/rubrics.ts";
import {
  defaultClipSteps,
  describeConfigIssues,
  NO_TEACHER,
  preferenceReadyId,
  type RunConfig,
  readRunConfig,
  runConfigSchema,
  standardEnvId,
} from "../loop/run_config.ts";
import { VALIDATION_SCHEMES } from "../reward/reward_trainer.ts";
import type { PpoConfig } from "../rl/ppo.ts";
import { ppoPreset } from "../rl/presets.ts";
import { hasRunStore } from "../store/run_store.ts";
import {
  type GoalModuleInfo,
  getGoal,
  isGoalModuleSpec,
  loadGoalModule,
  makeTeacher,
} from "../teachers/index.ts";
import {
  checkHost,
  defineCommand,
  type OptionSpec,
  type ParsedOptions,
  UsageError,
} from "./args.ts";

/**
 * Groups: `teacher` options mean nothing without a teacher (refused with --reward-model),
 * `human` ones only with --teacher human, `noise` ones only with noisy and goal teachers.
 */
export const TRAIN_COMMAND = defineCommand({
  name: "train",
  synopsis: `backflip train — teach an agent from pairwise comparisons of its clips

Usage:
  backflip train --env ID --teacher human [options]      you compare clips in the browser
  backflip train --env ID --teacher oracle|noisy|goal:NAME [options]   a simulated teacher
  backflip train --env ID --reward-model RUN_DIR [options]   a fresh policy on a saved reward model`,
  options: {
    env: {
      kind: "string",
      value: "ID",
      required: true,
      field: "envId",
      help: "environment: an id (see 'backflip envs'), a module ./my_env.ts|.js whose default export is an Env, or a MuJoCo model ./robot.xml",
    },
    teacher: {
      kind: "string",
      value: "NAME",
      required: "unless --reward-model",
      field: "teacher",
      group: "teacher",
      help: "human (you label clips in the browser) | oracle | noisy | goal:NAME | goal:./my_goal.ts (a goal module)",
    },
    "reward-model": {
      kind: "string",
      value: "RUN_DIR",
      defaultText: "none",
      help: "train a fresh policy on that run's saved reward model (RUN_DIR/reward), frozen: no teacher, no labels, no queries; on the task the model was learned on (its preference-ready variant and respawn setting) when --env names that task, scored by its goal if a goal taught it",
    },
    preferences: {
      kind: "string",
      value: "FILE_OR_RUN_DIR",
      defaultText: "none",
      group: "teacher",
      help: "start with the comparisons exported from another run ('backflip export'), or that run's directory",
    },
    labels: {
      kind: "int",
      value: "N",
      default: 500,
      field: "labels",
      group: "teacher",
      help: "labels over the whole run",
    },
    steps: { kind: "int", value: "N", default: 100_000, field: "steps", help: "environment steps" },
    seed: { kind: "int", value: "N", default: 1, field: "seed", help: "random seed" },
    run: {
      kind: "string",
      value: "DIR",
      defaultText: "runs/<env>-<teacher>-s<seed>-<time>",
      help: "run directory",
    },
    store: {
      kind: "string",
      value: "URL",
      defaultText: "$BACKFLIP_STORE, else DIR/store.sqlite",
      help: "keep the run's clips, queries and answers in a Postgres database (postgres://user@host:5432/db), in a schema of the run's own, so that several 'backflip serve' processes can share them; the folder records where (store.json)",
    },
    selection: {
      kind: "choice",
      choices: ["disagreement", "random", "entropy", "kcenter"],
      default: "disagreement",
      field: "selection",
      group: "teacher",
      help: "how the pairs to ask about are chosen: where the reward models disagree most, at random, where the mean prediction is closest to a coin flip (entropy), or disagreement with k-center diversity (kcenter)",
    },
    "clip-steps": {
      kind: "int",
      value: "N",
      defaultText:
        "1.5 s of simulated time for MuJoCo, as in the paper; CartPole 10, Pendulum 15, MountainCar 25, MinAtar 25",
      field: "clipSteps",
      help: "steps per clip",
    },
    pretrain: {
      kind: "number",
      value: "F",
      defaultText: "0.25; MinAtar: 500 labels, as in the paper's Atari runs (all when fewer)",
      field: "pretrainFraction",
      group: "teacher",
      help: "share of labels asked before RL starts",
    },
    respawn: {
      kind: "choice",
      choices: ["on", "off"],
      defaultText:
        "on; off for goal teachers, whose behaviour, like a backflip, may leave the healthy range on purpose",
      field: "respawn",
      help: "MuJoCo tasks that can fall: a robot that leaves the healthy range starts afresh, within the same fixed-length episode",
    },
    pace: {
      kind: "choice",
      choices: ["wait", "free"],
      defaultText: "wait for --teacher human, free otherwise",
      field: "pace",
      group: "human",
      help: "human teacher: wait: training pauses when answers fall behind the label schedule; free: never wait (for labelling in bursts)",
    },
    rubric: {
      kind: "string",
      value: "TEXT",
      defaultText: "the task's or the goal's standard instructions",
      field: "rubric",
      group: "human",
      help: "human teacher: the instructions shown beside the clips",
    },
    port: {
      kind: "int",
      value: "N",
      min: 0,
      max: 65_535,
      defaultText: "a free one",
      group: "human",
      help: "human teacher: port of the labelling page",
    },
    host: {
      kind: "string",
      value: "H",
      default: "127.0.0.1",
      group: "human",
      help: "human teacher: address to bind the labelling page to",
    },
    "repeat-share": {
      kind: "number",
      value: "F",
      default: 0.1,
      field: "repeatShare",
      group: "human",
      help: "human teacher: share of queries asked twice, of two labellers",
    },
    beta: {
      kind: "number",
      value: "B",
      defaultText: "1 for noisy; Infinity, no noise, for goal teachers",
      field: "noise.beta",
      group: "noise",
      help: "noisy and goal teachers: rationality β",
    },
    mistake: {
      kind: "number",
      value: "P",
      defaultText: "0.1 for noisy, 0 for goal teachers",
      field: "noise.mistakeProb",
      group: "noise",
      help: "noisy and goal teachers: probability of a flipped answer",
    },
    myopia: {
      kind: "number",
      value: "G",
      default: 1,
      field: "noise.gamma",
      group: "noise",
      help: "noisy and goal teachers: weight γ^(H−1−k) on step k",
    },
    "skip-threshold": {
      kind: "number",
      value: "R",
      default: Number.NEGATIVE_INFINITY,
      field: "noise.skipThreshold",
      group: "noise",
      help: "noisy and goal teachers: cant_tell when both clips' returns are below R (may be negative)",
    },
    "equal-threshold": {
      kind: "number",
      value: "R",
      default: 0,
      field: "noise.equalThreshold",
      group: "noise",
      help: "noisy and goal teachers: equal when the returns differ by at most R",
    },
    "checkpoint-every": {
      kind: "number",
      value: "S",
      default: 30,
      min: 0.001,
      field: "checkpointSeconds",
      help: "seconds of training between checkpoints, which 'backflip resume' carries on from",
    },
    "eval-episodes": {
      kind: "int",
      value: "N",
      default: 50,
      field: "evalEpisodes",
      help: "episodes of the final evaluation",
    },
    gamma: {
      kind: "number",
      value: "G",
      defaultText: "the task's preset",
      field: "ppo.gamma",
      help: "PPO discount γ",
    },
    lambda: {
      kind: "number",
      value: "L",
      defaultText: "the task's preset",
      field: "ppo.gaeLambda",
      help: "PPO's GAE λ",
    },
    "ent-coef": {
      kind: "number",
      value: "C",
      defaultText: "the task's preset",
      field: "ppo.entCoef",
      help: "PPO entropy bonus",
    },
    "reward-steps": {
      kind: "int",
      value: "N",
      default: 4,
      field: "rewardStepsPerUpdate",
      group: "teacher",
      help: "reward-model Adam steps after each policy update with new labels",
    },
    "pretrain-reward-steps": {
      kind: "int",
      value: "N",
      default: 100,
      field: "pretrainRewardSteps",
      group: "teacher",
      help: "reward-model Adam steps before RL starts",
    },
    crop: {
      kind: "number",
      value: "F",
      default: 0,
      field: "cropFraction",
      group: "teacher",
      help: "SURF's temporal cropping: train the reward model on pairs cut to a common length of (1−F)·H to H steps (0: off)",
    },
    "pseudo-labels": {
      kind: "number",
      value: "TAU",
      field: "pseudoLabels.threshold",
      defaultText: "off",
      group: "teacher",
      help: "SURF's pseudo-labels: also train on unlabelled pairs the reward model is more than TAU sure of (e.g. 0.99)",
    },
    rune: {
      kind: "number",
      value: "BETA",
      field: "explorationBonus.beta",
      defaultText: "off",
      group: "teacher",
      help: "RUNE's exploration bonus: add BETA·(1 − RHO)^t × the reward models' disagreement to the policy's reward (e.g. 0.05)",
    },
    "rune-decay": {
      kind: "number",
      value: "RHO",
      field: "explorationBonus.decay",
      defaultText: "1e-5",
      group: "teacher",
      help: "with --rune: how fast the bonus fades, per env step (1e-5 halves it every 69k steps)",
    },
    "periodic-angles": {
      kind: "boolean",
      field: "periodicAngles",
      group: "teacher",
      help: "the reward model sees free-turning angles (the torso's pitch of Hopper, Walker2d, HalfCheetah) as sine and cosine, so a state looks the same after a whole turn (for flips)",
    },
    validation: {
      kind: "choice",
      choices: VALIDATION_SCHEMES,
      default: "holdout",
      field: "rewardValidation",
      group: "teacher",
      help: "which labels check each reward model and set its L2 weight: a held-out 1/e before its bootstrap resample of the rest (holdout, the paper), or the labels its resample of all of them left out (out-of-bag), so each model trains on 63% of the labels instead of 40%",
    },
    "unsupervised-steps": {
      kind: "int",
      value: "N",
      default: 0,
      field: "unsupervisedSteps",
      group: "teacher",
      help: "PEBBLE's unsupervised pre-training: N env steps maximising state entropy before the first questions",
    },
    "explore-columns": {
      kind: "string",
      value: "I,J,…",
      defaultText: "all",
      field: "exploreColumns",
      group: "teacher",
      help: "with --unsupervised-steps: maximise the entropy of these observation columns only (0-based; e.g. 0,1 for a Hopper's height and pitch, for flips)",
    },
    "frame-skip": {
      kind: "int",
      value: "N",
      default: 4,
      min: 1,
      group: "mjcf",
      help: "--env FILE.xml: MuJoCo steps per env step",
    },
    horizon: {
      kind: "int",
      value: "N",
      default: 1000,
      min: 1,
      group: "mjcf",
      help: "--env FILE.xml: env steps per episode",
    },
    "exclude-root-xy": {
      kind: "boolean",
      group: "mjcf",
      help: "--env FILE.xml: leave the root joint's x and y out of the observations",
    },
    json: { kind: "boolean", help: "print one JSON line with the result at the end" },
  },
});

type TrainTable = typeof TRAIN_COMMAND.options;
export type TrainArgs = Pick<ParsedOptions<TrainTable>, "values" | "given">;
export type TrainValues = TrainArgs["values"];

const usage = (message: string) => new UsageError(`backflip train: ${message}`);

/** The files `--env FILE` and `--teacher goal:FILE` named, loaded (see `loadTrainSources`). */
export type TrainSources = {
  env?: { envId: string; source: EnvSource };
  goal?: GoalModuleInfo;
};

/**
 * Loads the env module or MJCF model of `--env FILE` and the goal module of
 * `--teacher goal:FILE`, probing them; anything wrong with them is a UsageError that names the
 * file, before any run folder exists. Flags for an MJCF model alone are refused otherwise.
 */
export async function loadTrainSources({ values, given }: TrainArgs): Promise<TrainSources> {
  const sources: TrainSources = {};
  const env = values.env;
  const xml = env !== undefined && isEnvSourcePath(env) && extname(env).toLowerCase() === ".xml";
  if (!xml) refuseGroup(given, "mjcf", "for --env FILE.xml (an MJCF model) only");
  if (env !== undefined && isEnvSourcePath(env)) {
    try {
      sources.env = await loadEnvSource(env, {
        frameSkip: values["frame-skip"],
        horizon: values.horizon,
        excludeRootXY: values["exclude-root-xy"],
      });
    } catch (error) {
      throw usage(`--env: ${(error as Error).message}`);
    }
  }
  const teacher = values.teacher;
  if (teacher !== undefined && isGoalModuleSpec(teacher)) {
    try {
      sources.goal = await loadGoalModule(teacher.slice("goal:".length));
    } catch (error) {
      throw usage(`--teacher: ${(error as Error).message}`);
    }
  }
  // A reward model taught by a goal file: the goal scores the new policy too.
  const modelGoal = values["reward-model"] && readSourceConfig(values["reward-model"])?.goalSource;
  if (modelGoal) {
    try {
      await loadGoalModule(modelGoal.path);
    } catch (error) {
      throw usage(`--reward-model: its run's goal module: ${(error as Error).message}`);
    }
  }
  return sources;
}

/** What `loadRunSources` found: the files that changed since the run started (when allowed). */
export type RunSourcesReport = { changed: string[] };

/**
 * Loads the env file and goal module a run's config records, so that its env id and goal are
 * registered before anything builds them. A file whose contents changed since the run started
 * is refused (a UsageError) unless `allowChanged`, and then listed in `changed`.
 */
export async function loadRunSources(
  config: RunConfig,
  { allowChanged }: { allowChanged: boolean },
): Promise<RunSourcesReport> {
  const changed: string[] = [];
  const check = (path: string, sha256: string, what: string) => {
    if (!existsSync(path)) {
      throw new UsageError(`the run's ${what} ${path} no longer exists; put it back to go on`);
    }
    const now = fileSha256(path);
    if (now === sha256) return;
    if (!allowChanged) {
      throw new UsageError(
        `${basename(path)} changed since the run started (sha256 ${sha256.slice(0, 12)}…, now ${now.slice(0, 12)}…); pass --allow-changed-env to use it anyway`,
      );
    }
    changed.push(path);
  };
  if (config.envSource) {
    const { path, sha256, options } = config.envSource;
    check(path, sha256, config.envSource.kind === "mjcf" ? "MJCF model" : "env module");
    let envId: string;
    try {
      ({ envId } = await loadEnvSource(path, options));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (envId !== config.envId && envId !== standardEnvId(config.envId)) {
      throw new UsageError(
        `${basename(path)} now makes env '${envId}'; the run trained '${config.envId}'`,
      );
    }
  }
  if (config.goalSource) {
    const { path, sha256 } = config.goalSource;
    check(path, sha256, "goal module");
    let name: string;
    try {
      ({ name } = await loadGoalModule(path));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (`goal:${name}` !== config.teacher) {
      throw new UsageError(
        `${basename(path)} now holds goal '${name}'; the run's teacher is ${config.teacher}`,
      );
    }
  }
  return { changed };
}

/** RUNE's bonus decay per env step when --rune-decay is not given. */
const DEFAULT_RUNE_DECAY = 1e-5;

/**
 * The run's config from train's flags, checked in full (flags that go together, the env, the
 * teacher, the paths named, every value's range): it throws a UsageError on anything wrong, and
 * writes nothing, so a bad flag leaves no run behind. Files named by `--env` and
 * `--teacher goal:FILE` must be loaded first, by `loadTrainSources`.
 */
export function buildConfig({ values, given }: TrainArgs, sources: TrainSources = {}): RunConfig {
  const rewardModel = values["reward-model"];
  if (rewardModel !== undefined) {
    refuseGroup(
      given,
      "teacher",
      "meaningless with --reward-model, which trains on a frozen reward model and asks no questions",
    );
    checkRewardModel(rewardModel);
  } else if (values.teacher === undefined) {
    throw usage(
      "--teacher is required: human (you label clips in the browser), oracle, noisy or goal:NAME; or give --reward-model RUN_DIR",
    );
  }
  if (values.env === undefined) throw usage("--env is required (see 'backflip envs')");
  if (isEnvSourcePath(values.env) && sources.env === undefined)
    throw usage(`--env: '${values.env}' is a file; load it with loadTrainSources first`);
  if (!sources.env) refuseGroup(given, "mjcf", "for --env FILE.xml (an MJCF model) only");
  let teacher = values.teacher ?? NO_TEACHER;
  if (isGoalModuleSpec(teacher)) {
    if (sources.goal === undefined)
      throw usage(`--teacher: '${teacher}' names a file; load it with loadTrainSources first`);
    teacher = `goal:${sources.goal.name}`;
  }
  const goal = teacher.startsWith("goal:");
  const noisy = teacher === "noisy";
  if (sources.env?.source.kind === "mjcf" && (teacher === "oracle" || noisy)) {
    throw usage(
      `--teacher ${teacher}: ${basename(sources.env.source.path)} is an MJCF model, whose env has no reward (it is 0), so there is nothing for ${teacher} to judge by; teach it as human, or with a goal (goal:NAME or goal:./my_goal.ts)`,
    );
  }
  if (rewardModel === undefined && teacher !== "human") {
    try {
      makeTeacher(teacher); // checks the name, and a goal's
    } catch (error) {
      const human = goal ? "" : "; or human, to label the clips yourself";
      throw usage(`--teacher: ${(error as Error).message}${human}`);
    }
  }
  if (teacher !== "human") refuseGroup(given, "human", "for --teacher human only");
  if (!noisy && !goal) refuseGroup(given, "noise", "for --teacher noisy or goal:NAME only");
  if (values.rune === undefined && given.has("rune-decay"))
    throw usage("--rune-decay needs --rune");
  if (!values["unsupervised-steps"] && given.has("explore-columns"))
    throw usage("--explore-columns needs --unsupervised-steps");
  if (values.preferences !== undefined) checkPreferences(values.preferences);
  if (values.host !== undefined) checkHost("train", "host", values.host);

  // A goal is taught on the preference-ready task: in Hopper-v5 a backflip would end the episode.
  const envArg = sources.env?.envId ?? values.env;
  const learnedIn = rewardModel === undefined ? null : sourceTask(rewardModel, envArg);
  if (learnedIn) teacher = learnedIn.teacher;
  const envId =
    learnedIn?.envId ??
    (goal && !sources.env && hasEnv(preferenceReadyId(envArg))
      ? preferenceReadyId(envArg)
      : envArg);
  let dt: number;
  let horizon: number;
  let obsSize: number;
  try {
    const probe = makeEnv(envId);
    dt = probe.spec.dt;
    horizon = probe.spec.maxEpisodeSteps;
    obsSize = flatSize(probe.observationSpace);
    probe.close();
  } catch (error) {
    throw usage(`--env: ${(error as Error).message}`); // the registry suggests the nearest id
  }
  const mujoco = isMujocoEnvId(envId) || sources.env?.source.kind === "mjcf";
  const defaultClip = defaultClipSteps(envId, dt, mujoco);
  const clipSteps =
    values["clip-steps"] ??
    (sources.env ? Math.max(2, Math.min(defaultClip, horizon)) : defaultClip);
  if (sources.goal) checkGoalOnEnv(teacher, envId, clipSteps);
  const exploreColumns = columnList(values["explore-columns"], envId, obsSize);
  const evalEnvId = standardEnvId(envId);
  const arcade = isArcadeEnvId(envId);
  const config = {
    envId,
    teacher,
    // `noisy` alone means the issue's B-Pref setting; goal teachers start noiseless.
    noise: {
      beta: values.beta ?? (noisy ? 1 : Number.POSITIVE_INFINITY),
      mistakeProb: values.mistake ?? (noisy ? 0.1 : 0),
      gamma: values.myopia,
      skipThreshold: values["skip-threshold"],
      equalThreshold: values["equal-threshold"],
    },
    labels: rewardModel === undefined ? values.labels : 0,
    steps: values.steps,
    seed: values.seed,
    selection: values.selection,
    clipSteps,
    pretrainFraction: values.pretrain ?? defaultPretrainFraction(envId, values.labels),
    respawn: values.respawn === undefined ? (learnedIn?.respawn ?? !goal) : values.respawn === "on",
    // The label rate c / (T + c): the paper's 2·10⁶ for MuJoCo, 5·10⁶ for Atari.
    scheduleC: arcade ? 5_000_000 : 2_000_000,
    pretrainRewardSteps: values["pretrain-reward-steps"],
    rewardStepsPerUpdate: values["reward-steps"],
    cropFraction: values.crop,
    explorationBonus:
      values.rune === undefined
        ? null
        : { beta: values.rune, decay: values["rune-decay"] ?? DEFAULT_RUNE_DECAY },
    unsupervisedSteps: values["unsupervised-steps"],
    exploreColumns,
    periodicAngles: values["periodic-angles"],
    rewardValidation: values.validation,
    pseudoLabels:
      values["pseudo-labels"] === undefined
        ? null
        : { threshold: values["pseudo-labels"], ratio: 1 },
    // A goal is judged on the env it was taught in; a task's reward on the standard task.
    evalEnvId:
      learnedIn?.evalEnvId ?? (goal || sources.env || !hasEnv(evalEnvId) ? envId : evalEnvId),
    evalEpisodes: values["eval-episodes"],
    checkpointSeconds: values["checkpoint-every"],
    rubric: values.rubric ?? sources.goal?.rubric ?? defaultRubric(envId, teacher),
    repeatShare: values["repeat-share"],
    ppo: ppoOverrides(values, ppoPreset(envId)),
    pace: values.pace, // absent: the schema's default for the teacher
    preferences: values.preferences === undefined ? null : resolve(values.preferences),
    rewardModel: rewardModel === undefined ? null : resolve(rewardModel),
    envSource: sources.env?.source ?? null,
    goalSource: sources.goal
      ? { path: sources.goal.path, sha256: sources.goal.sha256 }
      : (learnedIn?.goalSource ?? null),
  };
  const checked = runConfigSchema.safeParse(config, { reportInput: true });
  if (!checked.success) throw usage(describeConfigIssues(checked.error.issues, flagOfField));
  return checked.data;
}

/** Scores a clip of random steps of the env with a goal module, so a goal that fails says so now. */
function checkGoalOnEnv(teacher: string, envId: string, steps: number): void {
  let clip: ReturnType<typeof sampleClip>;
  try {
    clip = sampleClip(envId, steps);
  } catch (error) {
    throw usage(`--env: ${envId} failed while a clip was sampled: ${(error as Error).message}`);
  }
  try {
    getGoal(teacher.slice("goal:".length))(clip);
  } catch (error) {
    throw usage(`--teacher: on a clip of ${envId}: ${(error as Error).message}`);
  }
}

function ppoOverrides(values: TrainValues, preset: Partial<PpoConfig>): Partial<PpoConfig> {
  const ppo = { ...preset };
  if (values.gamma !== undefined) ppo.gamma = values.gamma;
  if (values.lambda !== undefined) ppo.gaeLambda = values.lambda;
  if (values["ent-coef"] !== undefined) ppo.entCoef = values["ent-coef"];
  return ppo;
}

/** The pixel games (`MinAtar/*`), which take the paper's Atari settings. */
export function isArcadeEnvId(envId: string): boolean {
  return envId.startsWith("MinAtar/");
}

/**
 * Share of the labels asked before RL starts when --pretrain is not given: a quarter, or for the
 * pixel games the paper's 500 Atari pretraining labels (all of them when the run has fewer).
 */
export function defaultPretrainFraction(envId: string, labels: number): number {
  if (!isArcadeEnvId(envId)) return 0.25;
  return labels <= ARCADE_PRETRAIN_LABELS ? 1 : ARCADE_PRETRAIN_LABELS / labels;
}
const ARCADE_PRETRAIN_LABELS = 500;

/** Refuses the flags given of a group: "--labels, --teacher are meaningless with …". */
function refuseGroup(given: TrainArgs["given"], group: string, why: string): void {
  const options: Record<string, OptionSpec> = TRAIN_COMMAND.options;
  const flags = [...given].map(String).filter((name) => options[name]?.group === group);
  if (flags.length > 0) {
    const list = flags.map((f) => `--${f}`).join(", ");
    throw usage(`${list} ${flags.length === 1 ? "is" : "are"} ${why}`);
  }
}

/**
 * Where a saved reward model was learned, when `--env` names that task or the standard task
 * behind it: the policy then trains and is scored there, as the run that taught it was (a
 * backflip's reward model from `--env Hopper-v5` was learned on Hopper-pref-v5, where a robot
 * may lie down, and Hopper-v5 would end every episode at the first fall). Null when the run has
 * no readable config or `--env` names another task, which is then taken as asked.
 */
function sourceTask(
  runDir: string,
  envArg: string,
): Pick<RunConfig, "envId" | "respawn" | "evalEnvId" | "teacher" | "goalSource"> | null {
  const source = readSourceConfig(runDir);
  if (!source) return null;
  const sameTask = envArg === source.envId || envArg === standardEnvId(source.envId);
  if (!sameTask) return null;
  // A goal's run keeps its goal, so the new policy is scored by what the goal counts.
  const goal = source.teacher.startsWith("goal:");
  return {
    envId: source.envId,
    respawn: source.respawn,
    evalEnvId: source.evalEnvId,
    teacher: goal ? source.teacher : NO_TEACHER,
    goalSource: goal ? source.goalSource : null,
  };
}

function readSourceConfig(runDir: string): RunConfig | null {
  try {
    return readRunConfig(runDir);
  } catch {
    return null;
  }
}

function checkRewardModel(runDir: string): void {
  if (latestModelDir(runDir, "reward") === null) {
    throw usage(
      `--reward-model: '${runDir}' holds no saved reward model (no reward/ or checkpoint); give the directory of a run that has trained one`,
    );
  }
}

function checkPreferences(path: string): void {
  if (!existsSync(path)) throw usage(`--preferences: '${path}' does not exist`);
  if (statSync(path).isDirectory() && !hasRunStore(path)) {
    throw usage(
      `--preferences: '${path}' is a directory without store.sqlite or store.json, so not a run directory; give a run directory or a file from 'backflip export'`,
    );
  }
}

/** `noise.beta` → `--beta`, for the schema's messages; fields no flag sets keep their name. */
function flagOfField(path: string): string {
  for (const [name, spec] of Object.entries(TRAIN_COMMAND.options as Record<string, OptionSpec>)) {
    if (spec.field === path) return `--${name}`;
  }
  return `field '${path}'`;
}

/** `--explore-columns 0,1` → [0, 1], each a column of the env's observation. */
function columnList(text: string | undefined, envId: string, obsSize: number): number[] | null {
  if (text === undefined) return null;
  const columns = text.split(",").map((part) => part.trim());
  const bad = columns.filter((c) => !/^\d+$/.test(c) || Number(c) >= obsSize);
  if (bad.length > 0) {
    throw usage(
      `--explore-columns: ${bad.map((c) => `'${c}'`).join(", ")} ${bad.length > 1 ? "are not columns" : "is not a column"} of ${envId}'s observation (0–${obsSize - 1})`,
    );
  }
  return columns.map(Number);
}
