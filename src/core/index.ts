export * from "./rng.ts";
export * from "./spaces.ts";
export * from "./types.ts";
