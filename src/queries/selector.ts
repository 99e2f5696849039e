/**
 * Query selection: which pairs of clips to ask the teacher about. Each strategy is its own class
 * behind this interface (random_selector.ts; disagreement, entropy and k-center in
 * uncertainty_selectors.ts), chosen by name.
 */
import type { Rng } from "../core/rng.ts";
import type { Clip, Query } from "../core/types.ts";
import type { PreferencePredictor } from "../reward/types.ts";
import { RandomSelector } from "./random_selector.ts";
import { DisagreementSelector, EntropySelector, KCenterSelector } from "./uncertainty_selectors.ts";

export interface QuerySelector {
  readonly name: string;
  /**
   * Up to `count` queries, each a pair of two different clips from `pool`, no pair asked twice
   * in one call (fewer only when the pool has too few distinct pairs). Query ids are unique.
   */
  select(pool: readonly Clip[], count: number, rng: Rng): Query[];
}

export const selectorNames = ["random", "disagreement", "entropy", "kcenter"] as const;
export type SelectorName = (typeof selectorNames)[number];

const uncertain = {
  disagreement: DisagreementSelector,
  entropy: EntropySelector,
  kcenter: KCenterSelector,
} as const;

/** The selector called `name`; all but "random" need the reward ensemble they ask. */
export function makeSelector(name: string, ensemble?: PreferencePredictor): QuerySelector {
  if (name === "random") return new RandomSelector();
  if (name in uncertain) {
    if (!ensemble) throw new Error(`makeSelector: '${name}' needs the reward ensemble to ask`);
    return new uncertain[name as keyof typeof uncertain](ensemble);
  }
  throw new Error(`unknown query selector '${name}'; choose one of: ${selectorNames.join(", ")}`);
}
