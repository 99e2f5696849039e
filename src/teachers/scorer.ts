/** What a synthetic teacher judges a clip by: a score per step, summed over the clip. */
import type { Clip } from "../core/types.ts";

/** A per-step score for a clip, seen by the teacher in place of (or as) the true reward. */
export type ClipScorer = (clip: Clip) => Float32Array;

/** The default scorer: the clip's true environment reward. */
export const trueReward: ClipScorer = (clip) => clip.rewards;

/**
 * Σ_k γ^(H−1−k)·score[k] over a clip of H steps: γ = 1 is the plain return; γ < 1 is B-Pref's
 * myopic teacher, who weighs the end of the clip most.
 */
export function clipReturn(scores: Float32Array, gamma = 1): number {
  let total = 0;
  if (gamma === 1) {
    for (let k = 0; k < scores.length; k++) total += scores[k];
  } else {
    let weight = 1;
    for (let k = scores.length - 1; k >= 0; k--) {
      total += weight * scores[k];
      weight *= gamma;
    }
  }
  return total;
}

/** Scores a clip and checks the result is usable. */
export function scoreClip(scorer: ClipScorer, clip: Clip): Float32Array {
  const scores = scorer(clip);
  for (let k = 0; k < scores.length; k++) {
    if (Number.isNaN(scores[k])) {
      throw new Error(`the teacher's scorer returned NaN at step ${k} of clip '${clip.id}'`);
    }
  }
  return scores;
}
