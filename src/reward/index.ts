/**
 * The reward model (Christiano et al. 2017, §2.2): `RewardEnsemble` (ensemble of MLPs r̂(o, a),
 * bootstrap + 1/e validation, adaptive L2, per-member normalisation), the Bradley–Terry loss,
 * input features and the record types shared with query selection.
 */
export * from "./bootstrap.ts";
export * from "./bradley_terry.ts";
export * from "./ensemble.ts";
export * from "./features.ts";
export * from "./predict_clips.ts";
export * from "./types.ts";
