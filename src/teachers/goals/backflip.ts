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
import {
  type EpisodeCounter,
  type GoalMeasure,
  requireSignal,
  type StepSignals,
} from "./measures.ts";

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

/** The torso is upright when its angle is within this of a whole turn (rad, about 23°). */
const UPRIGHT_TOLERANCE = 0.4;
/** …and the robot is on its foot when the torso is this high (Hopper's own healthy z). */
const STANDING_HEIGHT = 0.7;
/** Both must hold this many steps in a row (0.12 s at dt 0.008) for a landing to count. */
const LANDING_STEPS = 15;

/**
 * Landed backflips: backward turns of the Hopper's torso, each counted when the robot lands
 * upright on its foot after it (upright and standing for LANDING_STEPS steps). A turn that ends
 * in a fall or on its back is not counted; nor is a forward turn, which resets the reference so
 * that later backflips count again. A landing after two whole turns counts two. From the
 * unwrapped `torso_angle` (the hinge angle, which grows as the torso pitches forward) and
 * `height` signals of Hopper-v5 / Hopper-pref-v5.
 */
export class LandedFlipCounter implements EpisodeCounter {
  private turn: number | null = null;
  private held = 0;
  private flips = 0;

  step(signals: StepSignals): void {
    const angle = requireSignal(signals, "torso_angle", "landed backflips");
    const height = requireSignal(signals, "height", "landed backflips");
    const nearest = Math.round(angle / (2 * Math.PI));
    const upright = Math.abs(angle - nearest * 2 * Math.PI) < UPRIGHT_TOLERANCE;
    this.turn ??= nearest;
    this.held = upright && height > STANDING_HEIGHT ? this.held + 1 : 0;
    if (this.held >= LANDING_STEPS && nearest !== this.turn) {
      if (nearest < this.turn) this.flips += this.turn - nearest;
      this.turn = nearest;
    }
  }

  get value(): number {
    return this.flips;
  }
}

export const landedBackflips: GoalMeasure = {
  label: "landed backflips",
  counter: () => new LandedFlipCounter(),
};
