/**
 * From rollouts to questions: `cutClips`/`clipSteps` (trajectory segments), the `QuerySelector`s
 * (`RandomSelector`, `DisagreementSelector`, `makeSelector`) and the `LabelSchedule`.
 */
export * from "./clips.ts";
export * from "./pairs.ts";
export * from "./random_selector.ts";
export * from "./schedule.ts";
export * from "./selector.ts";
export * from "./uncertainty_selectors.ts";
