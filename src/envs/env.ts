import type { Space } from "../core/spaces.ts";
import type { Frame } from "../core/types.ts";

export type EnvSpec = {
  /** Gymnasium-style id, e.g. `CartPole-v1` or `CartPole-pref-v1`. */
  id: string;
  maxEpisodeSteps: number;
  /** Playback speed of one env step, in frames per second. */
  fps: number;
  /** Simulated seconds per env step (1 / fps for the classic tasks). */
  dt: number;
  /** True for the paper's edit: fixed horizon, no early termination, no control cost. */
  preferenceReady: boolean;
  /**
   * Observation columns that are angles of joints that turn freely and are not wrapped (a
   * Hopper's torso pitch after a backflip reads −2π), for models that should see them as
   * periodic. Absent: none.
   */
  periodicObs?: number[];
};

/** How an env is made, beyond its id. Envs ignore the options that do not concern them. */
export type EnvOptions = {
  /**
   * Preference-ready MuJoCo tasks with a healthy range: a body that leaves it starts afresh
   * within the episode, so that clips keep showing the robot upright. Off for behaviours that
   * leave the healthy range on purpose (a backflip does).
   */
  respawn?: boolean;
};

export type StepResult = {
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
};

export type StepInfo = {
  /** Preference-ready envs: the state left the standard task's healthy range on this step. */
  unhealthy?: boolean;
  /** Named scalars for goal teachers (e.g. `footContact.back`), copied into clips. */
  signals?: Record<string, number>;
};

/**
 * One environment, with Gymnasium's semantics. `step` takes a Float32Array for Box actions and
 * a one-element array holding the index for Discrete actions. Time limits are applied by the env
 * itself (truncated = true at maxEpisodeSteps).
 */
export interface Env {
  readonly spec: EnvSpec;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  reset(seed?: number): Float32Array;
  step(action: ArrayLike<number>): StepResult;
  frame(): Frame;
  close(): void;
}

/** The outcome of stepping every env of a VecEnv once; arrays are indexed by env. */
export type VecStepResult = {
  /** [numEnvs × obsSize]; for an env that finished, this is already its reset observation. */
  obs: Float32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** The last observation of an episode that ended on this step (for bootstrapping), else null. */
  finalObs: (Float32Array | null)[];
  /** 1 where a preference-ready env marks the step as outside the healthy range. */
  unhealthy: Uint8Array;
  infos: StepInfo[];
};

/**
 * Several copies of one env stepped together, resetting each one automatically when its
 * episode ends (Gymnasium's "next-step" autoreset is not used: reset happens inside `step`).
 */
export interface VecEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly obsSize: number;
  /** Scalars per action: the Box size, or 1 for Discrete. */
  readonly actSize: number;
  /** Resets every env; env i gets seed + i. Returns [numEnvs × obsSize]. */
  reset(seed?: number): Float32Array;
  /** actions: [numEnvs × actSize]. */
  step(actions: Float32Array): VecStepResult;
  /** The current frame of env i (after the last step or reset). */
  frame(i: number): Frame;
  close(): void;
}
