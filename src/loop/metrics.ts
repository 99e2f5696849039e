import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { writeDurably } from "./checkpoint.ts";

/** One line of `metrics.jsonl`, written after every PPO update. */
export type MetricsRow = {
  /** Environment steps taken so far (all envs together). */
  steps: number;
  /** Labels (trainable answers) in the store. */
  labels: number;
  /** Mean predicted return per episode of the latest rollout, under the current reward model. */
  predictedReturn: number;
  /**
   * Mean true return of episodes that finished in the latest rollout (null if none did): the
   * env's reward, or for a goal teacher the goal's score.
   */
  trueReturn: number | null;
  /**
   * For a goal with a measure (landed backflips), its mean count over the episodes that finished
   * in the latest rollout (null if none did); RunInfo.goalMeasure names it.
   */
  goalCount?: number | null;
  /** Share of held-out labelled pairs the reward ensemble ranks correctly (null before training). */
  rewardValAccuracy: number | null;
  /** Pearson correlation of r̂ with the true reward (as above) over the latest rollout's steps. */
  rewardCorrelation: number | null;
  /**
   * The same over clip-length windows of the rollout (each env's steps cut into windows of the
   * run's clip length, none across an episode's end): the sums a teacher compares. Per step, a
   * shaped reward that ranks clips well can still read low (Hopper: 0.1–0.3 per step).
   */
  rewardClipCorrelation?: number | null;
  policyEntropy: number;
  approxKl: number;
  explainedVariance: number;
  /** PPO: share of samples whose probability ratio was clipped, the two losses, and the step size. */
  clipFraction?: number;
  policyLoss?: number;
  valueLoss?: number;
  learningRate?: number;
  /** The reward ensemble's Bradley–Terry loss on its training and held-out pairs (mean of members). */
  rewardTrainLoss?: number | null;
  rewardValLoss?: number | null;
  /** Each member's adaptive L2 weight. */
  rewardL2?: number[] | null;
  /** Seconds RL has spent paused for people's answers. */
  waitedSeconds?: number;
  wallSeconds: number;
  stepsPerSecond: number;
};

export class MetricsLog {
  constructor(private readonly path: string) {}

  append(row: MetricsRow): void {
    appendFileSync(this.path, `${JSON.stringify(row)}\n`);
  }

  /** Keeps the first `rows` complete rows: those a resumed run's checkpoint had seen. */
  truncate(rows: number): void {
    if (!existsSync(this.path)) return;
    const kept = readFileSync(this.path, "utf8").split("\n").slice(0, rows).filter(Boolean);
    writeDurably(this.path, kept.map((line) => `${line}\n`).join(""));
  }
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const n = a.length;
  if (n < 2 || b.length !== n) return null;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  if (va === 0 || vb === 0) return null;
  return cov / Math.sqrt(va * vb);
}

/**
 * Pearson correlation of the sums of `a` and `b` over windows of `window` steps of each env of a
 * time-major [steps × numEnvs] rollout. A window ends early at an episode's end and is dropped
 * then, as a clip never spans two episodes.
 */
export function windowedPearson(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  numEnvs: number,
  window: number,
  done: (i: number) => boolean,
): number | null {
  const steps = a.length / numEnvs;
  const sumsA: number[] = [];
  const sumsB: number[] = [];
  for (let e = 0; e < numEnvs; e++) {
    let sa = 0;
    let sb = 0;
    let len = 0;
    for (let t = 0; t < steps; t++) {
      const i = t * numEnvs + e;
      sa += a[i];
      sb += b[i];
      len += 1;
      if (done(i) && len < window) {
        sa = sb = len = 0;
      } else if (len === window) {
        sumsA.push(sa);
        sumsB.push(sb);
        sa = sb = len = 0;
      }
    }
  }
  return pearson(sumsA, sumsB);
}

export function meanStd(values: number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}
