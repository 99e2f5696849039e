import type { Rng } from "../core/rng.ts";
import type { Clip, Query } from "../core/types.ts";
import type { PreferencePredictor } from "../reward/types.ts";
import { randomId } from "./clips.ts";
import { samplePairs } from "./pairs.ts";
import type { QuerySelector } from "./selector.ts";

/**
 * Active selection (Christiano et al. 2017, §2.2.4): sample about `candidateFactor` times more
 * candidate pairs than needed, ask each ensemble member for P̂[left ≻ right], and keep the pairs
 * where the members disagree most (highest variance of that prediction across members).
 */
export class DisagreementSelector implements QuerySelector {
  readonly name = "disagreement";

  constructor(
    private readonly ensemble: PreferencePredictor,
    /** Candidate pairs sampled per query wanted (paper: about 10). */
    private readonly candidateFactor = 10,
  ) {}

  select(pool: readonly Clip[], count: number, rng: Rng): Query[] {
    const candidates = samplePairs(pool, count * this.candidateFactor, rng);
    if (candidates.length === 0) return [];
    const probs = this.ensemble.preferenceProbabilities(candidates);
    const scored = candidates.map((pair, i) => ({
      pair,
      variance: variance(probs.map((p) => p[i])),
    }));
    scored.sort((a, b) => b.variance - a.variance);
    return scored.slice(0, count).map(({ pair, variance: v }) => ({
      id: randomId(rng),
      left: pair.left,
      right: pair.right,
      disagreement: v,
    }));
  }
}

/** Population variance (0 for a single member). */
export function variance(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let s = 0;
  for (const x of xs) s += (x - mean) ** 2;
  return s / xs.length;
}
