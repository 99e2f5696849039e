import { Rng } from "../../src/core/rng.ts";
import type { MujocoEnv } from "../../src/envs/mujoco/mujoco_env.ts";

/** A uniform random action inside the env's action box. */
export function randomAction(env: MujocoEnv, rng: Rng): Float32Array {
  const { low, high } = env.actionSpace;
  const a = new Float32Array(low.length);
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(low[i], high[i]);
  return a;
}

/**
 * The MuJoCo state read through mujoco-js's own property getters, not the env's cached heap
 * addresses, so the checks below do not trust the code they test.
 */
export type Snapshot = {
  qpos: Float64Array;
  qvel: Float64Array;
  xpos: Float64Array;
  siteXpos: Float64Array;
  cfrcExt: Float64Array;
  qfrcConstraint: Float64Array;
};

export function snapshot(env: MujocoEnv): Snapshot {
  const d = env.sim.data;
  return {
    qpos: Float64Array.from(d.qpos as Float64Array),
    qvel: Float64Array.from(d.qvel as Float64Array),
    xpos: Float64Array.from(d.xpos as Float64Array),
    siteXpos: Float64Array.from(d.site_xpos as Float64Array),
    cfrcExt: Float64Array.from(d.cfrc_ext as Float64Array),
    qfrcConstraint: Float64Array.from(d.qfrc_constraint as Float64Array),
  };
}

export function sumSq(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s;
}

export function clip(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

export { Rng };
