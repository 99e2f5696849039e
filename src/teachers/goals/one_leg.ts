/**
 * "Move forward on one leg" for HalfCheetah: a per-step score for a scripted goal teacher.
 *
 * The cheetah should run forward on its back leg alone, keeping the FRONT foot off the ground.
 * Each step scores its forward velocity (`x_velocity`, m/s) while the front foot is in the air,
 * and a fixed penalty (default −1, about a slow walk backwards) on any step where the front foot
 * (`contact.ffoot`) touches the floor, so that summed over a clip, a clip that never touches
 * with the front foot beats one that runs as fast but puts it down. The back foot may touch.
 *
 * Needs the clip's signals from HalfCheetah-v5 or HalfCheetah-pref-v5.
 */
import type { Clip } from "../../core/types.ts";
import {
  type EpisodeCounter,
  type GoalMeasure,
  requireSignal,
  type StepSignals,
} from "./measures.ts";

export type OneLegOptions = {
  /** Score of a step whose front foot touches the floor (default −1). */
  touchPenalty?: number;
};

export function oneLegScore(clip: Clip, options: OneLegOptions = {}): Float32Array {
  const touchPenalty = options.touchPenalty ?? -1;
  const velocity = clip.signals?.x_velocity;
  const front = clip.signals?.["contact.ffoot"];
  if (velocity === undefined || front === undefined) {
    throw new Error(
      `oneLegScore needs HalfCheetah clips with signals x_velocity and contact.ffoot (clip ${clip.id} of ${clip.envId})`,
    );
  }
  const steps = clip.rewards.length;
  if (velocity.length !== steps || front.length !== steps) {
    throw new Error(`oneLegScore: clip ${clip.id} has ${steps} steps but signals of other lengths`);
  }
  const out = new Float32Array(steps);
  for (let t = 0; t < steps; t++) out[t] = front[t] > 0.5 ? touchPenalty : velocity[t];
  return out;
}

/** HalfCheetah-v5's step: frame skip 5 at 10 ms. */
const HALF_CHEETAH_DT = 0.05;

/**
 * Metres run forward on one leg: the forward distance covered on steps whose front foot is off
 * the ground (from `x_velocity` and `contact.ffoot`). Steps backwards or with the front foot
 * down add nothing.
 */
export class OneLegDistance implements EpisodeCounter {
  private metres = 0;

  step(signals: StepSignals): void {
    const velocity = requireSignal(signals, "x_velocity", "metres on one leg");
    const front = requireSignal(signals, "contact.ffoot", "metres on one leg");
    if (front <= 0.5 && velocity > 0) this.metres += velocity * HALF_CHEETAH_DT;
  }

  get value(): number {
    return this.metres;
  }
}

export const metresOnOneLeg: GoalMeasure = {
  label: "metres on one leg",
  counter: () => new OneLegDistance(),
};
