/** The goals Backflip ships with; importing this module registers them. */
import { backflipScore } from "./backflip.ts";
import { registerGoal } from "./index.ts";
import { keepPaceScore } from "./keep_pace.ts";
import { oneLegScore } from "./one_leg.ts";

registerGoal("backflip", backflipScore);
registerGoal("one-leg", (clip) => oneLegScore(clip));
registerGoal("keep-pace", (clip) => keepPaceScore(clip));
