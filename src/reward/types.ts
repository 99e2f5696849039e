import type { Answer, Clip, Rollout } from "../core/types.ts";

/** Two clips and the teacher's answer about them (the paper's triple (σ¹, σ², μ)). */
export type LabelledPair = { left: Clip; right: Clip; answer: Answer };

/** Two clips to compare. */
export type ClipPair = { left: Clip; right: Clip };

/** What one `train` call did. Losses are the Bradley–Terry cross-entropy without the L2 term. */
export type RewardTrainResult = {
  /** Mean over members of the loss on each member's bootstrap resample. */
  trainLoss: number;
  /** Mean over members (those with any held-out pairs) of the loss on their validation pairs. */
  valLoss: number;
  /**
   * Share of strictly preferred (left/right) pairs ranked correctly by the members that held
   * them out, their normalised predicted returns averaged; NaN when no such pair exists.
   */
  valAccuracy: number;
  /** The L2 weight of each member after this call's adaptation. */
  l2PerMember: number[];
  trainLossPerMember: number[];
  valLossPerMember: number[];
  /** Pairs trained on (cant_tell answers excluded). */
  pairs: number;
  /** Unlabelled pairs trained on with the ensemble's own confident labels (SURF), if any. */
  pseudoLabels?: number;
  /** Adam steps taken by each member. */
  steps: number;
};

/** What query selection needs from a reward model: each member's preference prediction. */
export interface PreferencePredictor {
  /** Number of ensemble members. */
  readonly members: number;
  /** P̂[left ≻ right] per member and pair: result[member][pair]. */
  preferenceProbabilities(pairs: readonly ClipPair[]): Float32Array[];
}

/** A learned reward r̂(o, a), trained from labelled pairs. */
export interface RewardModel extends PreferencePredictor {
  /** r̂ for each row of obs [rows × obsSize] and actions [rows × actSize]. */
  predict(obs: Float32Array, actions: Float32Array): Float32Array;
  /** r̂ for every step of a rollout, time-major like its rewards: [steps × numEnvs]. */
  predictRollout(rollout: Rollout): Float32Array;
  /** Each member's normalised r̂ for the same rows: result[member][row]. */
  predictMembers(obs: Float32Array, actions: Float32Array): Float32Array[];
  train(
    pairs: readonly LabelledPair[],
    opts?: { steps?: number; unlabelled?: readonly Clip[] },
  ): RewardTrainResult;
  save(dir: string): void;
  load(dir: string): void;
}
