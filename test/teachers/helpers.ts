import type { Clip, Query } from "../../src/core/types.ts";

/** A clip with the given per-step rewards (and nothing else of interest). */
export function rewardClip(id: string, rewards: number[]): Clip {
  const steps = rewards.length;
  return {
    id,
    envId: "Test-v0",
    obs: new Float32Array(steps),
    obsSize: 1,
    actions: new Float32Array(steps),
    actSize: 1,
    rewards: Float32Array.from(rewards),
    frames: [],
    policyVersion: 0,
    envStep: 0,
  };
}

export function pair(id: string, left: number[], right: number[]): Query {
  return {
    id,
    left: rewardClip(`${id}-L`, left),
    right: rewardClip(`${id}-R`, right),
    disagreement: 0,
  };
}
