/**
 * A goal module: teach HalfCheetah to run backwards.
 *
 * Each step scores −(x velocity) in m/s, so summed over a clip, the clip that covers more ground
 * backwards wins, whatever the legs do. The velocity is HalfCheetah's `x_velocity` signal (the
 * torso's x displacement over the step / dt, the same number the forward task rewards); a clip
 * without it falls back on the observation, where HalfCheetah-v5 keeps qvel[0], the root's x
 * velocity, at index 8 (obs = qpos[1:] then qvel).
 *
 *   npx backflip train --env HalfCheetah-v5 --teacher goal:./examples/halfcheetah_backwards.ts \
 *     --labels 700 --steps 1000000
 *
 * A goal is taught on the preference-ready task (HalfCheetah-pref-v5), and `backflip eval` of
 * the run reports the goal's measure: the summed score, i.e. −(distance run forward) / dt.
 */
import type { Clip } from "../src/core/types.ts";

/** HalfCheetah-v5's observation: qpos[1:] (8 numbers) then qvel (9), so qvel[0] is obs[8]. */
const OBS_SIZE = 17;
const X_VELOCITY_INDEX = 8;

export function backwardsScore(clip: Clip): Float32Array {
  const steps = clip.rewards.length;
  const out = new Float32Array(steps);
  const velocity = clip.signals?.x_velocity;
  if (velocity !== undefined) {
    for (let t = 0; t < steps; t++) out[t] = -velocity[t];
    return out;
  }
  if (clip.obsSize !== OBS_SIZE) {
    throw new Error(
      `needs HalfCheetah clips (signal x_velocity, or 17 observations); ${clip.envId} has ${clip.obsSize}`,
    );
  }
  for (let t = 0; t < steps; t++) out[t] = -clip.obs[t * OBS_SIZE + X_VELOCITY_INDEX];
  return out;
}

export default {
  name: "halfcheetah-backwards",
  scorer: backwardsScore,
  rubric: "Prefer the clip where the cheetah runs backwards (to the left) faster.",
};
