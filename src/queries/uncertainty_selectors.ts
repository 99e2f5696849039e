import type { Rng } from "../core/rng.ts";
import type { Clip, Query } from "../core/types.ts";
import type { ClipPair, PreferencePredictor } from "../reward/types.ts";
import { randomId } from "./clips.ts";
import { samplePairs } from "./pairs.ts";
import type { QuerySelector } from "./selector.ts";

/** Candidate pairs sampled per query wanted (paper: about 10). */
const CANDIDATE_FACTOR = 10;

/**
 * Samples CANDIDATE_FACTOR× more candidate pairs than needed, scores each from the members'
 * P̂[left ≻ right], and keeps the `count` highest-scoring pairs. Each query's `disagreement` is
 * the members' variance, whatever the score.
 */
function keepMostUncertain(
  ensemble: PreferencePredictor,
  pool: readonly Clip[],
  count: number,
  rng: Rng,
  score: (memberProbs: number[]) => number,
): Query[] {
  const candidates = samplePairs(pool, count * CANDIDATE_FACTOR, rng);
  if (candidates.length === 0) return [];
  const probs = ensemble.preferenceProbabilities(candidates);
  const scored = candidates.map((pair, i) => {
    const memberProbs = probs.map((p) => p[i]);
    return { pair, score: score(memberProbs), disagreement: variance(memberProbs) };
  });
  scored.sort((a, b) => b.score - a.score);
  return scored.slice(0, count).map(({ pair, disagreement }) => ({
    id: randomId(rng),
    left: pair.left,
    right: pair.right,
    disagreement,
  }));
}

/**
 * Active selection (Christiano et al. 2017, §2.2.4): the candidate pairs where the members
 * disagree most, by the variance of their P̂[left ≻ right].
 */
export class DisagreementSelector implements QuerySelector {
  readonly name = "disagreement";

  constructor(private readonly ensemble: PreferencePredictor) {}

  select(pool: readonly Clip[], count: number, rng: Rng): Query[] {
    return keepMostUncertain(this.ensemble, pool, count, rng, variance);
  }
}

/**
 * Entropy selection (B-Pref, Lee et al. 2021): the candidate pairs whose ensemble-mean
 * P̂[left ≻ right] is closest to ½, i.e. of the highest binary entropy: the model cannot tell
 * which clip is better, whether or not its members agree on that.
 */
export class EntropySelector implements QuerySelector {
  readonly name = "entropy";

  constructor(private readonly ensemble: PreferencePredictor) {}

  select(pool: readonly Clip[], count: number, rng: Rng): Query[] {
    return keepMostUncertain(this.ensemble, pool, count, rng, (p) => binaryEntropy(mean(p)));
  }
}

/**
 * k-center diversity with disagreement (B-Pref's best "KCenter + disagreement"): of the candidate
 * pairs, the half where the members disagree most, then from those, greedily, the pair farthest
 * from every pair chosen so far (by the clips' mean observations), starting from the most
 * disagreed-on. The batch covers different situations instead of many near-copies of one.
 */
export class KCenterSelector implements QuerySelector {
  readonly name = "kcenter";

  constructor(private readonly ensemble: PreferencePredictor) {}

  select(pool: readonly Clip[], count: number, rng: Rng): Query[] {
    const shortlist = keepMostUncertain(
      this.ensemble,
      pool,
      Math.max(count, Math.ceil((count * CANDIDATE_FACTOR) / 2)),
      rng,
      variance,
    );
    if (shortlist.length <= count) return shortlist;
    const features = shortlist.map(pairFeatures);
    const chosen = [0];
    const nearest = features.map((f) => distance2(f, features[0]));
    while (chosen.length < count) {
      let best = -1;
      for (let i = 0; i < shortlist.length; i++) {
        if (nearest[i] > 0 && (best < 0 || nearest[i] > nearest[best])) best = i;
      }
      if (best < 0) break; // every remaining pair duplicates a chosen one
      chosen.push(best);
      for (let i = 0; i < shortlist.length; i++) {
        nearest[i] = Math.min(nearest[i], distance2(features[i], features[best]));
      }
    }
    return chosen.map((i) => shortlist[i]);
  }
}

/** The two clips' mean observations, the clip with the smaller id first (order-free). */
function pairFeatures({ left, right }: ClipPair): Float64Array {
  const [a, b] = left.id < right.id ? [left, right] : [right, left];
  const d = a.obsSize;
  const out = new Float64Array(2 * d);
  for (const [k, clip] of [a, b].entries()) {
    const rows = clip.obs.length / d;
    for (let t = 0; t < rows; t++) {
      for (let j = 0; j < d; j++) out[k * d + j] += clip.obs[t * d + j] / rows;
    }
  }
  return out;
}

function distance2(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length > 0 ? s / xs.length : 0;
}

/** Population variance (0 for a single member). */
export function variance(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return s / xs.length;
}

/** Entropy in nats of a coin that lands heads with probability p. */
export function binaryEntropy(p: number): number {
  if (p <= 0 || p >= 1) return 0;
  return -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
}
