/** Reinforcement learning: PPO (discrete and continuous), GAE, running normalisers, presets. */
export * from "./episodes.ts";
export * from "./ppo.ts";
export * from "./presets.ts";
export * from "./running_stats.ts";
