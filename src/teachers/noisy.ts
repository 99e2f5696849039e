/**
 * B-Pref's simulated teacher (Lee et al., 2021, "B-Pref: Benchmarking Preference-Based
 * Reinforcement Learning", §3.2). With the default options it is the oracle.
 */

import { Rng } from "../core/rng.ts";
import type { Answer, Clip, Preference, Query, Teacher } from "../core/types.ts";
import { type ClipScorer, clipReturn, scoreClip, trueReward } from "./scorer.ts";

export type NoiseOptions = {
  /** Rationality β: P(left) = σ(β·(R_left − R_right)). Infinity: always the better clip. 0: a coin. */
  beta?: number;
  /** Myopia γ: step k of H weighs γ^(H−1−k) in the choice. 1: not myopic. */
  gamma?: number;
  /** Answer cant_tell when both clips' returns are below this. −Infinity: never skip. */
  skipThreshold?: number;
  /** Answer equal when |R_left − R_right| ≤ this. 0: only exact ties; negative: never. */
  equalThreshold?: number;
  /** Probability ε of flipping a left/right answer (a slip of the hand). */
  mistakeProb?: number;
};

export type NoisyTeacherOptions = NoiseOptions & {
  /** Defaults to the true reward. */
  scorer?: ClipScorer;
  /** Random stream for the stochastic choice and mistakes; defaults to `new Rng(0)`. */
  rng?: Rng;
  /** Labeller name written into preferences; defaults to "noisy". */
  name?: string;
  /** Clock for `Preference.time`; defaults to Date.now. */
  now?: () => number;
};

export const ORACLE_NOISE: Required<NoiseOptions> = {
  beta: Number.POSITIVE_INFINITY,
  gamma: 1,
  skipThreshold: Number.NEGATIVE_INFINITY,
  equalThreshold: 0,
  mistakeProb: 0,
};

export class NoisyTeacher implements Teacher {
  readonly name: string;
  readonly noise: Readonly<Required<NoiseOptions>>;
  private readonly scorer: ClipScorer;
  private readonly rng: Rng;
  private readonly now: () => number;

  constructor(options: NoisyTeacherOptions = {}) {
    const noise = { ...ORACLE_NOISE };
    for (const key of Object.keys(ORACLE_NOISE) as (keyof NoiseOptions)[]) {
      const value = options[key];
      if (value !== undefined) noise[key] = value;
    }
    validateNoise(noise);
    this.noise = noise;
    this.name = options.name ?? "noisy";
    this.scorer = options.scorer ?? trueReward;
    this.rng = options.rng ?? new Rng(0);
    this.now = options.now ?? Date.now;
  }

  /** One answer, applying B-Pref's steps in order: skip, equal, choice, mistake. */
  choose(left: Clip, right: Clip): Answer {
    const { beta, gamma, skipThreshold, equalThreshold, mistakeProb } = this.noise;
    const scoresL = scoreClip(this.scorer, left);
    const scoresR = scoreClip(this.scorer, right);
    // Skip and equal look at the plain returns, as in B-Pref; myopia acts on the choice only.
    const returnL = clipReturn(scoresL);
    const returnR = clipReturn(scoresR);
    if (returnL < skipThreshold && returnR < skipThreshold) return "cant_tell";
    if (Math.abs(returnL - returnR) <= equalThreshold) return "equal";

    const delta = clipReturn(scoresL, gamma) - clipReturn(scoresR, gamma);
    let answer: "left" | "right";
    if (beta === Number.POSITIVE_INFINITY) {
      if (delta === 0) return "equal";
      answer = delta > 0 ? "left" : "right";
    } else {
      answer = this.rng.random() < sigmoid(beta * delta) ? "left" : "right";
    }
    if (mistakeProb > 0 && this.rng.random() < mistakeProb) {
      answer = answer === "left" ? "right" : "left";
    }
    return answer;
  }

  async label(queries: Query[]): Promise<Preference[]> {
    const time = this.now();
    return queries.map((q) => ({
      queryId: q.id,
      answer: this.choose(q.left, q.right),
      labeller: this.name,
      time,
    }));
  }
}

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function validateNoise(n: Required<NoiseOptions>): void {
  const fail = (what: string) => {
    throw new Error(`noisy teacher: ${what}`);
  };
  if (!(n.beta >= 0))
    fail(`beta must be ≥ 0 (Infinity for a deterministic teacher), not ${n.beta}`);
  if (!(n.gamma >= 0 && n.gamma <= 1)) fail(`gamma must be in [0, 1], not ${n.gamma}`);
  if (!(n.mistakeProb >= 0 && n.mistakeProb <= 1)) {
    fail(`mistakeProb must be in [0, 1], not ${n.mistakeProb}`);
  }
  if (Number.isNaN(n.skipThreshold)) fail("skipThreshold must be a number");
  if (Number.isNaN(n.equalThreshold)) fail("equalThreshold must be a number");
}
