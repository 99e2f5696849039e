import type { Rng } from "../core/rng.ts";
import type { Clip, Query } from "../core/types.ts";
import { randomId } from "./clips.ts";
import { samplePairs } from "./pairs.ts";
import type { QuerySelector } from "./selector.ts";

/** Pairs drawn uniformly at random: the paper's ablation of active selection, which sometimes wins. */
export class RandomSelector implements QuerySelector {
  readonly name = "random";

  select(pool: readonly Clip[], count: number, rng: Rng): Query[] {
    return samplePairs(pool, count, rng).map(({ left, right }) => ({
      id: randomId(rng),
      left,
      right,
      disagreement: 0,
    }));
  }
}
