/**
 * The `run_meta` keys through which the trainer tells the labelling server about the run. The
 * store is the only thing the two processes share, so these types are the contract.
 */
import type { Frame } from "../core/types.ts";

/** `run`: what the page needs to know about the run. */
export type RunInfo = {
  envId: string;
  fps: number;
  frameKind: string;
  rubric: string;
  /** A MuJoCo scene description (src/envs/mujoco/scene.ts), or null. */
  scene: unknown;
};

/** `schedule`: labels the schedule wants by now, and queries asked so far. */
export type ScheduleInfo = { wanted: number; asked: number };

/** `live`: a recent stretch of the current policy's behaviour with r̂ at each step. */
export type LiveClip = {
  frames: Frame[];
  predicted: number[];
  policyVersion: number;
  envStep: number;
  fps: number;
  frameKind: string;
};

/** `labellerAgreement`: how often the reward model agrees with each labeller's left/right answers. */
export type LabellerAgreement = Record<string, { agree: number; total: number }>;

export const META = {
  run: "run",
  schedule: "schedule",
  live: "live",
  labellerAgreement: "labellerAgreement",
} as const;
