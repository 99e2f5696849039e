/**
 * A goal for the point reacher (./env.ts): "hold at the target". A goal is what a synthetic
 * teacher judges clips by when the env's reward is not what is wanted: a scorer from a clip to a
 * score per step, summed over the clip, as Backflip's built-in goals (e.g. `backflip`). The
 * default export names the goal and gives its scorer and the rubric a person would read. Teach
 * it with
 *
 *   backflip train --env ./examples/point_reacher/env.ts --teacher goal:./examples/point_reacher/goal.ts
 *
 * Each step scores −(distance to the target) − 0.5·(speed): a point that sits still on the
 * target scores 0, one that rushes past it or circles it scores less than one that stops, so the
 * teacher prefers clips where the agent reaches the target and holds there. It reads only the
 * observation [x, y, vx, vy, tx, ty], so it scores any run of steps, not just the env's clips.
 */
import type { Clip } from "../../src/core/types.ts";

export const OBS_SIZE = 6;
/** Weight of the speed: how much the teacher cares that the point stays still. */
export const SPEED_WEIGHT = 0.5;

/** The score of one step from its observation. */
export function holdStepScore(ob: ArrayLike<number>): number {
  const distance = Math.hypot(ob[0] - ob[4], ob[1] - ob[5]);
  const speed = Math.hypot(ob[2], ob[3]);
  return -distance - SPEED_WEIGHT * speed;
}

/** Per-step scores of a point-reacher clip. */
export function holdAtTarget(clip: Clip): Float32Array {
  if (clip.obsSize !== OBS_SIZE) {
    throw new Error(
      `holdAtTarget needs PointReacher clips (obs [x, y, vx, vy, tx, ty]); clip ${clip.id} of ${clip.envId} has obs size ${clip.obsSize}`,
    );
  }
  const steps = clip.obs.length / OBS_SIZE;
  const out = new Float32Array(steps);
  for (let t = 0; t < steps; t++) {
    out[t] = holdStepScore(clip.obs.subarray(t * OBS_SIZE, (t + 1) * OBS_SIZE));
  }
  return out;
}

export default {
  name: "point-reacher-hold",
  scorer: holdAtTarget,
  rubric:
    "The blue point should reach the green ring and stay there, still. Prefer the clip where it ends up inside the ring and stops; if neither gets there, prefer the one that gets closer.",
};
