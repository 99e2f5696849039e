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
  /**
   * For pixel games (`grid` frames): what each channel holds and the colour it is drawn in, one
   * entry per channel in channel order. The page draws cells in these colours and shows the list
   * as a legend beside the clips.
   */
  legend?: LegendEntry[];
  /** For a goal with a measure: what it counts per episode ("landed backflips"), in metrics rows' goalCount. */
  goalMeasure?: string;
};

export type LegendEntry = { name: string; color: string };

/**
 * Channel colours for grid frames, on the page's dark game background: Okabe & Ito's
 * colour-blind-safe set (without its black), then white, grey and a yellow-green for games with
 * more than seven channels. web/render/grid.js falls back to the same list.
 */
export const CHANNEL_COLORS: readonly string[] = [
  "#e69f00", // orange
  "#56b4e9", // sky blue
  "#009e73", // bluish green
  "#f0e442", // yellow
  "#0072b2", // blue
  "#d55e00", // vermillion
  "#cc79a7", // reddish purple
  "#f5f5f5", // white
  "#9a9a9a", // grey
  "#bbcc33", // pear
];

/** A legend for channels named `names`, coloured in order from `CHANNEL_COLORS`. */
export function channelLegend(names: readonly string[]): LegendEntry[] {
  return names.map((name, i) => ({ name, color: CHANNEL_COLORS[i % CHANNEL_COLORS.length] }));
}

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

/** What the trainer is doing: `waiting` means RL is paused until people answer. */
export type TrainerState = "starting" | "training" | "waiting" | "finished" | "stopped";

/**
 * `trainer`: the trainer's heartbeat, rewritten at least every few seconds while it runs. A
 * reader that finds it stale, or its pid gone on this host, knows the trainer is not running.
 */
export type TrainerStatus = {
  state: TrainerState;
  /** `wait`: RL pauses when answers fall behind the schedule; `free`: it never waits. */
  pace: "wait" | "free";
  /** Labels over the whole run, labels the schedule wants by now, and answers to them so far. */
  labels: number;
  wanted: number;
  answered: number;
  envSteps: number;
  totalSteps: number;
  /** Seconds RL has spent paused for answers, over the whole run. */
  waitedSeconds: number;
  /** The owner ended labelling: no more questions, training goes on with the labels in. */
  labellingEnded: boolean;
  heartbeatAt: number;
  pid: number;
  host: string;
};

/** `control`: the owner's requests to the trainer (from the dashboard), as times they were made. */
export type TrainerControl = { stopAt?: number; endLabellingAt?: number };

export const META = {
  run: "run",
  schedule: "schedule",
  live: "live",
  labellerAgreement: "labellerAgreement",
  trainer: "trainer",
  control: "control",
} as const;
