/**
 * The shared machinery of the MuJoCo tasks: a Gymnasium-style `Env` over one MjData, with the
 * preference-ready variant of Christiano et al. (2017) built in.
 *
 * Standard variant (`<Name>-v5`): Gymnasium v5's observation, reward, termination, reset noise,
 * frame skip and time limit.
 * Preference-ready variant (`<Name>-pref-v5`): the same dynamics and observation; the true
 * reward drops the control cost; the episode never terminates and is truncated only at the time
 * limit (1,000 steps); `info.unhealthy` is true on each step that ends outside the standard
 * task's healthy range (or, for the pendulums, past the point where the standard task ends).
 * Where the standard task would have ended there, each unhealthy step costs `UNHEALTHY_PENALTY`
 * instead (the paper replaced termination by a penalty), and with `respawn` the step that leaves
 * the healthy range is the body's last: the next observation is a fresh start, and the episode
 * runs on to its fixed length.
 *
 * As in Gymnasium, quantities MuJoCo computes in the position stage (body and geom poses, site
 * positions, contacts) are read as mj_step leaves them: from the start of its last substep.
 */
import { Rng } from "../../core/rng.ts";
import { type BoxSpace, box } from "../../core/spaces.ts";
import type { Frame } from "../../core/types.ts";
import type { Env, EnvSpec, StepInfo, StepResult } from "../env.ts";
import { compiledModel } from "./loader.ts";
import { Sim } from "./sim.ts";

export type MujocoEnvOptions = {
  /** The paper's edit: no control cost, no early termination, unhealthy steps flagged. */
  preferenceReady?: boolean;
  /** Overrides the time limit (Gymnasium's for the id, and 1,000 for preference-ready envs). */
  maxEpisodeSteps?: number;
  /** Preference-ready envs with a healthy range: restart a fallen body (see the file comment). */
  respawn?: boolean;
};

/** What distinguishes one task, fixed per class. */
export type MujocoTaskInfo = {
  /** Gymnasium's name without version, e.g. `Hopper`. */
  name: string;
  modelName: string;
  xml: string;
  frameSkip: number;
  /** Gymnasium's time limit for the standard variant. */
  maxEpisodeSteps: number;
  obsSize: number;
  /** Gymnasium's names of the reward terms (`reward_forward`, `reward_ctrl`, ...), in order. */
  rewardTermNames: readonly string[];
  /** Names of the scalars in `info.signals`, in a fixed order. */
  signalNames: readonly string[];
  /** True when the standard variant ends the episode on leaving the healthy range. */
  terminatesWhenUnhealthy: boolean;
  /** Observation columns of unlimited hinge joints (EnvSpec.periodicObs). */
  periodicObs?: number[];
};

/** Preference-ready envs run this long unless told otherwise. */
export const PREF_MAX_EPISODE_STEPS = 1000;

/**
 * What an unhealthy step costs in a preference-ready env whose standard task would end there.
 * Measured on Hopper (oracle, 700 labels, seed 1): with no penalty and no respawn, the body lay
 * fallen for most of each episode and the learned reward paid for crawling on its back
 * (Hopper-v5 eval 2.9); a fall has to cost much more than the healthy bonus it forgoes.
 */
export const UNHEALTHY_PENALTY = 50;

/** Frames carry qpos rounded to this many decimals (10 µm, 10 µrad): plenty to draw from. */
const FRAME_DECIMALS = 1e5;

export abstract class MujocoEnv implements Env {
  readonly spec: EnvSpec;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly obsSize: number;
  readonly actSize: number;
  readonly frameSkip: number;
  /** Simulated seconds per env step: timestep × frame skip. */
  readonly dt: number;
  readonly preferenceReady: boolean;
  readonly signalNames: readonly string[];
  /** The simulation; tests and tools may read or set its state directly. */
  readonly sim: Sim;

  /** Reward, flags and health of the last step (or reset). */
  lastReward = 0;
  lastTerminated = false;
  lastTruncated = false;
  lastHealthy = true;

  protected readonly initQpos: Float64Array;
  protected readonly initQvel: Float64Array;
  /** Values of `signalNames` after the last step. */
  protected readonly signals: Float64Array;
  /** Values of the task's `rewardTermNames` after the last step. */
  private readonly terms: Float64Array;
  /** Set by `evaluate`: whether the state after the step is inside the healthy range. */
  protected healthy = true;
  private readonly task: MujocoTaskInfo;
  private rng: Rng;
  private elapsed = 0;
  /** A body that leaves the healthy range starts afresh (preference-ready tasks that can fall). */
  private readonly respawns: boolean;
  private started = false;
  private closed = false;

  protected constructor(task: MujocoTaskInfo, options: MujocoEnvOptions = {}) {
    this.task = task;
    this.preferenceReady = options.preferenceReady ?? false;
    const model = compiledModel(task.modelName, task.xml);
    this.sim = new Sim(model);
    this.frameSkip = task.frameSkip;
    this.dt = model.opt.timestep * task.frameSkip;
    this.respawns = Boolean(
      options.respawn && this.preferenceReady && task.terminatesWhenUnhealthy,
    );
    const maxEpisodeSteps =
      options.maxEpisodeSteps ??
      (this.preferenceReady ? PREF_MAX_EPISODE_STEPS : task.maxEpisodeSteps);
    this.spec = {
      id: mujocoEnvId(task.name, this.preferenceReady),
      maxEpisodeSteps,
      fps: Math.round(1 / this.dt),
      dt: this.dt,
      preferenceReady: this.preferenceReady,
      ...(task.periodicObs && { periodicObs: task.periodicObs }),
    };
    this.obsSize = task.obsSize;
    this.actSize = this.sim.nu;
    this.observationSpace = box(
      new Array<number>(task.obsSize).fill(Number.NEGATIVE_INFINITY),
      new Array<number>(task.obsSize).fill(Number.POSITIVE_INFINITY),
    );
    const range = model.actuator_ctrlrange as Float64Array;
    const low: number[] = [];
    const high: number[] = [];
    for (let i = 0; i < this.actSize; i++) {
      low.push(range[2 * i]);
      high.push(range[2 * i + 1]);
    }
    this.actionSpace = box(low, high);
    this.signalNames = task.signalNames;
    this.signals = new Float64Array(task.signalNames.length);
    this.terms = new Float64Array(task.rewardTermNames.length);
    const h = this.sim.heap;
    this.initQpos = h.slice(this.sim.qpos, this.sim.qpos + this.sim.nq);
    this.initQvel = new Float64Array(this.sim.nv);
    this.rng = new Rng(Math.floor(Math.random() * 4294967296));
  }

  /**
   * Starts an episode. With a seed, the reset noise comes from a fresh `Rng(seed)`; without one,
   * from the env's running stream (seeded from Math.random if never seeded, as in Gymnasium).
   */
  reset(seed?: number): Float32Array {
    const obs = new Float32Array(this.obsSize);
    this.resetInto(obs, 0, seed);
    return obs;
  }

  /** A fresh start of the body, with reset noise from the env's stream. */
  private resetState(): void {
    this.sim.resetData();
    this.resetModel(this.sim.heap, this.rng);
    this.sim.forward();
  }

  /** `reset`, writing the observation into `out` at `offset`. */
  resetInto(out: Float32Array, offset: number, seed?: number): void {
    this.assertOpen();
    if (seed !== undefined) this.rng = new Rng(seed);
    this.resetState();
    this.elapsed = 0;
    this.started = true;
    this.lastReward = 0;
    this.lastTerminated = false;
    this.lastTruncated = false;
    this.lastHealthy = true;
    this.healthy = true;
    this.signals.fill(0);
    this.terms.fill(0);
    this.observe(this.sim.heap, out, offset);
  }

  step(action: ArrayLike<number>): StepResult {
    const obs = new Float32Array(this.obsSize);
    this.stepInto(action, obs, 0);
    return {
      obs,
      reward: this.lastReward,
      terminated: this.lastTerminated,
      truncated: this.lastTruncated,
      info: this.info(),
    };
  }

  /** `step` without allocating: the observation goes to `out` at `offset`, the rest to `last*`. */
  stepInto(action: ArrayLike<number>, out: Float32Array, offset: number): void {
    this.assertOpen();
    if (!this.started) throw new Error(`${this.spec.id}: call reset() before step()`);
    const nu = this.actSize;
    if (action.length !== nu)
      throw new Error(`${this.spec.id}: action needs ${nu} numbers, got ${action.length}`);
    const sim = this.sim;
    let h = sim.heap;
    const ctrl = sim.ctrl;
    for (let i = 0; i < nu; i++) h[ctrl + i] = action[i];
    this.beforeStep(h);
    sim.step(this.frameSkip);
    h = sim.heap;
    this.lastReward = this.evaluate(h, action);
    this.lastHealthy = this.healthy;
    // Where the standard task ends the episode, the preference-ready one charges for it.
    const fell = this.task.terminatesWhenUnhealthy && !this.healthy;
    if (fell && this.preferenceReady) this.lastReward -= UNHEALTHY_PENALTY;
    this.observe(h, out, offset);
    this.elapsed++;
    this.lastTerminated = fell && !this.preferenceReady;
    this.lastTruncated = this.elapsed >= this.spec.maxEpisodeSteps;
    // Respawning only after 0.5 s of falling, so that a clip shows the whole fall, failed on
    // Hopper: the learned reward paid for the fast forward fall and never saw it end.
    if (fell && this.respawns && !this.lastTruncated) {
      this.resetState();
      this.observe(this.sim.heap, out, offset);
    }
  }

  /** Steps taken since the last reset. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  /** Info of the last step: named signals, and the unhealthy flag in preference-ready envs. */
  info(): StepInfo {
    const signals: Record<string, number> = {};
    const names = this.signalNames;
    for (let i = 0; i < names.length; i++) signals[names[i]] = this.signals[i];
    return this.preferenceReady ? { unhealthy: !this.lastHealthy, signals } : { signals };
  }

  /** The current qpos, rounded to 5 decimals, for a viewer to replay. */
  frame(): Frame {
    const h = this.sim.heap;
    const qpos = new Array<number>(this.sim.nq);
    for (let i = 0; i < qpos.length; i++)
      qpos[i] = Math.round(h[this.sim.qpos + i] * FRAME_DECIMALS) / FRAME_DECIMALS;
    return { kind: "mujoco", qpos };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sim.delete();
  }

  /**
   * Gymnasium's reward terms of the last step, signed as they enter the reward
   * (`reward_forward`, `reward_ctrl` = −cost, ...). The preference-ready reward leaves out
   * `reward_ctrl`.
   */
  rewardTerms(): Record<string, number> {
    const out: Record<string, number> = {};
    const names = this.task.rewardTermNames;
    for (let i = 0; i < names.length; i++) out[names[i]] = this.terms[i];
    return out;
  }

  /** Records the reward terms of this step, in the order of `rewardTermNames`. */
  protected setTerms(a: number, b = 0, c = 0, d = 0): void {
    const t = this.terms;
    t[0] = a;
    if (t.length > 1) t[1] = b;
    if (t.length > 2) t[2] = c;
    if (t.length > 3) t[3] = d;
  }

  /** Writes the reset state into qpos/qvel (mj_resetData has run; mj_forward runs after). */
  protected abstract resetModel(h: Float64Array, rng: Rng): void;

  protected abstract observe(h: Float64Array, out: Float32Array, offset: number): void;

  /** Called with ctrl set, before the physics runs (e.g. to remember x). */
  protected beforeStep(_h: Float64Array): void {}

  /** After the physics: sets `healthy` and `signals`, returns the reward of this variant. */
  protected abstract evaluate(h: Float64Array, action: ArrayLike<number>): number;

  /** Writes `init + U(−scale, scale)` into n numbers at `adr` (one draw each, in order). */
  protected addUniformNoise(
    h: Float64Array,
    adr: number,
    init: Float64Array,
    scale: number,
    rng: Rng,
  ): void {
    for (let i = 0; i < init.length; i++) h[adr + i] = init[i] + rng.uniform(-scale, scale);
  }

  /** Writes `init + scale·N(0, 1)` into n numbers at `adr`. */
  protected addNormalNoise(
    h: Float64Array,
    adr: number,
    init: Float64Array,
    scale: number,
    rng: Rng,
  ): void {
    for (let i = 0; i < init.length; i++) h[adr + i] = init[i] + scale * rng.normal();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.spec.id}: env is closed`);
  }
}

/** `Hopper` → `Hopper-v5` or `Hopper-pref-v5`. */
export function mujocoEnvId(name: string, preferenceReady: boolean): string {
  return preferenceReady ? `${name}-pref-v5` : `${name}-v5`;
}

/** Sum of squares (Gymnasium's `np.sum(np.square(action))`). */
export function sumSquares(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

export function clip(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}
