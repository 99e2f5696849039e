/**
 * "Keep pace" for the road race (`MinAtar/RoadRace-v1` or `-pref-v1`): the paper's Enduro
 * lesson, driving level with the other cars instead of passing them, as a per-step score for a
 * scripted goal teacher.
 *
 * A step scores 1 while a car is level with the player (`level_with_car`: on the player's row,
 * at most 3 lanes away), less `passPenalty` (default 0.5) for each car passed or passing the
 * player on that step (`passed`, `passed_by`). Summed over a clip, driving beside a car for the
 * whole clip scores its length, and a clip that draws level and then drives past scores only
 * the few steps it was level, less the pass. Crashes are not scored apart: crashing into the car
 * beside the player removes it, which ends the steps that score.
 */
import type { Clip } from "../../core/types.ts";

export type KeepPaceOptions = {
  /** Subtracted for each car passed or passing the player on a step (default 0.5). */
  passPenalty?: number;
};

export function keepPaceScore(clip: Clip, options: KeepPaceOptions = {}): Float32Array {
  const passPenalty = options.passPenalty ?? 0.5;
  const level = clip.signals?.level_with_car;
  const passed = clip.signals?.passed;
  const passedBy = clip.signals?.passed_by;
  if (level === undefined || passed === undefined || passedBy === undefined) {
    throw new Error(
      `keepPaceScore needs road race clips with signals level_with_car, passed and passed_by (clip ${clip.id} of ${clip.envId})`,
    );
  }
  const steps = clip.rewards.length;
  if (level.length !== steps || passed.length !== steps || passedBy.length !== steps) {
    throw new Error(
      `keepPaceScore: clip ${clip.id} has ${steps} steps but signals of other lengths`,
    );
  }
  const out = new Float32Array(steps);
  for (let t = 0; t < steps; t++) {
    out[t] = (level[t] > 0.5 ? 1 : 0) - passPenalty * (passed[t] + passedBy[t]);
  }
  return out;
}
