/**
 * The eight Gymnasium v5 MuJoCo tasks. Each class states the v5 facts it follows; defaults are
 * v5's defaults (positions that grow without bound are left out of the observation, Ant includes
 * its clipped external contact forces, and so on).
 */
import type { Rng } from "../../core/rng.ts";
import { mujoco } from "./loader.ts";
import { ANT_XML } from "./models/ant.ts";
import { HALF_CHEETAH_XML } from "./models/half_cheetah.ts";
import { HOPPER_XML } from "./models/hopper.ts";
import { INVERTED_DOUBLE_PENDULUM_XML } from "./models/inverted_double_pendulum.ts";
import { INVERTED_PENDULUM_XML } from "./models/inverted_pendulum.ts";
import { REACHER_XML } from "./models/reacher.ts";
import { SWIMMER_XML } from "./models/swimmer.ts";
import { WALKER2D_XML } from "./models/walker2d.ts";
import {
  clip,
  MujocoEnv,
  type MujocoEnvOptions,
  type MujocoTaskInfo,
  sumSquares,
} from "./mujoco_env.ts";

const OBJ_BODY = 1;
const OBJ_GEOM = 5;

function objectId(env: MujocoEnv, type: number, name: string): number {
  const id = mujoco.mj_name2id(env.sim.model, type, name);
  if (id < 0) throw new Error(`${env.spec.id}: model has no object '${name}'`);
  return id;
}

/** Hopper and Walker2d: x velocity forward reward, survive bonus, control cost, health checks. */
type PlanarWalkerParams = {
  ctrlCostWeight: number;
  healthyZ: [number, number];
  healthyAngle: [number, number];
  /** Hopper also bounds every entry of state_vector()[2:] (qpos[2:] and qvel). */
  healthyState: [number, number] | null;
  resetNoise: number;
};

abstract class PlanarWalkerEnv extends MujocoEnv {
  private readonly p: PlanarWalkerParams;
  private xBefore = 0;

  protected constructor(task: MujocoTaskInfo, p: PlanarWalkerParams, options?: MujocoEnvOptions) {
    super(task, options);
    this.p = p;
  }

  protected resetModel(h: Float64Array, rng: Rng): void {
    this.addUniformNoise(h, this.sim.qpos, this.initQpos, this.p.resetNoise, rng);
    this.addUniformNoise(h, this.sim.qvel, this.initQvel, this.p.resetNoise, rng);
  }

  /** qpos[1:] then qvel clipped to ±10. */
  protected observe(h: Float64Array, out: Float32Array, offset: number): void {
    const { qpos, qvel, nq, nv } = this.sim;
    let k = offset;
    for (let i = 1; i < nq; i++) out[k++] = h[qpos + i];
    for (let i = 0; i < nv; i++) out[k++] = clip(h[qvel + i], -10, 10);
  }

  protected override beforeStep(h: Float64Array): void {
    this.xBefore = h[this.sim.qpos];
  }

  protected evaluate(h: Float64Array, action: ArrayLike<number>): number {
    const { qpos, qvel, nq, nv } = this.sim;
    const xVelocity = (h[qpos] - this.xBefore) / this.dt;
    const z = h[qpos + 1];
    const angle = h[qpos + 2];
    let healthy = this.p.healthyZ[0] < z && z < this.p.healthyZ[1];
    healthy = healthy && this.p.healthyAngle[0] < angle && angle < this.p.healthyAngle[1];
    const range = this.p.healthyState;
    if (healthy && range !== null) {
      for (let i = 2; i < nq && healthy; i++)
        healthy = range[0] < h[qpos + i] && h[qpos + i] < range[1];
      for (let i = 0; i < nv && healthy; i++)
        healthy = range[0] < h[qvel + i] && h[qvel + i] < range[1];
    }
    this.healthy = healthy;
    const survive = healthy ? 1 : 0;
    const ctrlCost = this.p.ctrlCostWeight * sumSquares(action);
    this.setTerms(xVelocity, -ctrlCost, survive);
    this.signals[0] = xVelocity;
    this.signals[1] = angle;
    this.signals[2] = z;
    return this.preferenceReady ? xVelocity + survive : xVelocity + survive - ctrlCost;
  }
}

const PLANAR_SIGNALS = ["x_velocity", "torso_angle", "height"] as const;
/**
 * The torso's pitch in obs = qpos[1:] of Hopper, Walker2d and HalfCheetah: qpos[2], the
 * unlimited `rooty` hinge, which MuJoCo never wraps.
 */
const TORSO_PITCH_OBS = 1;
const PLANAR_TERMS = ["reward_forward", "reward_ctrl", "reward_survive"] as const;

/**
 * Hopper-v5: obs 11 = qpos[1:] (z, torso angle, 3 joints) + clip(qvel, ±10); actions 3 in
 * [−1, 1]; reward = x velocity + 1 (while healthy) − 1e−3·Σa²; healthy while z > 0.7,
 * |angle| < 0.2 and every entry of qpos[2:], qvel in (−100, 100); reset noise U(±5e−3) on qpos
 * and qvel; frame skip 4 at 2 ms (dt 0.008). Signals: `x_velocity`, `torso_angle` (qpos[2],
 * the hinge angle, which is unwrapped), `height` (qpos[1]).
 */
export class HopperEnv extends PlanarWalkerEnv {
  static readonly task: MujocoTaskInfo = {
    name: "Hopper",
    rewardTermNames: PLANAR_TERMS,
    modelName: "hopper",
    xml: HOPPER_XML,
    frameSkip: 4,
    maxEpisodeSteps: 1000,
    obsSize: 11,
    signalNames: PLANAR_SIGNALS,
    terminatesWhenUnhealthy: true,
    periodicObs: [TORSO_PITCH_OBS],
  };

  constructor(options?: MujocoEnvOptions) {
    super(
      HopperEnv.task,
      {
        ctrlCostWeight: 1e-3,
        healthyZ: [0.7, Number.POSITIVE_INFINITY],
        healthyAngle: [-0.2, 0.2],
        healthyState: [-100, 100],
        resetNoise: 5e-3,
      },
      options,
    );
  }
}

/**
 * Walker2d-v5: obs 17 = qpos[1:] + clip(qvel, ±10); actions 6 in [−1, 1]; reward = x velocity
 * + 1 (while healthy) − 1e−3·Σa²; healthy while 0.8 < z < 2 and −1 < angle < 1; reset noise
 * U(±5e−3); frame skip 4 at 2 ms. Signals as Hopper.
 */
export class Walker2dEnv extends PlanarWalkerEnv {
  static readonly task: MujocoTaskInfo = {
    name: "Walker2d",
    rewardTermNames: PLANAR_TERMS,
    modelName: "walker2d",
    xml: WALKER2D_XML,
    frameSkip: 4,
    maxEpisodeSteps: 1000,
    obsSize: 17,
    signalNames: PLANAR_SIGNALS,
    terminatesWhenUnhealthy: true,
    periodicObs: [TORSO_PITCH_OBS],
  };

  constructor(options?: MujocoEnvOptions) {
    super(
      Walker2dEnv.task,
      {
        ctrlCostWeight: 1e-3,
        healthyZ: [0.8, 2],
        healthyAngle: [-1, 1],
        healthyState: null,
        resetNoise: 5e-3,
      },
      options,
    );
  }
}

/**
 * HalfCheetah-v5: obs 17 = qpos[1:] + qvel (unclipped); actions 6 in [−1, 1]; reward = x
 * velocity − 0.1·Σa²; never terminates; reset noise U(±0.1) on qpos and 0.1·N(0,1) on qvel;
 * frame skip 5 at 10 ms (dt 0.05). Signals: `x_velocity`, `contact.bfoot`, `contact.ffoot`
 * (1 when that foot capsule touches the floor; see `footTouches`).
 */
export class HalfCheetahEnv extends MujocoEnv {
  static readonly task: MujocoTaskInfo = {
    name: "HalfCheetah",
    rewardTermNames: ["reward_forward", "reward_ctrl"],
    modelName: "half_cheetah",
    xml: HALF_CHEETAH_XML,
    frameSkip: 5,
    maxEpisodeSteps: 1000,
    obsSize: 17,
    signalNames: ["x_velocity", "contact.bfoot", "contact.ffoot"],
    terminatesWhenUnhealthy: false,
    periodicObs: [TORSO_PITCH_OBS],
  };

  private xBefore = 0;
  private readonly feet: { geom: number; radius: number; halfLength: number; margin: number }[];

  constructor(options?: MujocoEnvOptions) {
    super(HalfCheetahEnv.task, options);
    const m = this.sim.model;
    const size = m.geom_size as Float64Array;
    const margin = m.geom_margin as Float64Array;
    const floor = objectId(this, OBJ_GEOM, "floor");
    this.feet = ["bfoot", "ffoot"].map((name) => {
      const geom = objectId(this, OBJ_GEOM, name);
      return {
        geom,
        radius: size[3 * geom],
        halfLength: size[3 * geom + 1],
        margin: Math.max(margin[geom], margin[floor]),
      };
    });
  }

  protected resetModel(h: Float64Array, rng: Rng): void {
    this.addUniformNoise(h, this.sim.qpos, this.initQpos, 0.1, rng);
    this.addNormalNoise(h, this.sim.qvel, this.initQvel, 0.1, rng);
  }

  protected observe(h: Float64Array, out: Float32Array, offset: number): void {
    const { qpos, qvel, nq, nv } = this.sim;
    let k = offset;
    for (let i = 1; i < nq; i++) out[k++] = h[qpos + i];
    for (let i = 0; i < nv; i++) out[k++] = h[qvel + i];
  }

  protected override beforeStep(h: Float64Array): void {
    this.xBefore = h[this.sim.qpos];
  }

  protected evaluate(h: Float64Array, action: ArrayLike<number>): number {
    const xVelocity = (h[this.sim.qpos] - this.xBefore) / this.dt;
    const ctrlCost = 0.1 * sumSquares(action);
    this.healthy = true;
    this.setTerms(xVelocity, -ctrlCost);
    this.signals[0] = xVelocity;
    this.signals[1] = this.footTouches(h, 0) ? 1 : 0;
    this.signals[2] = this.footTouches(h, 1) ? 1 : 0;
    return this.preferenceReady ? xVelocity : xVelocity - ctrlCost;
  }

  /**
   * Whether foot `i` (0 back, 1 front) touches the floor, by the test MuJoCo's plane–capsule
   * collision makes: the lower end sphere of the capsule reaches within the contact margin of
   * the plane z = 0. It uses the geom pose mj_step's collision stage saw, so it agrees with
   * `data.contact` (a test checks this) without reading contacts through the slow bindings.
   */
  footTouches(h: Float64Array, i: number): boolean {
    const f = this.feet[i];
    const z = h[this.sim.geomXpos + 3 * f.geom + 2];
    const axisZ = h[this.sim.geomXmat + 9 * f.geom + 8];
    return z - f.halfLength * Math.abs(axisZ) - f.radius <= f.margin;
  }
}

/**
 * Swimmer-v5: obs 8 = qpos[2:] + qvel; actions 2 in [−1, 1]; reward = x velocity − 1e−4·Σa²;
 * never terminates; reset noise U(±0.1) on qpos and qvel; frame skip 4 at 10 ms (dt 0.04).
 * Signals: `x_velocity`, `y_velocity`.
 */
export class SwimmerEnv extends MujocoEnv {
  static readonly task: MujocoTaskInfo = {
    name: "Swimmer",
    rewardTermNames: ["reward_forward", "reward_ctrl"],
    modelName: "swimmer",
    xml: SWIMMER_XML,
    frameSkip: 4,
    maxEpisodeSteps: 1000,
    obsSize: 8,
    signalNames: ["x_velocity", "y_velocity"],
    terminatesWhenUnhealthy: false,
  };

  private xBefore = 0;
  private yBefore = 0;

  constructor(options?: MujocoEnvOptions) {
    super(SwimmerEnv.task, options);
  }

  protected resetModel(h: Float64Array, rng: Rng): void {
    this.addUniformNoise(h, this.sim.qpos, this.initQpos, 0.1, rng);
    this.addUniformNoise(h, this.sim.qvel, this.initQvel, 0.1, rng);
  }

  protected observe(h: Float64Array, out: Float32Array, offset: number): void {
    const { qpos, qvel, nq, nv } = this.sim;
    let k = offset;
    for (let i = 2; i < nq; i++) out[k++] = h[qpos + i];
    for (let i = 0; i < nv; i++) out[k++] = h[qvel + i];
  }

  protected override beforeStep(h: Float64Array): void {
    this.xBefore = h[this.sim.qpos];
    this.yBefore = h[this.sim.qpos + 1];
  }

  protected evaluate(h: Float64Array, action: ArrayLike<number>): number {
    const xVelocity = (h[this.sim.qpos] - this.xBefore) / this.dt;
    const yVelocity = (h[this.sim.qpos + 1] - this.yBefore) / this.dt;
    const ctrlCost = 1e-4 * sumSquares(action);
    this.healthy = true;
    this.setTerms(xVelocity, -ctrlCost);
    this.signals[0] = xVelocity;
    this.signals[1] = yVelocity;
    return this.preferenceReady ? xVelocity : xVelocity - ctrlCost;
  }
}

/**
 * Ant-v5: obs 105 = qpos[2:] (13) + qvel (14) + cfrc_ext of bodies 1–13 clipped to ±1 (78);
 * actions 8 in [−1, 1]; reward = x velocity of the torso body + 1 (while healthy) − 0.5·Σa²
 * − 5e−4·Σ clip(cfrc_ext, ±1)² (all bodies); healthy while qpos, qvel are finite and
 * 0.2 ≤ z ≤ 1; reset noise U(±0.1) on qpos (quaternion included, unnormalised, as in
 * Gymnasium) and 0.1·N(0,1) on qvel; frame skip 5 at 10 ms (dt 0.05). The preference-ready
 * reward keeps the contact cost and drops only the control cost. Signals: `x_velocity`,
 * `y_velocity`, `height`.
 */
export class AntEnv extends MujocoEnv {
  static readonly task: MujocoTaskInfo = {
    name: "Ant",
    rewardTermNames: ["reward_forward", "reward_ctrl", "reward_contact", "reward_survive"],
    modelName: "ant",
    xml: ANT_XML,
    frameSkip: 5,
    maxEpisodeSteps: 1000,
    obsSize: 105,
    signalNames: ["x_velocity", "y_velocity", "height"],
    terminatesWhenUnhealthy: true,
  };

  private xBefore = 0;
  private yBefore = 0;
  private readonly torso: number;

  constructor(options?: MujocoEnvOptions) {
    super(AntEnv.task, options);
    this.torso = objectId(this, OBJ_BODY, "torso");
  }

  protected resetModel(h: Float64Array, rng: Rng): void {
    this.addUniformNoise(h, this.sim.qpos, this.initQpos, 0.1, rng);
    this.addNormalNoise(h, this.sim.qvel, this.initQvel, 0.1, rng);
  }

  protected observe(h: Float64Array, out: Float32Array, offset: number): void {
    const { qpos, qvel, nq, nv, cfrcExt, nbody } = this.sim;
    let k = offset;
    for (let i = 2; i < nq; i++) out[k++] = h[qpos + i];
    for (let i = 0; i < nv; i++) out[k++] = h[qvel + i];
    for (let i = 6; i < 6 * nbody; i++) out[k++] = clip(h[cfrcExt + i], -1, 1);
  }

  protected override beforeStep(h: Float64Array): void {
    const p = this.sim.xpos + 3 * this.torso;
    this.xBefore = h[p];
    this.yBefore = h[p + 1];
  }

  protected evaluate(h: Float64Array, action: ArrayLike<number>): number {
    this.sim.rnePostConstraint();
    h = this.sim.heap;
    const { qpos, qvel, nq, nv, cfrcExt, nbody } = this.sim;
    const p = this.sim.xpos + 3 * this.torso;
    const xVelocity = (h[p] - this.xBefore) / this.dt;
    const yVelocity = (h[p + 1] - this.yBefore) / this.dt;
    let finite = true;
    for (let i = 0; i < nq && finite; i++) finite = Number.isFinite(h[qpos + i]);
    for (let i = 0; i < nv && finite; i++) finite = Number.isFinite(h[qvel + i]);
    const z = h[qpos + 2];
    this.healthy = finite && 0.2 <= z && z <= 1;
    let contact = 0;
    for (let i = 0; i < 6 * nbody; i++) {
      const f = clip(h[cfrcExt + i], -1, 1);
      contact += f * f;
    }
    const contactCost = 5e-4 * contact;
    const ctrlCost = 0.5 * sumSquares(action);
    const survive = this.healthy ? 1 : 0;
    this.setTerms(xVelocity, -ctrlCost, -contactCost, survive);
    this.signals[0] = xVelocity;
    this.signals[1] = yVelocity;
    this.signals[2] = z;
    const reward = xVelocity + survive - contactCost;
    return this.preferenceReady ? reward : reward - ctrlCost;
  }
}

/**
 * Reacher-v5: obs 10 = cos(q0, q1), sin(q0, q1), target (x, y), (q̇0, q̇1), fingertip − target
 * (x, y); actions 2 in [−1, 1]; reward (after the step, as v5 does) = −‖fingertip − target‖
 * − Σa²; never terminates; 50-step limit (preference-ready: 1,000); reset: qpos U(±0.1), target
 * drawn U(±0.2)² until inside the 0.2 disc, arm velocities U(±0.005), target at rest; frame skip
 * 2 at 10 ms (dt 0.02). Signals: `distance`.
 */
export class ReacherEnv extends MujocoEnv {
  static readonly task: MujocoTaskInfo = {
    name: "Reacher",
    rewardTermNames: ["reward_dist", "reward_ctrl"],
    modelName: "reacher",
    xml: REACHER_XML,
    frameSkip: 2,
    maxEpisodeSteps: 50,
    obsSize: 10,
    signalNames: ["distance"],
    terminatesWhenUnhealthy: false,
  };

  private readonly fingertip: number;
  private readonly target: number;

  constructor(options?: MujocoEnvOptions) {
    super(ReacherEnv.task, options);
    this.fingertip = objectId(this, OBJ_BODY, "fingertip");
    this.target = objectId(this, OBJ_BODY, "target");
  }

  protected resetModel(h: Float64Array, rng: Rng): void {
    const { qpos, qvel } = this.sim;
    this.addUniformNoise(h, qpos, this.initQpos, 0.1, rng);
    let gx: number;
    let gy: number;
    do {
      gx = rng.uniform(-0.2, 0.2);
      gy = rng.uniform(-0.2, 0.2);
    } while (Math.hypot(gx, gy) >= 0.2);
    h[qpos + 2] = gx;
    h[qpos + 3] = gy;
    this.addUniformNoise(h, qvel, this.initQvel, 0.005, rng);
    h[qvel + 2] = 0;
    h[qvel + 3] = 0;
  }

  protected observe(h: Float64Array, out: Float32Array, offset: number): void {
    const { qpos, qvel, xpos } = this.sim;
    const f = xpos + 3 * this.fingertip;
    const t = xpos + 3 * this.target;
    out[offset] = Math.cos(h[qpos]);
    out[offset + 1] = Math.cos(h[qpos + 1]);
    out[offset + 2] = Math.sin(h[qpos]);
    out[offset + 3] = Math.sin(h[qpos + 1]);
    out[offset + 4] = h[qpos + 2];
    out[offset + 5] = h[qpos + 3];
    out[offset + 6] = h[qvel];
    out[offset + 7] = h[qvel + 1];
    out[offset + 8] = h[f] - h[t];
    out[offset + 9] = h[f + 1] - h[t + 1];
  }

  protected evaluate(h: Float64Array, action: ArrayLike<number>): number {
    const f = this.sim.xpos + 3 * this.fingertip;
    const t = this.sim.xpos + 3 * this.target;
    const distance = Math.hypot(h[f] - h[t], h[f + 1] - h[t + 1], h[f + 2] - h[t + 2]);
    const ctrl = sumSquares(action);
    this.healthy = true;
    this.setTerms(-distance, -ctrl);
    this.signals[0] = distance;
    return this.preferenceReady ? -distance : -distance - ctrl;
  }
}

/**
 * InvertedPendulum-v5: obs 4 = qpos + qvel; actions 1 in [−3, 3]; reward 1 per step that does
 * not terminate; terminates when the observation is not finite or |pole angle| > 0.2; reset
 * noise U(±0.01) on qpos and qvel; frame skip 2 at 20 ms (dt 0.04). Preference-ready: reward 1
 * while |angle| ≤ 0.2, else 0, flagged unhealthy. Signals: `pole_angle`.
 */
export class InvertedPendulumEnv extends MujocoEnv {
  static readonly task: MujocoTaskInfo = {
    name: "InvertedPendulum",
    rewardTermNames: ["reward_survive"],
    modelName: "inverted_pendulum",
    xml: INVERTED_PENDULUM_XML,
    frameSkip: 2,
    maxEpisodeSteps: 1000,
    obsSize: 4,
    signalNames: ["pole_angle"],
    terminatesWhenUnhealthy: true,
  };

  constructor(options?: MujocoEnvOptions) {
    super(InvertedPendulumEnv.task, options);
  }

  protected resetModel(h: Float64Array, rng: Rng): void {
    this.addUniformNoise(h, this.sim.qpos, this.initQpos, 0.01, rng);
    this.addUniformNoise(h, this.sim.qvel, this.initQvel, 0.01, rng);
  }

  protected observe(h: Float64Array, out: Float32Array, offset: number): void {
    const { qpos, qvel } = this.sim;
    out[offset] = h[qpos];
    out[offset + 1] = h[qpos + 1];
    out[offset + 2] = h[qvel];
    out[offset + 3] = h[qvel + 1];
  }

  protected evaluate(h: Float64Array): number {
    const { qpos, qvel } = this.sim;
    const angle = h[qpos + 1];
    const finite =
      Number.isFinite(h[qpos]) &&
      Number.isFinite(angle) &&
      Number.isFinite(h[qvel]) &&
      Number.isFinite(h[qvel + 1]);
    this.healthy = finite && Math.abs(angle) <= 0.2;
    const survive = this.healthy ? 1 : 0;
    this.setTerms(survive);
    this.signals[0] = angle;
    return survive;
  }
}

/**
 * InvertedDoublePendulum-v5: obs 9 = cart x, sin and cos of both hinge angles, clip(qvel, ±10),
 * clip(qfrc_constraint[0], ±10); actions 1 in [−1, 1]; reward = 10 (while not terminated)
 * − (0.01·x² + (y − 2)²) − (1e−3·ω1² + 5e−3·ω2²) with (x, y) the tip site; terminates when
 * y ≤ 1; reset noise U(±0.1) on qpos and 0.1·N(0,1) on qvel; frame skip 5 at 10 ms (dt 0.05).
 * It has no control cost, so the preference-ready reward equals the standard formula.
 * Signals: `tip_x`, `tip_height`.
 */
export class InvertedDoublePendulumEnv extends MujocoEnv {
  static readonly task: MujocoTaskInfo = {
    name: "InvertedDoublePendulum",
    rewardTermNames: ["reward_survive", "distance_penalty", "velocity_penalty"],
    modelName: "inverted_double_pendulum",
    xml: INVERTED_DOUBLE_PENDULUM_XML,
    frameSkip: 5,
    maxEpisodeSteps: 1000,
    obsSize: 9,
    signalNames: ["tip_x", "tip_height"],
    terminatesWhenUnhealthy: true,
  };

  constructor(options?: MujocoEnvOptions) {
    super(InvertedDoublePendulumEnv.task, options);
  }

  protected resetModel(h: Float64Array, rng: Rng): void {
    this.addUniformNoise(h, this.sim.qpos, this.initQpos, 0.1, rng);
    this.addNormalNoise(h, this.sim.qvel, this.initQvel, 0.1, rng);
  }

  protected observe(h: Float64Array, out: Float32Array, offset: number): void {
    const { qpos, qvel, qfrcConstraint } = this.sim;
    out[offset] = h[qpos];
    out[offset + 1] = Math.sin(h[qpos + 1]);
    out[offset + 2] = Math.sin(h[qpos + 2]);
    out[offset + 3] = Math.cos(h[qpos + 1]);
    out[offset + 4] = Math.cos(h[qpos + 2]);
    out[offset + 5] = clip(h[qvel], -10, 10);
    out[offset + 6] = clip(h[qvel + 1], -10, 10);
    out[offset + 7] = clip(h[qvel + 2], -10, 10);
    out[offset + 8] = clip(h[qfrcConstraint], -10, 10);
  }

  protected evaluate(h: Float64Array): number {
    const { qvel, siteXpos } = this.sim;
    const x = h[siteXpos];
    const y = h[siteXpos + 2];
    this.healthy = y > 1;
    const v1 = h[qvel + 1];
    const v2 = h[qvel + 2];
    const distPenalty = 0.01 * x * x + (y - 2) ** 2;
    const velPenalty = 1e-3 * v1 * v1 + 5e-3 * v2 * v2;
    const survive = this.healthy ? 10 : 0;
    this.setTerms(survive, -distPenalty, -velPenalty);
    this.signals[0] = x;
    this.signals[1] = y;
    return survive - distPenalty - velPenalty;
  }
}

export type MujocoEnvClass = {
  new (options?: MujocoEnvOptions): MujocoEnv;
  readonly task: MujocoTaskInfo;
};

/** The eight tasks in Gymnasium's order of the MuJoCo docs. */
export const MUJOCO_ENV_CLASSES: readonly MujocoEnvClass[] = [
  AntEnv,
  HalfCheetahEnv,
  HopperEnv,
  InvertedDoublePendulumEnv,
  InvertedPendulumEnv,
  ReacherEnv,
  SwimmerEnv,
  Walker2dEnv,
];
