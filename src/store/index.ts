export * from "./clip_codec.ts";
export * from "./errors.ts";
export * from "./labeller_ref.ts";
export * from "./migrations.ts";
export * from "./preference_file.ts";
export * from "./preference_store.ts";
export * from "./run_lock.ts";
export * from "./run_meta.ts";
export type { StoreSchema } from "./schema.ts";
