/** Several envs stepped in turn on this thread, with autoreset inside `step`. */
import { flatSize, type Space } from "../core/spaces.ts";
import type { Frame } from "../core/types.ts";
import type { Env, EnvOptions, EnvSpec, StepInfo, VecEnv, VecStepResult } from "./env.ts";
import { makeEnv, vecFactoryFor } from "./registry.ts";

/**
 * A VecEnv over an array of envs of one kind. Buffers: `obs` (from `reset` and `step`) and each
 * `finalObs[i]` are new arrays that the caller may keep. `rewards`, `terminated`, `truncated`,
 * `unhealthy`, `finalObs` and `infos` (the containers) are reused: read or copy them before the
 * next `step`.
 */
export class SyncVecEnv implements VecEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly obsSize: number;
  readonly actSize: number;
  private readonly envs: Env[];
  /** One reusable action array per env, so that no subarray view is made per step. */
  private readonly actionBufs: Float32Array[];
  private readonly rewards: Float32Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  private readonly unhealthy: Uint8Array;
  private readonly finalObs: (Float32Array | null)[];
  private readonly infos: StepInfo[];

  constructor(envs: Env[]) {
    if (envs.length === 0) throw new Error("SyncVecEnv needs at least one env");
    const first = envs[0];
    this.spec = first.spec;
    this.observationSpace = first.observationSpace;
    this.actionSpace = first.actionSpace;
    this.obsSize = flatSize(first.observationSpace);
    this.actSize = flatSize(first.actionSpace);
    for (const env of envs) {
      if (
        env.spec.id !== first.spec.id ||
        flatSize(env.observationSpace) !== this.obsSize ||
        flatSize(env.actionSpace) !== this.actSize
      ) {
        throw new Error(`SyncVecEnv: envs differ ('${first.spec.id}' and '${env.spec.id}')`);
      }
    }
    this.envs = envs;
    this.numEnvs = envs.length;
    const n = envs.length;
    this.actionBufs = envs.map(() => new Float32Array(this.actSize));
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.unhealthy = new Uint8Array(n);
    this.finalObs = new Array<Float32Array | null>(n).fill(null);
    this.infos = new Array<StepInfo>(n).fill({});
  }

  reset(seed?: number): Float32Array {
    const obs = new Float32Array(this.numEnvs * this.obsSize);
    for (let i = 0; i < this.numEnvs; i++) {
      obs.set(this.envs[i].reset(seed === undefined ? undefined : seed + i), i * this.obsSize);
    }
    return obs;
  }

  step(actions: Float32Array): VecStepResult {
    const { numEnvs, actSize, obsSize } = this;
    if (actions.length !== numEnvs * actSize) {
      throw new Error(
        `${this.spec.id}: expected ${numEnvs * actSize} action values (${numEnvs} envs × ${actSize}), got ${actions.length}`,
      );
    }
    const obs = new Float32Array(numEnvs * obsSize);
    for (let i = 0; i < numEnvs; i++) {
      const act = this.actionBufs[i];
      for (let k = 0; k < actSize; k++) act[k] = actions[i * actSize + k];
      const env = this.envs[i];
      const r = env.step(act);
      this.rewards[i] = r.reward;
      this.terminated[i] = r.terminated ? 1 : 0;
      this.truncated[i] = r.truncated ? 1 : 0;
      this.unhealthy[i] = r.info.unhealthy ? 1 : 0;
      this.infos[i] = r.info;
      if (r.terminated || r.truncated) {
        this.finalObs[i] = r.obs;
        obs.set(env.reset(), i * obsSize);
      } else {
        this.finalObs[i] = null;
        obs.set(r.obs, i * obsSize);
      }
    }
    return {
      obs,
      rewards: this.rewards,
      terminated: this.terminated,
      truncated: this.truncated,
      finalObs: this.finalObs,
      unhealthy: this.unhealthy,
      infos: this.infos,
    };
  }

  frame(i: number): Frame {
    const env = this.envs[i];
    if (env === undefined)
      throw new Error(`${this.spec.id}: no env ${i} (numEnvs ${this.numEnvs})`);
    return env.frame();
  }

  close(): void {
    for (const env of this.envs) env.close();
  }
}

/** `numEnvs` fresh envs of a registered id, stepped together. */
export function makeVecEnv(id: string, numEnvs: number, options: EnvOptions = {}): VecEnv {
  if (!Number.isInteger(numEnvs) || numEnvs < 1) {
    throw new Error(`makeVecEnv: numEnvs must be a positive integer, got ${numEnvs}`);
  }
  const batched = vecFactoryFor(id);
  if (batched) return batched(numEnvs, options);
  const envs: Env[] = [];
  for (let i = 0; i < numEnvs; i++) envs.push(makeEnv(id, options));
  return new SyncVecEnv(envs);
}
