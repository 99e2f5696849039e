/**
 * Pendulum-v1 with Gymnasium's dynamics (swing up and hold an inverted pendulum), plus the
 * preference-ready variant `Pendulum-pref-v1`.
 */
import { Rng } from "../../core/rng.ts";
import { type BoxSpace, box } from "../../core/spaces.ts";
import type { Frame } from "../../core/types.ts";
import type { Env, EnvSpec, StepResult } from "../env.ts";

const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
const DT = 0.05;
const G = 10.0;
const M = 1.0;
const L = 1.0;

export const PENDULUM_MAX_STEPS = 200;

/** Gymnasium's `angle_normalize`: ((a + π) mod 2π) − π with Python's floored modulo, in [-π, π). */
export function angleNormalize(a: number): number {
  let r = (a + Math.PI) % (2 * Math.PI);
  if (r < 0) r += 2 * Math.PI;
  return r - Math.PI;
}

export type PendulumOptions = {
  /** `Pendulum-pref-v1`: reward −(θ² + 0.1·θ̇²), without the control cost. */
  preferenceReady?: boolean;
  /** Seed for the env's own Rng until `reset(seed)` reseeds it; random when left out. */
  seed?: number;
};

export class PendulumEnv implements Env {
  readonly spec: EnvSpec;
  readonly observationSpace: BoxSpace = box([-1, -1, -MAX_SPEED], [1, 1, MAX_SPEED]);
  readonly actionSpace: BoxSpace = box([-MAX_TORQUE], [MAX_TORQUE]);
  private readonly pref: boolean;
  private rng: Rng;
  /** Not wrapped, as in Gymnasium; the observation holds cos θ and sin θ. */
  private theta = 0;
  private thetaDot = 0;
  private lastU = 0;
  private elapsed = 0;
  private started = false;

  constructor(options: PendulumOptions = {}) {
    this.pref = options.preferenceReady ?? false;
    // Unseeded envs draw a random seed, as Gymnasium seeds them from OS entropy.
    this.rng = new Rng(options.seed ?? Math.floor(Math.random() * 4294967296));
    this.spec = {
      id: this.pref ? "Pendulum-pref-v1" : "Pendulum-v1",
      maxEpisodeSteps: PENDULUM_MAX_STEPS,
      fps: 20,
      dt: DT,
      preferenceReady: this.pref,
    };
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.theta = this.rng.uniform(-Math.PI, Math.PI);
    this.thetaDot = this.rng.uniform(-1, 1);
    this.lastU = 0;
    this.elapsed = 0;
    this.started = true;
    return this.obs();
  }

  step(action: ArrayLike<number>): StepResult {
    if (!this.started) throw new Error(`${this.spec.id}: call reset() before step()`);
    if (action.length !== 1)
      throw new Error(`${this.spec.id}: expected one action, got ${action.length}`);
    const a = action[0];
    const u = Math.min(Math.max(a, -MAX_TORQUE), MAX_TORQUE);
    this.lastU = u;

    // Cost of the state before the update, as in Gymnasium.
    const th = angleNormalize(this.theta);
    const stateCost = th * th + 0.1 * this.thetaDot * this.thetaDot;
    const reward = this.pref ? -stateCost : -(stateCost + 0.001 * u * u);

    let newThetaDot =
      this.thetaDot + (((3 * G) / (2 * L)) * Math.sin(this.theta) + (3.0 / (M * L * L)) * u) * DT;
    if (newThetaDot > MAX_SPEED) newThetaDot = MAX_SPEED;
    else if (newThetaDot < -MAX_SPEED) newThetaDot = -MAX_SPEED;
    this.theta = this.theta + newThetaDot * DT;
    this.thetaDot = newThetaDot;
    this.elapsed++;

    const truncated = this.elapsed >= PENDULUM_MAX_STEPS;
    // The pendulum has no unhealthy states: the pref variant reports every step as healthy.
    const info = this.pref ? { unhealthy: false } : {};
    return { obs: this.obs(), reward, terminated: false, truncated, info };
  }

  frame(): Frame {
    return { kind: "pendulum", theta: angleNormalize(this.theta), torque: this.lastU };
  }

  /** The exact physical state [θ, θ̇] (θ = 0 is upright). */
  getState(): number[] {
    return [this.theta, this.thetaDot];
  }

  setState(state: ArrayLike<number>): void {
    if (state.length !== 2) throw new Error("Pendulum state is [theta, thetaDot]");
    this.theta = state[0];
    this.thetaDot = state[1];
    this.started = true;
  }

  close(): void {}

  private obs(): Float32Array {
    const o = new Float32Array(3);
    o[0] = Math.cos(this.theta);
    o[1] = Math.sin(this.theta);
    o[2] = this.thetaDot;
    return o;
  }
}
