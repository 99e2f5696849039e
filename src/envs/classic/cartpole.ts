/**
 * CartPole-v1 with Gymnasium's dynamics (Barto, Sutton & Anderson 1983; euler integration),
 * plus the preference-ready variant `CartPole-pref-v1`.
 */
import { Rng } from "../../core/rng.ts";
import { type BoxSpace, box, type DiscreteSpace, discrete } from "../../core/spaces.ts";
import type { Frame } from "../../core/types.ts";
import type { Env, EnvSpec, StepInfo, StepResult } from "../env.ts";

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
/** Half the pole's length, as in Gymnasium. */
const LENGTH = 0.5;
const POLEMASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02;
const FLOAT32_MAX = 3.4028234663852886e38;

/** The standard task ends when |x| passes this (metres). */
export const CARTPOLE_X_THRESHOLD = 2.4;
/** The standard task ends when |θ| passes 12 degrees. */
export const CARTPOLE_THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
/** Preference-ready variant: walls that stop the cart, so the state stays bounded. */
export const CARTPOLE_WALL = 4.8;
export const CARTPOLE_MAX_STEPS = 500;

export type CartPoleOptions = {
  /** `CartPole-pref-v1`: no termination, reward 1 while inside the thresholds, walls at ±4.8. */
  preferenceReady?: boolean;
  /** Seed for the env's own Rng until `reset(seed)` reseeds it; random when left out. */
  seed?: number;
};

export class CartPoleEnv implements Env {
  readonly spec: EnvSpec;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: DiscreteSpace = discrete(2);
  private readonly pref: boolean;
  private rng: Rng;
  private x = 0;
  private xDot = 0;
  private theta = 0;
  private thetaDot = 0;
  private elapsed = 0;
  private started = false;
  /** Standard task: the pole already fell on an earlier step (later steps earn 0, as in Gymnasium). */
  private fell = false;
  /** Pref variant: 0 while the pole is up, ±1 once it has fallen onto the track on that side. */
  private down = 0;

  constructor(options: CartPoleOptions = {}) {
    this.pref = options.preferenceReady ?? false;
    this.rng = new Rng(options.seed ?? Math.floor(Math.random() * 4294967296));
    this.spec = {
      id: this.pref ? "CartPole-pref-v1" : "CartPole-v1",
      maxEpisodeSteps: CARTPOLE_MAX_STEPS,
      fps: 50,
      dt: TAU,
      preferenceReady: this.pref,
    };
    // Gymnasium bounds x and θ at twice the thresholds; in the pref variant θ stops at ±90°.
    const thetaHigh = this.pref ? Math.PI / 2 : CARTPOLE_THETA_THRESHOLD * 2;
    const high = [CARTPOLE_X_THRESHOLD * 2, FLOAT32_MAX, thetaHigh, FLOAT32_MAX];
    this.observationSpace = box(
      high.map((h) => -h),
      high,
    );
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.x = this.rng.uniform(-0.05, 0.05);
    this.xDot = this.rng.uniform(-0.05, 0.05);
    this.theta = this.rng.uniform(-0.05, 0.05);
    this.thetaDot = this.rng.uniform(-0.05, 0.05);
    this.elapsed = 0;
    this.fell = false;
    this.down = 0;
    this.started = true;
    return this.obs();
  }

  step(action: ArrayLike<number>): StepResult {
    if (!this.started) throw new Error(`${this.spec.id}: call reset() before step()`);
    if (action.length !== 1)
      throw new Error(`${this.spec.id}: expected one action, got ${action.length}`);
    const a = action[0];
    if (a !== 0 && a !== 1) throw new Error(`${this.spec.id}: action must be 0 or 1, got ${a}`);

    const force = a === 1 ? FORCE_MAG : -FORCE_MAG;
    if (this.down !== 0) return this.stepFallen(force);
    const cosTheta = Math.cos(this.theta);
    const sinTheta = Math.sin(this.theta);
    const temp = (force + POLEMASS_LENGTH * this.thetaDot * this.thetaDot * sinTheta) / TOTAL_MASS;
    const thetaAcc =
      (GRAVITY * sinTheta - cosTheta * temp) /
      (LENGTH * (4.0 / 3.0 - (MASS_POLE * cosTheta * cosTheta) / TOTAL_MASS));
    const xAcc = temp - (POLEMASS_LENGTH * thetaAcc * cosTheta) / TOTAL_MASS;
    // Euler: positions move with the old velocities.
    this.x = this.x + TAU * this.xDot;
    this.xDot = this.xDot + TAU * xAcc;
    this.theta = this.theta + TAU * this.thetaDot;
    this.thetaDot = this.thetaDot + TAU * thetaAcc;
    this.elapsed++;

    const outside =
      this.x < -CARTPOLE_X_THRESHOLD ||
      this.x > CARTPOLE_X_THRESHOLD ||
      this.theta < -CARTPOLE_THETA_THRESHOLD ||
      this.theta > CARTPOLE_THETA_THRESHOLD;
    const truncated = this.elapsed >= CARTPOLE_MAX_STEPS;

    if (this.pref) {
      // The physics runs on past 12°, so a clip shows the fall, until the pole hits the track
      // at 90°. There it lies for the rest of the episode: a pole that could spin on through
      // upright would let a learned reward pay for spinning instead of balancing.
      if (Math.abs(this.theta) >= Math.PI / 2) {
        this.down = Math.sign(this.theta);
        this.theta = (this.down * Math.PI) / 2;
        this.thetaDot = 0;
      }
      return this.prefResult(outside, truncated);
    }

    // Gymnasium: reward 1 on every step up to and including the one that ends the episode.
    const reward = this.fell ? 0 : 1;
    if (outside) this.fell = true;
    return { obs: this.obs(), reward, terminated: outside, truncated, info: {} };
  }

  frame(): Frame {
    return { kind: "cartpole", x: this.x, theta: this.theta };
  }

  /** The exact (float64) physical state [x, ẋ, θ, θ̇], e.g. for tests and viewers. */
  getState(): number[] {
    return [this.x, this.xDot, this.theta, this.thetaDot];
  }

  /** Pref variant, pole lying on the track: only the cart moves, pushed by the force. */
  private stepFallen(force: number): StepResult {
    this.x = this.x + TAU * this.xDot;
    this.xDot = this.xDot + (TAU * force) / TOTAL_MASS;
    this.elapsed++;
    return this.prefResult(true, this.elapsed >= CARTPOLE_MAX_STEPS);
  }

  private prefResult(outside: boolean, truncated: boolean): StepResult {
    // The walls keep the cart on screen (a crude inelastic stop: the pole feels no impulse).
    if (this.x > CARTPOLE_WALL) {
      this.x = CARTPOLE_WALL;
      this.xDot = 0;
    } else if (this.x < -CARTPOLE_WALL) {
      this.x = -CARTPOLE_WALL;
      this.xDot = 0;
    }
    const info: StepInfo = { unhealthy: outside };
    return { obs: this.obs(), reward: outside ? 0 : 1, terminated: false, truncated, info };
  }

  /** Sets the physical state [x, ẋ, θ, θ̇] (like assigning `env.unwrapped.state` in Gymnasium). */
  setState(state: ArrayLike<number>): void {
    if (state.length !== 4) throw new Error("CartPole state is [x, xDot, theta, thetaDot]");
    this.x = state[0];
    this.xDot = state[1];
    this.theta = state[2];
    this.thetaDot = state[3];
    this.fell = false;
    this.down = 0;
    this.started = true;
  }

  close(): void {}

  private obs(): Float32Array {
    const o = new Float32Array(4);
    o[0] = this.x;
    o[1] = this.xDot;
    o[2] = this.theta;
    o[3] = this.thetaDot;
    return o;
  }
}
