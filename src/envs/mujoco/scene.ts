/**
 * What a browser needs to draw MuJoCo clips with three.js: a one-off scene description per env
 * id, and per-step geom poses computed here (the browser cannot run MuJoCo's kinematics cheaply).
 *
 * A clip's frames are `{ kind: "mujoco", qpos }`, qpos rounded to 5 decimals. Measured for a
 * 1.5-s Hopper clip (Hopper-pref-v5, 188 steps at dt 0.008, random actions, seed 1; see
 * test/mujoco/scene.test.ts, which keeps it under 16 KB): JSON.stringify(frames) is 14,683
 * bytes, about 78 bytes a frame. The same clip's `geomPoses` (4 moving geoms, 4 decimals) is
 * 25,971 bytes, so store and send qpos, and turn it into poses (here or in a viewer with
 * MuJoCo) only when drawing.
 */
import type { Frame } from "../../core/types.ts";
import { isMujocoEnvId, mujocoEnvClass } from "./envs.ts";
import { compiledModel, type MjModel, mujoco } from "./loader.ts";
import { isMjcfEnvId, mjcfModelInfo } from "./mjcf_file.ts";
import { Sim } from "./sim.ts";

export type SceneGeomType =
  | "plane"
  | "hfield"
  | "sphere"
  | "capsule"
  | "ellipsoid"
  | "cylinder"
  | "box"
  | "mesh"
  | "sdf";
export type SceneJointType = "free" | "ball" | "slide" | "hinge";

const GEOM_TYPES: SceneGeomType[] = [
  "plane",
  "hfield",
  "sphere",
  "capsule",
  "ellipsoid",
  "cylinder",
  "box",
  "mesh",
  "sdf",
];
const JOINT_TYPES: SceneJointType[] = ["free", "ball", "slide", "hinge"];

/** A body: its frame relative to its parent's at qpos0 (MuJoCo's body_pos / body_quat). */
export type SceneBody = {
  id: number;
  name: string;
  parentId: number;
  pos: number[];
  quat: number[];
};

/** A joint: where its coordinates start in qpos, and its anchor and axis in the body frame. */
export type SceneJoint = {
  id: number;
  name: string;
  type: SceneJointType;
  bodyId: number;
  qposAdr: number;
  pos: number[];
  axis: number[];
};

/**
 * A geom, in MuJoCo's conventions: `size` as in mjModel (sphere [r], capsule and cylinder
 * [r, half-length] along local z, box half-extents, plane [half-x, half-y, grid]); `pos`/`quat`
 * relative to its body (quat is w, x, y, z). Geoms of body 0 are static and these are world
 * poses.
 */
export type SceneGeom = {
  id: number;
  name: string;
  type: SceneGeomType;
  bodyId: number;
  size: number[];
  rgba: number[];
  pos: number[];
  quat: number[];
};

export type SceneDescription = {
  envId: string;
  model: string;
  /** Physics timestep, steps per env step, and simulated seconds per env step (= per frame). */
  timestep: number;
  frameSkip: number;
  dt: number;
  nq: number;
  qpos0: number[];
  bodies: SceneBody[];
  joints: SceneJoint[];
  geoms: SceneGeom[];
  /** Geoms that move with qpos, in the order `geomPoses` reports them. */
  movingGeomIds: number[];
  /**
   * Camera hint: the body to follow (null: fixed camera) and the plane the motion lies in
   * (`xz`: look along +y from the side; `xy`: look down; null: 3-D, use a chase camera).
   */
  view: { trackBodyId: number | null; plane: "xz" | "xy" | null };
};

/** Per-step world poses of the moving geoms, flat and step-major, rounded to 4 decimals. */
export type GeomPoses = {
  geomIds: number[];
  steps: number;
  /** [steps × geoms × 3] positions. */
  xpos: number[];
  /** [steps × geoms × 4] orientations, w x y z. */
  xquat: number[];
};

const VIEWS: Record<string, SceneDescription["view"]> = {
  Hopper: { trackBodyId: 1, plane: "xz" },
  Walker2d: { trackBodyId: 1, plane: "xz" },
  HalfCheetah: { trackBodyId: 1, plane: "xz" },
  Swimmer: { trackBodyId: 1, plane: "xy" },
  Ant: { trackBodyId: 1, plane: null },
  Reacher: { trackBodyId: null, plane: "xy" },
  InvertedPendulum: { trackBodyId: null, plane: "xz" },
  InvertedDoublePendulum: { trackBodyId: null, plane: "xz" },
};

const OBJ_BODY = 1;
const OBJ_JOINT = 3;
const OBJ_GEOM = 5;

function nums(a: ArrayLike<number>, from: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(round(a[from + i], 1e6));
  return out;
}

/** Rounded to 1/scale; −0 becomes 0 so that the JSON round-trips. */
function round(x: number, scale: number): number {
  return Math.round(x * scale) / scale + 0;
}

/** The model behind a built-in MuJoCo id or an MJCF file's id (mjcf_file.ts). */
function sceneSource(envId: string): {
  modelName: string;
  model: MjModel;
  frameSkip: number;
  view: SceneDescription["view"];
} {
  if (!isMujocoEnvId(envId) && isMjcfEnvId(envId)) {
    const info = mjcfModelInfo(envId);
    return {
      modelName: envId,
      model: info.model,
      frameSkip: info.frameSkip,
      view: guessView(info.model),
    };
  }
  const { task } = mujocoEnvClass(envId);
  return {
    modelName: task.modelName,
    model: compiledModel(task.modelName, task.xml),
    frameSkip: task.frameSkip,
    view: VIEWS[task.name] ?? { trackBodyId: null, plane: null },
  };
}

/**
 * A camera hint for a model from a file: follow body 1 when a body attached to the world moves
 * freely or slides; look down (`xy`) when every hinge turns about z, from the side (`xz`) when
 * every hinge turns about y; otherwise 3-D.
 */
function guessView(m: MjModel): SceneDescription["view"] {
  const type = m.jnt_type as Int32Array;
  const body = m.jnt_bodyid as Int32Array;
  const axis = m.jnt_axis as Float64Array;
  const parent = m.body_parentid as Int32Array;
  let roaming = false;
  let allZ = m.njnt > 0;
  let allY = m.njnt > 0;
  for (let j = 0; j < m.njnt; j++) {
    if (parent[body[j]] === 0 && (type[j] === 0 || type[j] === 2)) roaming = true;
    if (type[j] === 0 || type[j] === 1) {
      allZ = false;
      allY = false;
    } else if (type[j] === 3) {
      if (Math.abs(axis[3 * j + 2]) < 0.999) allZ = false;
      if (Math.abs(axis[3 * j + 1]) < 0.999) allY = false;
    }
  }
  return {
    trackBodyId: roaming && m.nbody > 1 ? 1 : null,
    plane: allZ ? "xy" : allY ? "xz" : null,
  };
}

/** The scene of an env id (`Hopper-v5` and `Hopper-pref-v5` share one; so may MJCF ids). */
export function sceneDescription(envId: string): SceneDescription {
  const source = sceneSource(envId);
  const m = source.model;
  const name = (type: number, id: number) => mujoco.mj_id2name(m, type, id) ?? "";
  const bodyParent = m.body_parentid as Int32Array;
  const bodyPos = m.body_pos as Float64Array;
  const bodyQuat = m.body_quat as Float64Array;
  const bodies: SceneBody[] = [];
  for (let b = 0; b < m.nbody; b++) {
    bodies.push({
      id: b,
      name: name(OBJ_BODY, b),
      parentId: bodyParent[b],
      pos: nums(bodyPos, 3 * b, 3),
      quat: nums(bodyQuat, 4 * b, 4),
    });
  }
  const jntType = m.jnt_type as Int32Array;
  const jntBody = m.jnt_bodyid as Int32Array;
  const jntAdr = m.jnt_qposadr as Int32Array;
  const jntPos = m.jnt_pos as Float64Array;
  const jntAxis = m.jnt_axis as Float64Array;
  const joints: SceneJoint[] = [];
  for (let j = 0; j < m.njnt; j++) {
    joints.push({
      id: j,
      name: name(OBJ_JOINT, j),
      type: JOINT_TYPES[jntType[j]],
      bodyId: jntBody[j],
      qposAdr: jntAdr[j],
      pos: nums(jntPos, 3 * j, 3),
      axis: nums(jntAxis, 3 * j, 3),
    });
  }
  const gType = m.geom_type as Int32Array;
  const gBody = m.geom_bodyid as Int32Array;
  const gSize = m.geom_size as Float64Array;
  const gRgba = m.geom_rgba as Float32Array;
  const gPos = m.geom_pos as Float64Array;
  const gQuat = m.geom_quat as Float64Array;
  const geoms: SceneGeom[] = [];
  const movingGeomIds: number[] = [];
  for (let g = 0; g < m.ngeom; g++) {
    geoms.push({
      id: g,
      name: name(OBJ_GEOM, g),
      type: GEOM_TYPES[gType[g]],
      bodyId: gBody[g],
      size: nums(gSize, 3 * g, 3),
      rgba: nums(gRgba, 4 * g, 4).map((x) => round(x, 1e3)),
      pos: nums(gPos, 3 * g, 3),
      quat: nums(gQuat, 4 * g, 4),
    });
    if (gBody[g] !== 0) movingGeomIds.push(g);
  }
  return {
    envId,
    model: source.modelName,
    timestep: m.opt.timestep,
    frameSkip: source.frameSkip,
    dt: m.opt.timestep * source.frameSkip,
    nq: m.nq,
    qpos0: nums(m.qpos0 as Float64Array, 0, m.nq),
    bodies,
    joints,
    geoms,
    movingGeomIds,
    view: source.view,
  };
}

const scratch = new Map<string, Sim>();

/**
 * World poses of the moving geoms for each qpos (or mujoco Frame) in `qposSteps`, by setting
 * qpos on a scratch MjData and running MuJoCo's forward kinematics (about 1 µs a step).
 */
export function geomPoses(
  envId: string,
  qposSteps: readonly (ArrayLike<number> | Frame)[],
): GeomPoses {
  const source = sceneSource(envId);
  let sim = scratch.get(source.modelName);
  if (sim === undefined) {
    sim = new Sim(source.model);
    scratch.set(source.modelName, sim);
  }
  const gBody = sim.model.geom_bodyid as Int32Array;
  const geomIds: number[] = [];
  for (let g = 0; g < sim.ngeom; g++) if (gBody[g] !== 0) geomIds.push(g);
  const xpos: number[] = [];
  const xquat: number[] = [];
  const q = [0, 0, 0, 0];
  for (const step of qposSteps) {
    const qpos = "kind" in step ? (step.kind === "mujoco" ? step.qpos : null) : step;
    if (qpos === null || qpos.length !== sim.nq) {
      throw new Error(`geomPoses(${envId}): each step needs qpos of length ${sim.nq}`);
    }
    let h = sim.heap;
    for (let i = 0; i < sim.nq; i++) h[sim.qpos + i] = qpos[i];
    mujoco.mj_kinematics(sim.model, sim.data);
    h = sim.heap;
    for (const g of geomIds) {
      const p = sim.geomXpos + 3 * g;
      xpos.push(round(h[p], 1e4), round(h[p + 1], 1e4), round(h[p + 2], 1e4));
      mat2quat(h, sim.geomXmat + 9 * g, q);
      xquat.push(round(q[0], 1e4), round(q[1], 1e4), round(q[2], 1e4), round(q[3], 1e4));
    }
  }
  return { geomIds, steps: qposSteps.length, xpos, xquat };
}

/** Unit quaternion (w, x, y, z, w ≥ 0) of the row-major rotation matrix at h[at..at+9]. */
export function mat2quat(h: ArrayLike<number>, at: number, out: number[]): void {
  const m00 = h[at];
  const m01 = h[at + 1];
  const m02 = h[at + 2];
  const m10 = h[at + 3];
  const m11 = h[at + 4];
  const m12 = h[at + 5];
  const m20 = h[at + 6];
  const m21 = h[at + 7];
  const m22 = h[at + 8];
  const trace = m00 + m11 + m22;
  let w: number;
  let x: number;
  let y: number;
  let z: number;
  if (trace > 0) {
    const s = 2 * Math.sqrt(1 + trace);
    w = s / 4;
    x = (m21 - m12) / s;
    y = (m02 - m20) / s;
    z = (m10 - m01) / s;
  } else if (m00 > m11 && m00 > m22) {
    const s = 2 * Math.sqrt(1 + m00 - m11 - m22);
    w = (m21 - m12) / s;
    x = s / 4;
    y = (m01 + m10) / s;
    z = (m02 + m20) / s;
  } else if (m11 > m22) {
    const s = 2 * Math.sqrt(1 + m11 - m00 - m22);
    w = (m02 - m20) / s;
    x = (m01 + m10) / s;
    y = s / 4;
    z = (m12 + m21) / s;
  } else {
    const s = 2 * Math.sqrt(1 + m22 - m00 - m11);
    w = (m10 - m01) / s;
    x = (m02 + m20) / s;
    y = (m12 + m21) / s;
    z = s / 4;
  }
  const sign = w < 0 ? -1 : 1;
  const n = sign / Math.hypot(w, x, y, z);
  out[0] = w * n;
  out[1] = x * n;
  out[2] = y * n;
  out[3] = z * n;
}
