/**
 * How the reward ensemble learns from labelled pairs (Christiano et al. 2017, §2.2.3 and App. A),
 * kept apart from the model itself. One `train` call:
 *
 *   1. turns the answers into examples (cant_tell is skipped; equal is μ = ½);
 *   2. gives each member its view: a held-out validation share and a bootstrap resample of the
 *      rest (bootstrap.ts), stable across calls;
 *   3. takes Adam steps, every member on a minibatch from its own resample, optionally with
 *      SURF's two additions (Park et al. 2022): confident pseudo-labels on unlabelled pairs of
 *      the pool (`pseudoLabels`), and temporal cropping of each pair (`cropFraction`);
 *   4. evaluates the members on the examples (or, with `evalPairs`, on a random sample of them):
 *      renormalises each member over those clips' steps, adapts each L2 weight to keep
 *      validation / training loss in its band, and measures held-out ranking accuracy.
 *
 * The model's parameters, optimiser, L2 weights, normalisation and generator stay in
 * `RewardEnsemble`, which saves them; the trainer holds no state of its own between calls.
 */
import type { Rng } from "../core/rng.ts";
import { answerTarget, type Clip, clipLength } from "../core/types.ts";
import { bootstrapCount, isValidation, pairKey } from "./bootstrap.ts";
import { bradleyTerryLossHost } from "./bradley_terry.ts";
import type { LabelledPair, RewardTrainResult } from "./types.ts";

/**
 * Adam steps per full l2Factor of L2 change. The weight follows the validation / training loss
 * ratio only as fast as training can answer it: when it moved a whole factor per call, a run
 * whose 100 pretraining steps overfit its first 87 labels (ratio 1.75) kept multiplying it at
 * every 4-step call before the fit could respond, to 0.2–1.7 within 130k steps, and r̂ went flat
 * (Hopper, 350 labels: clip correlation 0.1, return 17% of true-reward PPO).
 */
const L2_FACTOR_STEPS = 100;

/** One trainable pair: its clips and the target probability μ₁ that the left one is better. */
export type Example = { key: string; left: Clip; right: Clip; mu1: number; strict: boolean };

/**
 * A member's view of the examples: `heldOut[i]` marks its validation pairs, `count[i]` how often
 * a training pair appears in its bootstrap resample, and `draws` that resample as indices.
 */
export type MemberView = { heldOut: Uint8Array; count: Uint8Array; draws: number[] };

/** One member's minibatch: `pairs` pairs of clips, each side padded to `steps` rows. */
export type MemberBatch = {
  /** Standardised input rows [pairs · 2 · steps × inputs]: the left clip, then the right. */
  x: Float32Array;
  /** +1 on the left clip's real rows, −1 on the right's, 0 on padding: [pairs × 2 · steps]. */
  sign: Float32Array;
  /** μ₁ per pair. */
  mu: Float32Array;
  /** The dropout key's seed, for a model with dropout. */
  dropoutSeed?: number;
};

/** Member outputs summed over each clip, with each member's mean and std of r̂ per step. */
export type ClipReturns = { returns: Float64Array[]; mean: number[]; std: number[] };

/** What the trainer needs from the model it trains. */
export interface TrainableEnsemble {
  readonly members: number;
  /** Fixes the input statistics from these clips, on the first call only. */
  fitInputs(clips: readonly Clip[]): void;
  /** The standardised input rows of a training clip (cached by clip id). */
  clipRows(clip: Clip): Float32Array;
  /** Drops cached rows of clips not in `ids`. */
  keepRows(ids: ReadonlySet<string>): void;
  readonly inputSize: number;
  /** One Adam step of all members, member m on batches[m]. */
  step(batches: MemberBatch[]): void;
  /** Raw member outputs summed over each clip. */
  rawClipReturns(clips: readonly Clip[]): ClipReturns;
  /** Sets member m's normalisation from the mean and std of its raw r̂ per step. */
  normalise(member: number, mean: number, std: number): void;
  /** Member m's normalised return of a clip, from its raw return. */
  normalisedReturn(member: number, raw: number, steps: number): number;
  /** Member m's L2 weight: read, and set (the model clamps it to its range). */
  l2(member: number): number;
  setL2(member: number, value: number): void;
  readonly l2PerMember: number[];
  /** The generator for minibatches, dropout and evaluation samples (saved with the model). */
  readonly rng: Rng;
}

/**
 * Which pairs check each member (its validation loss sets its L2 weight, and it reports held-out
 * accuracy): `holdout`, a share `validationFraction` set aside before the bootstrap resample of
 * the rest (the paper); `out-of-bag`, the pairs that the member's resample of all of them left
 * out (about 1/e). Out-of-bag, each member trains on about 63% of the labelled pairs instead of
 * 40%, and still validates on about 37%.
 */
export const VALIDATION_SCHEMES = ["holdout", "out-of-bag"] as const;
export type ValidationScheme = (typeof VALIDATION_SCHEMES)[number];

export type RewardTrainerConfig = {
  /** Labelled pairs in each member's minibatch. */
  batchPairs: number;
  /** Adam steps per `train` call when the caller names none. */
  stepsPerCall: number;
  /** How each member's validation pairs are chosen. */
  validation: ValidationScheme;
  /** With `holdout`: the share of the pairs each member holds out (paper: 1/e). */
  validationFraction: number;
  /** The band that validation loss / training loss is kept in (paper: 1.1–1.5). */
  l2Band: [number, number];
  /**
   * L2 is multiplied by this above the band, divided by it below, per L2_FACTOR_STEPS Adam steps
   * of the call (a call of 4 steps moves it by l2Factor^(4/100)).
   */
  l2Factor: number;
  /** Whether the CNN members take a dropout seed per step. */
  dropout: boolean;
  /** The teacher's error rate ε in P′ = (1 − ε)·P̂ + ε/2. */
  epsilon: number;
  /**
   * Examples evaluated after the steps (normalisation, L2, accuracy): all when null, else a
   * fresh random sample of this many. Evaluation runs every member over every clip it covers,
   * which with thousands of labels on a CNN costs far more than the steps themselves.
   */
  evalPairs: number | null;
  /**
   * SURF's temporal cropping: each pair in a minibatch is cut to a common length drawn from
   * [(1 − cropFraction)·H, H] steps, at a random offset in each clip. 0: off.
   */
  cropFraction: number;
  /**
   * SURF's pseudo-labels: each call draws `ratio` × (labelled pairs) unlabelled pairs from the
   * pool given to `train`, and trains every member on those whose ensemble-mean P̂ is beyond
   * `threshold` (or below 1 − threshold), labelled as predicted. Null: off.
   */
  pseudoLabels: { threshold: number; ratio: number } | null;
  /** Seed of the validation and bootstrap draws. */
  seed: number;
};

/** Unlabelled pairs drawn per call for pseudo-labels, at most. */
const MAX_PSEUDO_CANDIDATES = 1024;

/** Turns answered pairs into examples, skipping cant_tell; an empty clip is an error. */
export function trainableExamples(pairs: readonly LabelledPair[]): Example[] {
  const examples: Example[] = [];
  for (const p of pairs) {
    const mu = answerTarget(p.answer);
    if (!mu) continue;
    if (clipLength(p.left) === 0 || clipLength(p.right) === 0) {
      throw new Error(
        `RewardEnsemble.train: a pair has an empty clip (${p.left.id}, ${p.right.id})`,
      );
    }
    examples.push({
      key: pairKey(p.left.id, p.right.id),
      left: p.left,
      right: p.right,
      mu1: mu[0],
      strict: mu[0] !== 0.5,
    });
  }
  return examples;
}

/**
 * Each member's validation pairs and bootstrap resample (see ValidationScheme). With no pair left
 * to train on, the member trains on all of them and holds none out.
 */
export function memberViews(
  examples: readonly Example[],
  members: number,
  seed: number,
  validationFraction: number,
  scheme: ValidationScheme = "holdout",
): MemberView[] {
  return Array.from({ length: members }, (_, m) => {
    const n = examples.length;
    const heldOut = new Uint8Array(n);
    const count = new Uint8Array(n);
    let training = 0;
    let drawn = 0;
    examples.forEach((e, i) => {
      if (scheme === "holdout" && isValidation(e.key, m, seed, validationFraction)) {
        heldOut[i] = 1;
        return;
      }
      count[i] = bootstrapCount(e.key, m, seed);
      if (scheme === "out-of-bag" && count[i] === 0) {
        heldOut[i] = 1;
        return;
      }
      training += 1;
      drawn += count[i];
    });
    if (training === 0) {
      heldOut.fill(0);
      count.fill(1);
    } else if (drawn === 0) {
      for (let i = 0; i < n; i++) if (!heldOut[i]) count[i] = 1;
    }
    const draws: number[] = [];
    for (let i = 0; i < n; i++) for (let k = 0; k < count[i]; k++) draws.push(i);
    return { heldOut, count, draws };
  });
}

export type TrainOptions = {
  /** Adam steps (default `stepsPerCall`). */
  steps?: number;
  /** Clips without labels, for pseudo-labels (the loop's pool of recent clips). */
  unlabelled?: readonly Clip[];
};

export class RewardTrainer {
  constructor(
    private readonly model: TrainableEnsemble,
    readonly config: RewardTrainerConfig,
  ) {}

  /**
   * Fits the ensemble to the labelled pairs, continuing from its current state: `steps` Adam
   * steps (default `stepsPerCall`), then normalisation, L2 adaptation and the held-out report.
   * With no trainable pair it changes nothing and reports NaN losses.
   */
  train(pairs: readonly LabelledPair[], opts: TrainOptions = {}): RewardTrainResult {
    const c = this.config;
    const steps = opts.steps ?? c.stepsPerCall;
    const examples = trainableExamples(pairs);
    if (examples.length === 0) return this.emptyResult();
    const clips = uniqueClips(examples);
    this.model.fitInputs(clips);
    const views = memberViews(
      examples,
      this.model.members,
      c.seed,
      c.validationFraction,
      c.validation,
    );
    const pseudo = steps > 0 ? this.pseudoExamples(examples.length, opts.unlabelled ?? []) : [];
    const training = [...examples, ...pseudo];
    if (pseudo.length > 0) {
      // Every member trains on each pseudo-label once; none is held out.
      for (const view of views) {
        for (let i = examples.length; i < training.length; i++) view.draws.push(i);
      }
    }
    let maxLen = 0;
    for (const e of training) maxLen = Math.max(maxLen, clipLength(e.left), clipLength(e.right));
    for (let s = 0; s < steps; s++) this.step(training, views, maxLen);
    const result = this.evaluate(examples, views, steps);
    this.model.keepRows(new Set(clips.map((clip) => clip.id)));
    return { ...result, pairs: examples.length, pseudoLabels: pseudo.length, steps };
  }

  /**
   * Pairs of unlabelled clips that the ensemble is confident about, labelled as it predicts
   * (SURF): up to ratio × `labelled` random pairs of the pool are scored.
   */
  private pseudoExamples(labelled: number, unlabelled: readonly Clip[]): Example[] {
    const options = this.config.pseudoLabels;
    if (!options || unlabelled.length < 2) return [];
    const rng = this.model.rng;
    const wanted = Math.min(MAX_PSEUDO_CANDIDATES, Math.round(options.ratio * labelled));
    const candidates: [Clip, Clip][] = [];
    for (let k = 0; k < wanted; k++) {
      const i = rng.int(unlabelled.length);
      const j = rng.int(unlabelled.length - 1);
      candidates.push([unlabelled[i], unlabelled[j >= i ? j + 1 : j]]);
    }
    const clips = [...new Map(candidates.flat().map((clip) => [clip.id, clip])).values()];
    const index = new Map(clips.map((clip, k) => [clip.id, k]));
    const { returns } = this.model.rawClipReturns(clips);
    const out: Example[] = [];
    for (const [left, right] of candidates) {
      let p = 0;
      for (const ret of returns) {
        const d = ret[index.get(left.id) as number] - ret[index.get(right.id) as number];
        p += 1 / (1 + Math.exp(-d)) / returns.length;
      }
      if (p > options.threshold || p < 1 - options.threshold) {
        const mu1 = p > 0.5 ? 1 : 0;
        out.push({ key: pairKey(left.id, right.id), left, right, mu1, strict: true });
      }
    }
    return out;
  }

  /** One Adam step; each pair's clips are padded to `maxLen` rows. */
  private step(examples: readonly Example[], views: readonly MemberView[], maxLen: number): void {
    const b = this.config.batchPairs;
    const d = this.model.inputSize;
    const rng = this.model.rng;
    const batches = views.map(({ draws }) => {
      const x = new Float32Array(b * 2 * maxLen * d);
      const sign = new Float32Array(b * 2 * maxLen);
      const mu = new Float32Array(b);
      for (let k = 0; k < b; k++) {
        const e = examples[draws[rng.int(draws.length)]];
        mu[k] = e.mu1;
        const crop = this.cropLength(Math.min(clipLength(e.left), clipLength(e.right)));
        for (let side = 0; side < 2; side++) {
          const clip = side === 0 ? e.left : e.right;
          const len = clipLength(clip);
          const keep = crop ?? len;
          const from = crop === null ? 0 : rng.int(len - keep + 1);
          const row = (k * 2 + side) * maxLen;
          x.set(this.model.clipRows(clip).subarray(from * d, (from + keep) * d), row * d);
          sign.fill(side === 0 ? 1 : -1, row, row + keep);
        }
      }
      const dropoutSeed = this.config.dropout ? rng.int(1 << 24) : undefined;
      return { x, sign, mu, dropoutSeed };
    });
    this.model.step(batches);
  }

  /** A cropped length for a pair whose shorter clip has `steps` steps, or null without cropping. */
  private cropLength(steps: number): number | null {
    const f = this.config.cropFraction;
    if (f <= 0) return null;
    const shortest = Math.max(1, Math.ceil((1 - f) * steps));
    return shortest + this.model.rng.int(steps - shortest + 1);
  }

  /** The examples to evaluate on: all, or a random sample of `evalPairs`. */
  private evaluationSet(n: number): number[] {
    const all = Array.from({ length: n }, (_, i) => i);
    const k = this.config.evalPairs;
    if (k === null || n <= k) return all;
    const rng = this.model.rng;
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(n - i);
      [all[i], all[j]] = [all[j], all[i]];
    }
    return all.slice(0, k).sort((a, b) => a - b);
  }

  private evaluate(
    examples: readonly Example[],
    views: readonly MemberView[],
    steps: number,
  ): Omit<RewardTrainResult, "pairs" | "steps"> {
    const c = this.config;
    const model = this.model;
    const factor = c.l2Factor ** (steps / L2_FACTOR_STEPS);
    const chosen = this.evaluationSet(examples.length).map((i) => ({ i, e: examples[i] }));
    const clips = uniqueClips(chosen.map(({ e }) => e));
    const index = new Map(clips.map((clip, k) => [clip.id, k]));
    const { returns, mean, std } = model.rawClipReturns(clips);
    const trainLossPerMember: number[] = [];
    const valLossPerMember: number[] = [];
    views.forEach((view, m) => {
      const ret = returns[m];
      let tl = 0;
      let tw = 0;
      let vl = 0;
      let vn = 0;
      for (const { i, e } of chosen) {
        const loss = bradleyTerryLossHost(
          ret[index.get(e.left.id) as number] - ret[index.get(e.right.id) as number],
          e.mu1,
          c.epsilon,
        );
        if (view.heldOut[i]) {
          vl += loss;
          vn += 1;
        } else {
          tl += view.count[i] * loss;
          tw += view.count[i];
        }
      }
      const trainLoss = tw > 0 ? tl / tw : Number.NaN;
      const valLoss = vn > 0 ? vl / vn : Number.NaN;
      trainLossPerMember.push(trainLoss);
      valLossPerMember.push(valLoss);
      if (vn > 0 && trainLoss > 0) {
        const ratio = valLoss / trainLoss;
        if (ratio > c.l2Band[1]) model.setL2(m, model.l2(m) * factor);
        else if (ratio < c.l2Band[0]) model.setL2(m, model.l2(m) / factor);
      }
      model.normalise(m, mean[m], std[m]);
    });

    // Held-out ranking: each strict pair judged by the members that did not train on it.
    let judged = 0;
    let correct = 0;
    for (const { i, e } of chosen) {
      if (!e.strict) continue;
      let score = 0;
      let n = 0;
      views.forEach((view, m) => {
        if (!view.heldOut[i]) return;
        const left = returns[m][index.get(e.left.id) as number];
        const right = returns[m][index.get(e.right.id) as number];
        score +=
          model.normalisedReturn(m, left, clipLength(e.left)) -
          model.normalisedReturn(m, right, clipLength(e.right));
        n += 1;
      });
      if (n === 0) continue;
      judged += 1;
      if ((e.mu1 === 1 && score > 0) || (e.mu1 === 0 && score < 0)) correct += 1;
    }

    const trained = trainLossPerMember.filter((v) => !Number.isNaN(v));
    const validated = valLossPerMember.filter((v) => !Number.isNaN(v));
    return {
      trainLoss: trained.length > 0 ? mean_(trained) : Number.NaN,
      valLoss: validated.length > 0 ? mean_(validated) : Number.NaN,
      valAccuracy: judged > 0 ? correct / judged : Number.NaN,
      l2PerMember: model.l2PerMember,
      trainLossPerMember,
      valLossPerMember,
    };
  }

  private emptyResult(): RewardTrainResult {
    const nan = Array(this.model.members).fill(Number.NaN);
    return {
      trainLoss: Number.NaN,
      valLoss: Number.NaN,
      valAccuracy: Number.NaN,
      l2PerMember: this.model.l2PerMember,
      trainLossPerMember: nan,
      valLossPerMember: nan,
      pairs: 0,
      steps: 0,
    };
  }
}

/** The examples' clips, each once, in order of first appearance. */
function uniqueClips(examples: readonly Example[]): Clip[] {
  const seen = new Set<string>();
  const clips: Clip[] = [];
  for (const e of examples) {
    for (const clip of [e.left, e.right]) {
      if (!seen.has(clip.id)) {
        seen.add(clip.id);
        clips.push(clip);
      }
    }
  }
  return clips;
}

function mean_(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
