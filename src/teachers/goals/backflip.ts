/**
 * The Hopper backflip goal of Christiano et al. (2017), as a per-step score a scripted goal
 * teacher can sum over a clip. The formula is the original work's, on Gymnasium's standard
 * 11-number Hopper observation `ob` (qpos[1:] then qvel, so ob[5] is the x velocity, ob[7] the
 * torso's angular velocity and ob[8..10] the joint velocities) and the action `a`:
 *
 *   backroll  = −ob[7]                 (rotating backwards)
 *   height    = ob[0]
 *   vel_act   = a[0]·ob[8] + a[1]·ob[9] + a[2]·ob[10]
 *   backslide = −ob[5]
 *   score     = backroll · (1 + 0.3·height + 0.1·vel_act + 0.05·backslide)
 */
import type { Clip } from "../../core/types.ts";

export const HOPPER_OBS_SIZE = 11;
export const HOPPER_ACT_SIZE = 3;

/** The backflip score of one step. */
export function backflipStepScore(ob: ArrayLike<number>, a: ArrayLike<number>): number {
  const backroll = -ob[7];
  const height = ob[0];
  const velAct = a[0] * ob[8] + a[1] * ob[9] + a[2] * ob[10];
  const backslide = -ob[5];
  return backroll * (1 + 0.3 * height + 0.1 * velAct + 0.05 * backslide);
}

/** Per-step backflip scores of a Hopper clip (Hopper-v5 or Hopper-pref-v5 observations). */
export function backflipScore(clip: Clip): Float32Array {
  if (clip.obsSize !== HOPPER_OBS_SIZE || clip.actSize !== HOPPER_ACT_SIZE) {
    throw new Error(
      `backflipScore needs Hopper clips (obs 11, action 3); clip ${clip.id} of ${clip.envId} has obs ${clip.obsSize}, action ${clip.actSize}`,
    );
  }
  const steps = clip.rewards.length;
  const out = new Float32Array(steps);
  for (let t = 0; t < steps; t++) {
    const ob = clip.obs.subarray(t * HOPPER_OBS_SIZE, (t + 1) * HOPPER_OBS_SIZE);
    const a = clip.actions.subarray(t * HOPPER_ACT_SIZE, (t + 1) * HOPPER_ACT_SIZE);
    out[t] = backflipStepScore(ob, a);
  }
  return out;
}
