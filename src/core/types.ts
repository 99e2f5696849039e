/** Records that cross module boundaries. */

/**
 * What a viewer draws for one step. Each env kind has its own `kind` tag and a renderer module
 * on the web page; the data is plain JSON so the server can send it as is.
 */
export type Frame =
  | { kind: "cartpole"; x: number; theta: number }
  | { kind: "pendulum"; theta: number; torque: number }
  | { kind: "mountaincar"; position: number; force: number }
  | { kind: "mujoco"; qpos: number[] }
  | { kind: "grid"; channels: number; height: number; width: number; cells: number[] }
  | ShapesFrame
  | RgbFrame;

/**
 * The generic 2-D frame, for envs without a renderer of their own (docs/frames.md): shapes in
 * world units inside the view box `[xmin, ymin, xmax, ymax]`, y up, drawn in order (later on
 * top), letterboxed into the canvas with the aspect ratio kept.
 */
export type ShapesFrame = {
  kind: "shapes";
  view: [number, number, number, number];
  shapes: Shape[];
  /** CSS colour of the view box (default white). */
  background?: string;
};

/** How a shape is painted. */
export type ShapeStyle = {
  /** CSS colour: the fill of a circle or box, the colour of a line. */
  color: string;
  /** Circles and boxes: `false` draws only the outline, in `color` (default `true`). */
  fill?: boolean;
  /** CSS colour of an outline drawn around a filled circle or box. */
  stroke?: string;
  /** Width of a line or outline in world units (default: 1.5 CSS pixels whatever the zoom). */
  width?: number;
};

export type Shape =
  /** Centre (x, y), radius r. */
  | ({ type: "circle"; x: number; y: number; r: number } & ShapeStyle)
  /** Centre (x, y), full width w and height h, turned by `angle` radians counter-clockwise. */
  | ({ type: "box"; x: number; y: number; w: number; h: number; angle?: number } & ShapeStyle)
  /** A polyline through `points` = [x0, y0, x1, y1, …] (at least two points). */
  | ({ type: "line"; points: number[] } & ShapeStyle);

/**
 * A small RGB image, for envs that already render pixels: `data` is base64 of width × height × 3
 * bytes, rows from the top, R G B per pixel. At most 64 × 64 (docs/frames.md: a 25-step clip of
 * 64 × 64 frames is about 0.4 MB of JSON); the page draws nothing larger.
 */
export type RgbFrame = { kind: "rgb"; width: number; height: number; data: string };

/** k consecutive steps of one episode. */
export type Clip = {
  id: string;
  envId: string;
  /** Row-major [steps × obsSize]. */
  obs: Float32Array;
  obsSize: number;
  /** Row-major [steps × actSize] (actSize 1 for discrete actions). */
  actions: Float32Array;
  actSize: number;
  /** True environment reward per step; never shown to a human teacher. */
  rewards: Float32Array;
  /** Per-step flag: the agent was outside the env's healthy range (preference-ready envs). */
  unhealthy?: Uint8Array;
  /** Named per-step signals an env exposes for goal teachers (e.g. foot contacts). */
  signals?: Record<string, Float32Array>;
  frames: Frame[];
  policyVersion: number;
  /** Environment steps taken by the trainer when the clip was recorded. */
  envStep: number;
};

export function clipLength(clip: Clip): number {
  return clip.rewards.length;
}

export type Query = {
  id: string;
  left: Clip;
  right: Clip;
  /** Variance of the predicted preference across ensemble members when asked (0 for random). */
  disagreement: number;
};

export type Answer = "left" | "right" | "equal" | "cant_tell";

export type Preference = {
  queryId: string;
  answer: Answer;
  labeller: string;
  /** Milliseconds since the epoch. */
  time: number;
};

/** The Bradley–Terry target μ for an answer; null for answers that are not trained on. */
export function answerTarget(answer: Answer): [number, number] | null {
  switch (answer) {
    case "left":
      return [1, 0];
    case "right":
      return [0, 1];
    case "equal":
      return [0.5, 0.5];
    case "cant_tell":
      return null;
  }
}

export interface Teacher {
  readonly name: string;
  label(queries: Query[]): Promise<Preference[]>;
}

/**
 * What `numEnvs` environments did over `steps` consecutive steps, time-major: entry
 * [t * numEnvs + e] is env e at step t. Observations are raw (not normalised), as the reward
 * model and the teachers see them.
 */
export type Rollout = {
  envId: string;
  numEnvs: number;
  steps: number;
  obsSize: number;
  actSize: number;
  /** [steps × numEnvs × obsSize]: the observation the action was taken in. */
  obs: Float32Array;
  /** [steps × numEnvs × actSize]: the action taken (the index for Discrete spaces). */
  actions: Float32Array;
  /** [steps × numEnvs]: the environment's true reward. */
  rewards: Float32Array;
  /** [steps × numEnvs]: 1 where the episode ended after this step. */
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** [steps × numEnvs]: 1 where a preference-ready env flagged the step as unhealthy. */
  unhealthy: Uint8Array;
  /** Per-step named signals from the env (each [steps × numEnvs]), for goal teachers. */
  signals: Record<string, Float32Array>;
  /** [steps × numEnvs] frames, when the collector was asked to record them. */
  frames: Frame[] | null;
  /** The policy version (number of updates so far) that acted. */
  policyVersion: number;
  /** Trainer env steps (all envs together) before this rollout started. */
  envStepStart: number;
};
