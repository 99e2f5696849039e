import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { VALIDATION_SCHEMES } from "../reward/reward_trainer.ts";
import type { PpoConfig } from "../rl/ppo.ts";
import type { NoiseOptions } from "../teachers/noisy.ts";

export type Selection = "disagreement" | "random" | "entropy" | "kcenter";
/** Human teachers: `wait` pauses RL when the answers fall behind the label schedule; `free` never waits. */
export type Pace = "wait" | "free";

/** The `teacher` of a run that trains on a saved reward model (`rewardModel`) and asks nothing. */
export const NO_TEACHER = "none";

/**
 * A number that may be `infinity` (±Infinity). `JSON.stringify` writes infinities as null, so a
 * null read back from config.json is that infinity.
 */
function orInfinity(finite: z.ZodNumber, infinity: number, range: string) {
  return z.union([finite, z.literal(infinity), z.null().transform(() => infinity)], {
    error: `must be a number${range} or ${infinity} (null in JSON)`,
  });
}

/** B-Pref noise (`NoiseOptions`), with the ranges `NoisyTeacher` accepts. */
const noiseSchema = z.object({
  beta: orInfinity(z.number().min(0), Number.POSITIVE_INFINITY, " ≥ 0").optional(),
  gamma: z.number().min(0).max(1).optional(),
  skipThreshold: orInfinity(z.number(), Number.NEGATIVE_INFINITY, "").optional(),
  equalThreshold: orInfinity(z.number(), Number.NEGATIVE_INFINITY, "").optional(),
  mistakeProb: z.number().min(0).max(1).optional(),
} satisfies { [K in keyof NoiseOptions]-?: z.ZodType<NoiseOptions[K]> });

const positive = () => z.number().positive();
const count = () => z.int().min(1);

/**
 * PPO settings (`Partial<PpoConfig>`: the task's preset with the run's overrides). Every field
 * of PpoConfig must be here (the `satisfies` checks it); unknown keys are kept, not dropped.
 */
const ppoSchema = z.looseObject({
  numEnvs: count().optional(),
  nSteps: count().optional(),
  epochs: count().optional(),
  minibatches: count().optional(),
  lr: positive().optional(),
  annealLr: z.boolean().optional(),
  totalTimesteps: count().optional(),
  gamma: z.number().min(0).max(1).optional(),
  gaeLambda: z.number().min(0).max(1).optional(),
  clipCoef: positive().optional(),
  entCoef: z.number().min(0).optional(),
  vfCoef: z.number().min(0).optional(),
  maxGradNorm: positive().optional(),
  targetKl: positive().nullable().optional(),
  network: z.enum(["mlp", "minatar-cnn"]).optional(),
  grid: z.tuple([count(), count()]).optional(),
  hidden: z.array(count()).optional(),
  activation: z.enum(["tanh", "relu"]).optional(),
  normalizeObs: z.boolean().optional(),
  obsClip: positive().optional(),
  rewardScaling: z.boolean().optional(),
  logStdInit: z.number().optional(),
  normalizeAdvantages: z.boolean().optional(),
} satisfies { [K in keyof PpoConfig]-?: z.ZodType<PpoConfig[K] | undefined> });

/** `human`, `oracle`, `noisy`, `goal:<name>`, or `none` (with `rewardModel`). */
const TEACHER = /^(human|oracle|noisy|none|goal:[A-Za-z0-9][A-Za-z0-9._-]*)$/;

/**
 * Everything that defines a training run, as written to `runs/<name>/config.json`. `train`
 * checks its config with this before it writes anything, and `readRunConfig` checks config.json
 * whenever it is read. Fields added after the first runs have defaults, so older config.json
 * files still read.
 */
export const runConfigSchema = z
  .object({
    envId: z.string().min(1),
    /** `oracle`, `noisy`, `goal:<name>`, `human`, or `none` for a run on a saved reward model. */
    teacher: z.string().regex(TEACHER, "must be human, oracle, noisy, goal:NAME or none"),
    /** B-Pref noise options for `noisy` and goal teachers. */
    noise: noiseSchema,
    /** Labels to ask for over the whole run (0 with `rewardModel`). */
    labels: z.int().min(0),
    /** Environment steps of the whole run (the random-policy pretraining rollouts included). */
    steps: count(),
    seed: z.int().min(0),
    selection: z.enum(["disagreement", "random", "entropy", "kcenter"]),
    /** Steps per clip (the paper: 1.5 s of simulated time for MuJoCo, 25 steps for arcade). */
    clipSteps: z.int().min(2),
    /** MuJoCo tasks that can fall: a fallen robot starts afresh within the episode (`EnvOptions`). */
    respawn: z.boolean(),
    /** Share of the labels asked about random-policy clips before RL starts. */
    pretrainFraction: z.number().min(0).max(1),
    /** c in the label rate c / (T + c). */
    scheduleC: positive(),
    /** Adam steps of the reward ensemble once the pretraining labels are in. */
    pretrainRewardSteps: z.int().min(0),
    /** Adam steps of the reward ensemble after each PPO update that brought new labels. */
    rewardStepsPerUpdate: z.int().min(0),
    /** SURF's temporal cropping of reward-training pairs (RewardTrainerConfig); 0: off. */
    cropFraction: z.number().min(0).max(0.9).default(0),
    /**
     * RUNE's exploration bonus: the policy's reward is r̂ + β·(1 − decay)^t · std of the members'
     * r̂ (exploration.ts); null: off.
     */
    explorationBonus: z
      .object({ beta: z.number().positive(), decay: z.number().min(0).lt(1) })
      .nullable()
      .default(null),
    /** PEBBLE's unsupervised pre-training: env steps on a state-entropy reward before any question. */
    unsupervisedSteps: z.int().min(0).default(0),
    /** The observation columns whose entropy that pre-training maximises; null: all of them. */
    exploreColumns: z.array(z.int().min(0)).min(1).nullable().default(null),
    /**
     * The reward model sees the env's free-turning angles (EnvSpec.periodicObs: the torso's
     * pitch in Hopper, Walker2d, HalfCheetah) as sine and cosine, so a whole turn changes nothing.
     */
    periodicAngles: z.boolean().default(false),
    /** Which labels check each reward-ensemble member (RewardTrainerConfig.validation). */
    rewardValidation: z.enum(VALIDATION_SCHEMES).default("holdout"),
    /** SURF's pseudo-labels on unlabelled pool pairs (RewardTrainerConfig); null: off. */
    pseudoLabels: z
      .object({ threshold: z.number().gt(0.5).lt(1), ratio: z.number().positive() })
      .nullable()
      .default(null),
    /** Env the final policy is evaluated on: the standard task behind a preference-ready env. */
    evalEnvId: z.string().min(1),
    evalEpisodes: count(),
    /** The task's instructions for human labellers. */
    rubric: z.string(),
    /** Human runs: share of queries asked a second time, of another labeller. */
    repeatShare: z.number().min(0).max(1),
    ppo: ppoSchema,
    /**
     * Human teachers: `wait` pauses RL when the answers fall behind the label schedule; `free`
     * never waits (labelling in bursts). Absent in older runs: `wait` for human, else `free`.
     */
    pace: z.enum(["wait", "free"]).optional(),
    /** Comparisons to start with: a file exported from another run, or that run's directory. */
    preferences: z.string().min(1).nullable().default(null),
    /**
     * A run directory whose saved reward model (`reward/reward.json`) this run's policy trains
     * on, frozen: no labels, no queries, and no teacher (`teacher` is `none`), or the goal
     * teacher of the run that taught the model, which then only scores the policy.
     */
    rewardModel: z.string().min(1).nullable().default(null),
    /**
     * The file the env came from (`--env ./my_env.ts` or `./robot.xml`), loaded again by every
     * command that builds the run's envs; null for a registered env.
     */
    envSource: z
      .object({
        path: z.string().min(1),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 in hex"),
        kind: z.enum(["module", "mjcf"]),
        options: z
          .object({
            frameSkip: z.int().min(1).optional(),
            horizon: z.int().min(1).optional(),
            excludeRootXY: z.boolean().optional(),
          })
          .optional(),
      })
      .nullable()
      .default(null),
    /** The goal module of a `goal:` teacher loaded from a file (`--teacher goal:./my_goal.ts`). */
    goalSource: z
      .object({
        path: z.string().min(1),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 in hex"),
      })
      .nullable()
      .default(null),
    /** Seconds between checkpoints; absent: the loop's default. */
    checkpointSeconds: positive().optional(),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [path], message, input: c[path as keyof typeof c] });
    if (c.goalSource !== null && !c.teacher.startsWith("goal:"))
      issue("goalSource", "is for goal:NAME teachers only");
    if (c.rewardModel !== null) {
      if (c.teacher !== NO_TEACHER && !c.teacher.startsWith("goal:"))
        issue(
          "teacher",
          `must be '${NO_TEACHER}' in a run on a saved reward model, or the goal that taught it`,
        );
      if (c.labels !== 0) issue("labels", "must be 0 in a run on a saved reward model");
      if (c.preferences !== null)
        issue("preferences", "must be null in a run on a saved reward model");
    } else {
      if (c.teacher === NO_TEACHER)
        issue("teacher", `'${NO_TEACHER}' needs a rewardModel to train on`);
      if (c.labels < 2) issue("labels", "must be at least 2");
    }
  })
  .transform((c) => ({ ...c, pace: c.pace ?? defaultPace(c.teacher) }));

/** Everything that defines a training run; written to `runs/<name>/config.json`. */
export type RunConfig = z.output<typeof runConfigSchema>;

// RunConfig's parts must still fit the modules that use them.
type Fits<T extends U, U> = T;
export type _RunConfigFits = [
  Fits<RunConfig["noise"], NoiseOptions>,
  Fits<RunConfig["ppo"], Partial<PpoConfig>>,
  Fits<RunConfig["selection"], Selection>,
  Fits<RunConfig["pace"], Pace>,
];

/** `wait` for a human teacher, who may fall behind; `free` for the rest, who answer at once. */
export function defaultPace(teacher: string): Pace {
  return teacher === "human" ? "wait" : "free";
}

/** config.json is missing, is not JSON, or does not fit `runConfigSchema`. */
export class RunConfigError extends Error {}

/**
 * The run's config.json, checked against the schema (older files get the defaults of newer
 * fields). Throws a RunConfigError that names the file and each bad field.
 */
export function readRunConfig(runDir: string): RunConfig {
  const path = join(runDir, "config.json");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RunConfigError(
      code === "ENOENT"
        ? `${path}: no such file; is '${runDir}' a run directory?`
        : `${path}: ${String(error)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RunConfigError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = runConfigSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    throw new RunConfigError(`${path}: ${describeConfigIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

/**
 * The config's problems in words, one per field: "field 'labels' must be ≥ 2 (got 1)". `label`
 * names a field; train passes one that names the flag instead.
 */
export function describeConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  label: (path: string) => string = (path) => `field '${path}'`,
): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join(".");
      const got =
        "input" in issue && issue.input !== undefined ? ` (got ${show(issue.input)})` : "";
      return `${path ? label(path) : "the config"} ${issueText(issue)}${got}`;
    })
    .join("; ");
}

function issueText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "too_small":
      return `must be ${issue.inclusive ? "≥" : ">"} ${issue.minimum}`;
    case "too_big":
      return `must be ${issue.inclusive ? "≤" : "<"} ${issue.maximum}`;
    case "invalid_type":
      return issue.input === undefined
        ? `is missing (expected ${issue.expected})`
        : `must be ${article(issue.expected)}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return issue.message.replace(/^Invalid input: /, "");
  }
}

/** A bad value as the message shows it: numbers as JavaScript writes them, the rest as JSON, cut short. */
function show(value: unknown): string {
  const text = typeof value === "number" ? String(value) : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function article(expected: string): string {
  return expected === "int"
    ? "an integer"
    : /^[aeiou]/.test(expected)
      ? `an ${expected}`
      : `a ${expected}`;
}

/** The preference-ready variant of a standard id: `Hopper-v5` → `Hopper-pref-v5`. */
export function preferenceReadyId(envId: string): string {
  return /-pref-v\d+$/.test(envId) ? envId : envId.replace(/-(v\d+)$/, "-pref-$1");
}

/** The standard task behind a preference-ready id: `CartPole-pref-v1` → `CartPole-v1`. */
export function standardEnvId(envId: string): string {
  return envId.replace(/-pref-(v\d+)$/, "-$1");
}

/**
 * Steps per clip when the run does not say. MuJoCo: the paper's 1.5 s of simulated time. The
 * classic tasks change faster, and shorter clips made sharper comparisons there (seeds 1–3,
 * oracle): Pendulum 15 steps (0.75 s) reached −189 against −266 with 30; CartPole, whose pole
 * falls within ~20 steps of a random policy, learned with 10 steps and not with 38. The pixel
 * games (`MinAtar/*`) take the paper's 25 Atari steps.
 */
export function defaultClipSteps(envId: string, dt: number, mujoco: boolean): number {
  if (mujoco) return Math.round(1.5 / dt);
  // The pixel games: the paper's Atari clips of 25 steps (about 1.7 s there; 2.5 s at 10 fps).
  if (envId.startsWith("MinAtar/")) return 25;
  const classic: Record<string, number> = { CartPole: 10, Pendulum: 15, MountainCarContinuous: 25 };
  return classic[envId.split("-")[0]] ?? Math.round(0.75 / dt);
}
