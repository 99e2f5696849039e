/**
 * MountainCarContinuous-v0 with Gymnasium's dynamics (Moore 1990), plus the preference-ready
 * variant `MountainCarContinuous-pref-v0`.
 */
import { Rng } from "../../core/rng.ts";
import { type BoxSpace, box } from "../../core/spaces.ts";
import type { Frame } from "../../core/types.ts";
import type { Env, EnvSpec, StepResult } from "../env.ts";

const MIN_ACTION = -1.0;
const MAX_ACTION = 1.0;
const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_VELOCITY = 0;
const POWER = 0.0015;

export const MOUNTAIN_CAR_GOAL_POSITION = 0.45;
export const MOUNTAIN_CAR_MAX_STEPS = 999;

export type MountainCarContinuousOptions = {
  /** `MountainCarContinuous-pref-v0`: reward 1 per step at or past the goal, no control cost. */
  preferenceReady?: boolean;
  /** Seed for the env's own Rng until `reset(seed)` reseeds it; random when left out. */
  seed?: number;
};

export class MountainCarContinuousEnv implements Env {
  readonly spec: EnvSpec;
  readonly observationSpace: BoxSpace = box([MIN_POSITION, -MAX_SPEED], [MAX_POSITION, MAX_SPEED]);
  readonly actionSpace: BoxSpace = box([MIN_ACTION], [MAX_ACTION]);
  private readonly pref: boolean;
  private rng: Rng;
  private position = 0;
  private velocity = 0;
  private lastForce = 0;
  private elapsed = 0;
  private started = false;

  constructor(options: MountainCarContinuousOptions = {}) {
    this.pref = options.preferenceReady ?? false;
    // Unseeded envs draw a random seed, as Gymnasium seeds them from OS entropy.
    this.rng = new Rng(options.seed ?? Math.floor(Math.random() * 4294967296));
    this.spec = {
      id: this.pref ? "MountainCarContinuous-pref-v0" : "MountainCarContinuous-v0",
      maxEpisodeSteps: MOUNTAIN_CAR_MAX_STEPS,
      // The task has no physical time step (position moves by `velocity` per step); 30 fps is
      // Gymnasium's render rate, and dt = 1/30 is only the playback time of one step.
      fps: 30,
      dt: 1 / 30,
      preferenceReady: this.pref,
    };
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.position = this.rng.uniform(-0.6, -0.4);
    this.velocity = 0;
    this.lastForce = 0;
    this.elapsed = 0;
    this.started = true;
    return this.obs();
  }

  step(action: ArrayLike<number>): StepResult {
    if (!this.started) throw new Error(`${this.spec.id}: call reset() before step()`);
    if (action.length !== 1)
      throw new Error(`${this.spec.id}: expected one action, got ${action.length}`);
    const a = action[0];
    // Clipped here, so the control cost also uses the clipped force (Gymnasium's env charges
    // the raw action; its ClipAction wrapper, as used for training, gives our behaviour).
    const force = Math.min(Math.max(a, MIN_ACTION), MAX_ACTION);
    this.lastForce = force;

    let position = this.position;
    let velocity = this.velocity;
    velocity += force * POWER - 0.0025 * Math.cos(3 * position);
    if (velocity > MAX_SPEED) velocity = MAX_SPEED;
    if (velocity < -MAX_SPEED) velocity = -MAX_SPEED;
    position += velocity;
    if (position > MAX_POSITION) position = MAX_POSITION;
    if (position < MIN_POSITION) position = MIN_POSITION;
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    // Gymnasium keeps the state in float32 between steps.
    this.position = Math.fround(position);
    this.velocity = Math.fround(velocity);
    this.elapsed++;
    const truncated = this.elapsed >= MOUNTAIN_CAR_MAX_STEPS;

    if (this.pref) {
      // The car drives on past the goal; no state is unhealthy in this task.
      const reward = position >= MOUNTAIN_CAR_GOAL_POSITION ? 1 : 0;
      return { obs: this.obs(), reward, terminated: false, truncated, info: { unhealthy: false } };
    }
    const terminated = position >= MOUNTAIN_CAR_GOAL_POSITION && velocity >= GOAL_VELOCITY;
    const reward = (terminated ? 100.0 : 0) - force * force * 0.1;
    return { obs: this.obs(), reward, terminated, truncated, info: {} };
  }

  frame(): Frame {
    return { kind: "mountaincar", position: this.position, force: this.lastForce };
  }

  /** The physical state [position, velocity]. */
  getState(): number[] {
    return [this.position, this.velocity];
  }

  setState(state: ArrayLike<number>): void {
    if (state.length !== 2) throw new Error("MountainCar state is [position, velocity]");
    this.position = state[0];
    this.velocity = state[1];
    this.started = true;
  }

  close(): void {}

  private obs(): Float32Array {
    const o = new Float32Array(2);
    o[0] = this.position;
    o[1] = this.velocity;
    return o;
  }
}
