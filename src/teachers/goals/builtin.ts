/** The goals Backflip ships with; importing this module registers them. */
import { backflipScore, landedBackflips, originalBackflipScore } from "./backflip.ts";
import { registerGoal } from "./index.ts";
import { keepPaceScore } from "./keep_pace.ts";
import { registerGoalMeasure } from "./measures.ts";
import { metresOnOneLeg, oneLegScore } from "./one_leg.ts";

registerGoal("backflip", backflipScore);
registerGoalMeasure("backflip", landedBackflips);
registerGoal("backflip-original", originalBackflipScore);
registerGoalMeasure("backflip-original", landedBackflips);
registerGoal("one-leg", (clip) => oneLegScore(clip));
registerGoalMeasure("one-leg", metresOnOneLeg);
registerGoal("keep-pace", (clip) => keepPaceScore(clip));
