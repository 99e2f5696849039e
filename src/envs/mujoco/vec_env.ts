/**
 * Many MuJoCo envs of one id stepped together in one wasm instance: each has its own MjData
 * over the shared MjModel. Episodes that end are reset inside `step` (env i continues its own
 * noise stream, seeded with seed + i at `reset`).
 */
import type { Space } from "../../core/spaces.ts";
import type { Frame } from "../../core/types.ts";
import type { EnvSpec, StepInfo, VecEnv, VecStepResult } from "../env.ts";
import { makeMujocoEnv } from "./envs.ts";
import type { MujocoEnvOptions } from "./mujoco_env.ts";

/** What batched stepping needs of an env: stepping into a shared buffer, and its last outcome. */
export type BatchableEnv = {
  readonly spec: EnvSpec;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly obsSize: number;
  readonly actSize: number;
  readonly preferenceReady: boolean;
  readonly lastReward: number;
  readonly lastTerminated: boolean;
  readonly lastTruncated: boolean;
  readonly lastHealthy: boolean;
  resetInto(out: Float32Array, offset: number, seed?: number): void;
  stepInto(action: ArrayLike<number>, out: Float32Array, offset: number): void;
  info(): StepInfo;
  frame(): Frame;
  close(): void;
};

export class MujocoVecEnv<E extends BatchableEnv = BatchableEnv> implements VecEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly obsSize: number;
  readonly actSize: number;
  /** The envs themselves, for inspection; step them only through this VecEnv. */
  readonly envs: readonly E[];
  private started = false;

  /** `numEnvs` envs of a built-in task. */
  static ofTask(
    id: string,
    numEnvs: number,
    options: Omit<MujocoEnvOptions, "preferenceReady"> = {},
  ) {
    return new MujocoVecEnv(numEnvs, () => makeMujocoEnv(id, options));
  }

  /** `numEnvs` envs, each made by `make`. */
  constructor(numEnvs: number, make: () => E) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1)
      throw new Error(`MujocoVecEnv: numEnvs must be ≥ 1, got ${numEnvs}`);
    const envs: E[] = [];
    for (let i = 0; i < numEnvs; i++) envs.push(make());
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
