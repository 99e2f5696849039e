import type { PpoConfig } from "../rl/ppo.ts";
import type { NoisyTeacherOptions } from "../teachers/index.ts";

export type Selection = "disagreement" | "random";

/** Everything that defines a training run; written to `runs/<name>/config.json`. */
export type RunConfig = {
  envId: string;
  /** `oracle`, `noisy`, `goal:<name>` or `human`. */
  teacher: string;
  /** B-Pref noise options for `noisy` and goal teachers. */
  noise: Pick<
    NoisyTeacherOptions,
    "beta" | "gamma" | "skipThreshold" | "equalThreshold" | "mistakeProb"
  >;
  /** Labels to ask for over the whole run. */
  labels: number;
  /** Environment steps of the whole run (the random-policy pretraining rollouts included). */
  steps: number;
  seed: number;
  selection: Selection;
  /** Steps per clip (the paper: 1.5 s of simulated time for MuJoCo, 25 steps for arcade). */
  clipSteps: number;
  /** MuJoCo tasks that can fall: a fallen robot starts afresh within the episode (`EnvOptions`). */
  respawn: boolean;
  /** Share of the labels asked about random-policy clips before RL starts. */
  pretrainFraction: number;
  /** c in the label rate c / (T + c). */
  scheduleC: number;
  /** Adam steps of the reward ensemble once the pretraining labels are in. */
  pretrainRewardSteps: number;
  /** Adam steps of the reward ensemble after each PPO update that brought new labels. */
  rewardStepsPerUpdate: number;
  /** Env the final policy is evaluated on: the standard task behind a preference-ready env. */
  evalEnvId: string;
  evalEpisodes: number;
  /** The task's instructions for human labellers. */
  rubric: string;
  /** Human runs: share of queries asked a second time, of another labeller. */
  repeatShare: number;
  ppo: Partial<PpoConfig>;
};

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
 * falls within ~20 steps of a random policy, learned with 10 steps and not with 38.
 */
export function defaultClipSteps(envId: string, dt: number, mujoco: boolean): number {
  if (mujoco) return Math.round(1.5 / dt);
  const classic: Record<string, number> = { CartPole: 10, Pendulum: 15, MountainCarContinuous: 25 };
  return classic[envId.split("-")[0]] ?? Math.round(0.75 / dt);
}
