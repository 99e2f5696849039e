/**
 * Backflip as a library: `import { train } from "backflip"` (docs/api-library.md). This is the
 * whole public surface; everything else in `src/` is internal. `train` and `resume` take the
 * CLI's flags as camelCased options and go through the same code as `backflip train` and
 * `backflip resume` (the same defaults, the same checks, the same run folder), but print no
 * progress bar and no report unless asked.
 */

import { parseOptions } from "./cli/args.ts";
import { continueRun, RESUME_COMMAND, resumeOptions } from "./cli/resume.ts";
import { startTraining } from "./cli/train.ts";
import { TRAIN_COMMAND } from "./cli/train_options.ts";
import type { Clip } from "./core/types.ts";
import type { Env, EnvOptions } from "./envs/env.ts";
import { makeEnv as makeRegisteredEnv, registerEnv as registerFactory } from "./envs/index.ts";
import type { RunResult } from "./loop/preference_loop.ts";
import type { ValidationScheme } from "./reward/reward_trainer.ts";
import { registerGoal as registerScorer } from "./teachers/index.ts";

export type { BoxSpace, DiscreteSpace, Space } from "./core/spaces.ts";
export type { Clip, Frame, RgbFrame, Shape, ShapeStyle, ShapesFrame } from "./core/types.ts";
export type { Env, EnvOptions, EnvSpec, StepInfo, StepResult } from "./envs/env.ts";
export type { EvalResult } from "./loop/evaluate.ts";
export type { MetricsRow } from "./loop/metrics.ts";
export type { RunResult } from "./loop/preference_loop.ts";
export type { RunConfig } from "./loop/run_config.ts";
export { openRunStore, PreferenceStore } from "./store/index.ts";

/**
 * `backflip train`'s flags, camelCased (`--clip-steps` is `clipSteps`), with the same defaults
 * (`backflip train --help` lists them) and the same checks; a bad value throws an Error that
 * names the flag. Booleans are flags: `excludeRootXy: true` is `--exclude-root-xy`.
 */
export type TrainFlags = {
  /** An env id (`Pendulum-v1`, or one given to `registerEnv`), an env module `./my_env.ts`, or an MJCF model `./robot.xml`. */
  env: string;
  /** `oracle` | `noisy` | `goal:NAME` (`registerGoal`) | `goal:./my_goal.ts` | `human`. Required unless `rewardModel`. */
  teacher?: string;
  /** Train a fresh policy on that run's saved reward model, frozen. */
  rewardModel?: string;
  /** Start with the comparisons exported from another run, or that run's directory. */
  preferences?: string;
  /** Labels over the whole run (default 500). */
  labels?: number;
  /** Environment steps (default 100 000). */
  steps?: number;
  /** Random seed (default 1). */
  seed?: number;
  /** Run directory (default `runs/<env>-<teacher>-s<seed>-<time>`); it must not hold a run. */
  run?: string;
  /** A Postgres URL to keep the run's store in (default `$BACKFLIP_STORE`, else SQLite in the run folder). */
  store?: string;
  selection?: "disagreement" | "random" | "entropy" | "kcenter";
  clipSteps?: number;
  /** Share of labels asked before RL starts (default 0.25). */
  pretrain?: number;
  respawn?: "on" | "off";
  pace?: "wait" | "free";
  rubric?: string;
  port?: number;
  host?: string;
  repeatShare?: number;
  beta?: number;
  mistake?: number;
  myopia?: number;
  skipThreshold?: number;
  equalThreshold?: number;
  checkpointEvery?: number;
  evalEpisodes?: number;
  gamma?: number;
  lambda?: number;
  entCoef?: number;
  rewardSteps?: number;
  pretrainRewardSteps?: number;
  /** SURF's temporal cropping fraction (`--crop`). */
  crop?: number;
  /** SURF's pseudo-label confidence threshold (`--pseudo-labels`). */
  pseudoLabels?: number;
  /** RUNE's exploration bonus β₀ (`--rune`). */
  rune?: number;
  /** How fast RUNE's bonus fades, per env step (`--rune-decay`, default 1e-5). */
  runeDecay?: number;
  /** The reward model sees free-turning angles as sine and cosine (`--periodic-angles`). */
  periodicAngles?: boolean;
  /** Which labels check each reward model (`--validation`, default holdout). */
  validation?: ValidationScheme;
  /** PEBBLE's unsupervised pre-training steps (`--unsupervised-steps`). */
  unsupervisedSteps?: number;
  /** The observation columns that pre-training seeks variety in (`--explore-columns`). */
  exploreColumns?: readonly number[];
  frameSkip?: number;
  horizon?: number;
  excludeRootXy?: boolean;
};

/** How a library call talks; by default it prints nothing but a few notices on stderr. */
export type OutputOptions = {
  /** Show the CLI's progress bar on stderr (default false). */
  progress?: boolean;
  /** Notices (a human run's labelling page links, imports, warnings); default `console.error`. */
  log?: (message: string) => void;
};

export type TrainOptions = TrainFlags & OutputOptions;

/** `backflip resume`'s flags, camelCased. */
export type ResumeOptions = {
  /** Train to this many env steps in all (default: the run's own). */
  steps?: number;
  port?: number;
  host?: string;
  /** Go on even if the run's env module, MJCF model or goal module changed. */
  allowChangedEnv?: boolean;
  /** A run on Postgres: the URL to reach its database by (default: the one the run folder records). */
  store?: string;
} & OutputOptions;

/** A run's result, and the folder it is saved in. */
export type TrainResult = RunResult & { run: string };

/**
 * A goal a `goal:NAME` teacher judges clips by: a score per step of the clip, summed by the
 * teacher; higher is better. A goal module's default export, less its `rubric`.
 */
export type Goal = {
  /** Registered as `goal:<name>`: letters, digits, '.', '_' or '-'. */
  name: string;
  scorer: (clip: Clip) => Float32Array | ArrayLike<number>;
};

/** Trains an agent as `backflip train` does, and returns its result once the run ends. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { progress = false, log, ...flags } = options;
  const { values, given } = parseOptions(TRAIN_COMMAND, toArgv(flags));
  const { result, runDir } = await startTraining(
    { values, given },
    { json: false, progress, report: false, log },
  );
  return { ...result, run: runDir };
}

/** Carries a run on from its last checkpoint, as `backflip resume DIR` does. */
export async function resume(runDir: string, options: ResumeOptions = {}): Promise<TrainResult> {
  const { progress = false, log, ...flags } = options;
  const { values } = parseOptions(RESUME_COMMAND, toArgv(flags));
  const result = await continueRun(runDir, resumeOptions(values), {
    json: false,
    progress,
    report: false,
    log,
  });
  return { ...result, run: runDir };
}

/** A new env of a registered id; an unknown id throws an Error naming the nearest one. */
export function makeEnv(id: string, options: EnvOptions = {}): Env {
  return makeRegisteredEnv(id, options);
}

/**
 * Adds an env id for this process: `train({ env: id })` and `makeEnv(id)` build it with
 * `factory`. An id registered already (a built-in's too) is an error.
 */
export function registerEnv(id: string, factory: (options: EnvOptions) => Env): void {
  registerFactory(id, factory);
}

/**
 * Adds a goal for this process, for `train({ teacher: "goal:<name>" })`. Its scores are checked
 * on every clip: one per step, finite.
 */
export function registerGoal(goal: Goal): void {
  const { name, scorer } = goal;
  if (typeof scorer !== "function") throw new Error(`goal '${name}': scorer must be a function`);
  registerScorer(name, (clip) => {
    const scores = scorer(clip);
    const steps = clip.rewards.length;
    if (scores === null || typeof scores !== "object" || scores.length !== steps) {
      throw new Error(`goal '${name}': scorer must return one score per step (${steps})`);
    }
    const out = scores instanceof Float32Array ? scores : Float32Array.from(scores);
    for (let t = 0; t < out.length; t++) {
      if (!Number.isFinite(out[t]))
        throw new Error(`goal '${name}': scorer returned ${out[t]} at step ${t}`);
    }
    return out;
  });
}

/** `{ clipSteps: 25, excludeRootXy: true }` → `["--clip-steps", "25", "--exclude-root-xy"]`. */
function toArgv(flags: Record<string, unknown>): string[] {
  const argv: string[] = [];
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined || value === false) continue;
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (value === true) argv.push(flag);
    else argv.push(`${flag}=${String(value)}`);
  }
  return argv;
}

// Every train flag but --json has its option above, under its camelCased name, and no other.
type Camel<S extends string> = S extends `${infer H}-${infer T}`
  ? `${H}${Capitalize<Camel<T>>}`
  : S;
type FlagNames = Camel<Exclude<keyof typeof TRAIN_COMMAND.options, "json">>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const trainFlagsMatchTheCli: Same<keyof TrainFlags, FlagNames> = true;
void trainFlagsMatchTheCli;
