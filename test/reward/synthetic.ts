/** Synthetic clips whose true reward is known, for testing the reward model. */
import { Rng } from "../../src/core/rng.ts";
import type { Answer, Clip } from "../../src/core/types.ts";
import type { LabelledPair } from "../../src/reward/index.ts";

export type TrueReward = (obs: Float32Array, action: Float32Array) => number;

let nextId = 0;

/** A clip of `steps` steps: observations drift as a random walk, actions are uniform in ±1. */
export function syntheticClip(
  rng: Rng,
  reward: TrueReward,
  opts: { steps?: number; obsSize?: number; actSize?: number } = {},
): Clip {
  const { steps = 25, obsSize = 3, actSize = 1 } = opts;
  const obs = new Float32Array(steps * obsSize);
  const actions = new Float32Array(steps * actSize);
  const rewards = new Float32Array(steps);
  const state = Array.from({ length: obsSize }, () => rng.normal());
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < obsSize; i++) {
      state[i] = 0.8 * state[i] + 0.6 * rng.normal();
      obs[t * obsSize + i] = state[i];
    }
    for (let i = 0; i < actSize; i++) actions[t * actSize + i] = rng.uniform(-1, 1);
    rewards[t] = reward(
      obs.subarray(t * obsSize, (t + 1) * obsSize),
      actions.subarray(t * actSize, (t + 1) * actSize),
    );
  }
  return {
    id: `syn${nextId++}`,
    envId: "Synthetic-v0",
    obs,
    obsSize,
    actions,
    actSize,
    rewards,
    frames: [],
    policyVersion: 0,
    envStep: 0,
  };
}

export function trueReturn(clip: Clip): number {
  let s = 0;
  for (const r of clip.rewards) s += r;
  return s;
}

/** The oracle's answer: the clip with the higher true return; `equal` within `tie`. */
export function oracle(left: Clip, right: Clip, tie = 0): Answer {
  const d = trueReturn(left) - trueReturn(right);
  if (Math.abs(d) <= tie) return "equal";
  return d > 0 ? "left" : "right";
}

/** `n` pairs of fresh clips labelled by the oracle. */
export function labelledPairs(
  rng: Rng,
  reward: TrueReward,
  n: number,
  opts: { steps?: number; obsSize?: number; actSize?: number } = {},
): LabelledPair[] {
  return Array.from({ length: n }, () => {
    const left = syntheticClip(rng, reward, opts);
    const right = syntheticClip(rng, reward, opts);
    return { left, right, answer: oracle(left, right) };
  });
}

/** A random linear reward w·[obs, action] with standard-normal weights. */
export function randomLinearReward(rng: Rng, obsSize: number, actSize: number): TrueReward {
  const w = Array.from({ length: obsSize + actSize }, () => rng.normal());
  return (obs, action) => {
    let r = 0;
    for (let i = 0; i < obsSize; i++) r += w[i] * obs[i];
    for (let i = 0; i < actSize; i++) r += w[obsSize + i] * action[i];
    return r;
  };
}

export const seeded = (seed: number) => new Rng(seed);

/** Share of pairs whose order by predicted return matches the order by true return. */
export function rankingAccuracy(
  model: { predictReturns(clips: readonly Clip[]): Float64Array },
  pairs: LabelledPair[],
): number {
  const left = model.predictReturns(pairs.map((p) => p.left));
  const right = model.predictReturns(pairs.map((p) => p.right));
  let correct = 0;
  pairs.forEach((p, i) => {
    if (left[i] > right[i] === trueReturn(p.left) > trueReturn(p.right)) correct += 1;
  });
  return correct / pairs.length;
}
