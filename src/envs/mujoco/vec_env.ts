/**
 * Many MuJoCo envs of one id stepped together in one wasm instance: each has its own MjData
 * over the shared MjModel. Episodes that end are reset inside `step` (env i continues its own
 * noise stream, seeded with seed + i at `reset`).
 */
import type { Space } from "../../core/spaces.ts";
import type { Frame } from "../../core/types.ts";
import type { EnvSpec, StepInfo, VecEnv, VecStepResult } from "../env.ts";
import { makeMujocoEnv } from "./envs.ts";
import type { MujocoEnv, MujocoEnvOptions } from "./mujoco_env.ts";

export class MujocoVecEnv implements VecEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly obsSize: number;
  readonly actSize: number;
  /** The envs themselves, for inspection; step them only through this VecEnv. */
  readonly envs: readonly MujocoEnv[];
  private started = false;

  constructor(
    id: string,
    numEnvs: number,
    options: Omit<MujocoEnvOptions, "preferenceReady"> = {},
  ) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1)
      throw new Error(`MujocoVecEnv: numEnvs must be ≥ 1, got ${numEnvs}`);
    const envs: MujocoEnv[] = [];
    for (let i = 0; i < numEnvs; i++) envs.push(makeMujocoEnv(id, options));
    this.envs = envs;
    const first = envs[0];
    this.spec = first.spec;
    this.numEnvs = numEnvs;
    this.observationSpace = first.observationSpace;
    this.actionSpace = first.actionSpace;
    this.obsSize = first.obsSize;
    this.actSize = first.actSize;
  }

  reset(seed?: number): Float32Array {
    const obs = new Float32Array(this.numEnvs * this.obsSize);
    for (let i = 0; i < this.numEnvs; i++) {
      this.envs[i].resetInto(obs, i * this.obsSize, seed === undefined ? undefined : seed + i);
    }
    this.started = true;
    return obs;
  }

  step(actions: Float32Array): VecStepResult {
    if (!this.started) throw new Error(`${this.spec.id}: call reset() before step()`);
    const n = this.numEnvs;
    const { obsSize, actSize } = this;
    if (actions.length !== n * actSize) {
      throw new Error(
        `${this.spec.id}: actions need ${n}×${actSize} numbers, got ${actions.length}`,
      );
    }
    const obs = new Float32Array(n * obsSize);
    const rewards = new Float32Array(n);
    const terminated = new Uint8Array(n);
    const truncated = new Uint8Array(n);
    const unhealthy = new Uint8Array(n);
    const finalObs: (Float32Array | null)[] = new Array(n).fill(null);
    const infos: StepInfo[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const env = this.envs[i];
      const off = i * obsSize;
      env.stepInto(actions.subarray(i * actSize, (i + 1) * actSize), obs, off);
      rewards[i] = env.lastReward;
      terminated[i] = env.lastTerminated ? 1 : 0;
      truncated[i] = env.lastTruncated ? 1 : 0;
      unhealthy[i] = env.preferenceReady && !env.lastHealthy ? 1 : 0;
      infos[i] = env.info();
      if (env.lastTerminated || env.lastTruncated) {
        finalObs[i] = obs.slice(off, off + obsSize);
        env.resetInto(obs, off);
      }
    }
    return { obs, rewards, terminated, truncated, finalObs, unhealthy, infos };
  }

  frame(i: number): Frame {
    return this.envs[i].frame();
  }

  close(): void {
    for (const env of this.envs) env.close();
  }
}
