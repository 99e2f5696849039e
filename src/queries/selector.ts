/**
 * Query selection: which pairs of clips to ask the teacher about. Each strategy is its own class
 * behind this interface (random_selector.ts, disagreement_selector.ts), chosen by name.
 */
import type { Rng } from "../core/rng.ts";
import type { Clip, Query } from "../core/types.ts";
import type { PreferencePredictor } from "../reward/types.ts";
import { DisagreementSelector } from "./disagreement_selector.ts";
import { RandomSelector } from "./random_selector.ts";

export interface QuerySelector {
  readonly name: string;
  /**
   * Up to `count` queries, each a pair of two different clips from `pool`, no pair asked twice
   * in one call (fewer only when the pool has too few distinct pairs). Query ids are unique.
   */
  select(pool: readonly Clip[], count: number, rng: Rng): Query[];
}

export const selectorNames = ["random", "disagreement"] as const;
export type SelectorName = (typeof selectorNames)[number];

/** The selector called `name`; "disagreement" needs the reward ensemble it asks. */
export function makeSelector(name: string, ensemble?: PreferencePredictor): QuerySelector {
  switch (name) {
    case "random":
      return new RandomSelector();
    case "disagreement":
      if (!ensemble) {
        throw new Error("makeSelector: 'disagreement' needs the reward ensemble to ask");
      }
      return new DisagreementSelector(ensemble);
    default:
      throw new Error(
        `unknown query selector '${name}'; choose one of: ${selectorNames.join(", ")}`,
      );
  }
}
