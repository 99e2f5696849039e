/**
 * MinAtar-style pixel games (Young & Tian, 2019) as envs: a game is a small state machine on a
 * 10×10 grid with one channel per kind of object; this module turns one into an `Env` with
 * MinAtar's sticky actions, observations as the channel grid (row-major 10 × 10 × channels, the
 * NHWC layout the convolutions in src/nn take), and `grid` frames for the page.
 *
 * The preference-ready variant (`MinAtar/Breakout-pref-v1`, …) follows the paper's Atari edits:
 * a fixed horizon, no episode end or life signal in what the agent sees, and a game that ends
 * starts afresh within the episode. The step where it ended is flagged `unhealthy`, and its
 * reward carries `endPenalty` (the oracle sees that; the agent never does).
 */
import { Rng } from "../../core/rng.ts";
import { type BoxSpace, box, type DiscreteSpace, discrete } from "../../core/spaces.ts";
import type { Frame } from "../../core/types.ts";
import type { Env, EnvSpec, StepResult } from "../env.ts";

export const GRID = 10;
/** MinAtar's sticky actions: with this probability the previous action repeats. */
export const STICKY_ACTION_PROB = 0.1;

/** One game's rules. Everything random goes through the `rng` it is handed. */
export interface GridGame {
  /** `Breakout`, as in the id `MinAtar/Breakout-v1`. */
  readonly name: string;
  /** What each channel holds, for the page's legend (`paddle`, `ball`, …). */
  readonly channels: readonly string[];
  /** The game's minimal action set, by name (`noop`, `left`, `right`, …). */
  readonly actions: readonly string[];
  reset(rng: Rng): void;
  /** Advances one step under `action` (an index into `actions`). */
  step(action: number, rng: Rng): { reward: number; terminal: boolean };
  /** Sets the occupied cells: `grid[(y * GRID + x) * channels + c] = 1` (it arrives zeroed). */
  render(grid: Float32Array): void;
  /** Named per-step values for goal teachers and tests (e.g. `oxygen`), if any. */
  signals?(): Record<string, number>;
}

export type GridGameEnvOptions = {
  /** The paper's edit: fixed horizon, no episode end, no life signal. */
  preferenceReady?: boolean;
  /** Steps per episode of the preference-ready variant (and the cap of the standard one). */
  horizon?: number;
  /** Added to the reward of the step where a game ends, in the preference-ready variant. */
  endPenalty?: number;
  stickyActionProb?: number;
  seed?: number;
};

/** MinAtar's envs have no time limit of their own; this caps a standard episode. */
export const STANDARD_MAX_STEPS = 10_000;
export const PREF_HORIZON = 2_000;

export class GridGameEnv implements Env {
  readonly spec: EnvSpec;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: DiscreteSpace;
  private readonly channelCount: number;
  private readonly pref: boolean;
  private readonly endPenalty: number;
  private readonly sticky: number;
  private rng: Rng;
  private lastAction = 0;
  private elapsed = 0;
  private started = false;

  constructor(
    readonly game: GridGame,
    options: GridGameEnvOptions = {},
  ) {
    this.pref = options.preferenceReady ?? false;
    this.endPenalty = options.endPenalty ?? 0;
    this.sticky = options.stickyActionProb ?? STICKY_ACTION_PROB;
    this.channelCount = game.channels.length;
    this.rng = new Rng(options.seed ?? Math.floor(Math.random() * 4294967296));
    this.observationSpace = box(
      new Array(GRID * GRID * this.channelCount).fill(0),
      new Array(GRID * GRID * this.channelCount).fill(1),
    );
    this.actionSpace = discrete(game.actions.length);
    this.spec = {
      id: `MinAtar/${game.name}-${this.pref ? "pref-" : ""}v1`,
      maxEpisodeSteps: options.horizon ?? (this.pref ? PREF_HORIZON : STANDARD_MAX_STEPS),
      fps: 10,
      dt: 0.1,
      preferenceReady: this.pref,
    };
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.game.reset(this.rng);
    this.lastAction = 0;
    this.elapsed = 0;
    this.started = true;
    return this.observe();
  }

  step(action: ArrayLike<number>): StepResult {
    if (!this.started) throw new Error(`${this.spec.id}: call reset() before step()`);
    const a = action[0];
    if (!Number.isInteger(a) || a < 0 || a >= this.game.actions.length) {
      throw new Error(
        `${this.spec.id}: action must be 0–${this.game.actions.length - 1}, got ${a}`,
      );
    }
    if (this.rng.random() >= this.sticky) this.lastAction = a;
    const { reward, terminal } = this.game.step(this.lastAction, this.rng);
    this.elapsed += 1;
    const truncated = this.elapsed >= this.spec.maxEpisodeSteps;
    const signals = this.game.signals?.();
    if (!this.pref) {
      return {
        obs: this.observe(),
        reward,
        terminated: terminal,
        truncated: truncated && !terminal,
        info: signals ? { signals } : {},
      };
    }
    // The paper's edit: the game starts afresh and the agent is told nothing.
    if (terminal) this.game.reset(this.rng);
    return {
      obs: this.observe(),
      reward: reward - (terminal ? this.endPenalty : 0),
      terminated: false,
      truncated,
      info: { unhealthy: terminal, ...(signals ? { signals } : {}) },
    };
  }

  frame(): Frame {
    const cells = Array.from(this.observe());
    return { kind: "grid", channels: this.channelCount, height: GRID, width: GRID, cells };
  }

  close(): void {}

  private observe(): Float32Array {
    const grid = new Float32Array(GRID * GRID * this.channelCount);
    this.game.render(grid);
    return grid;
  }
}

/** The index of cell (x, y), channel c, in an observation of `channels` channels. */
export function cell(x: number, y: number, c: number, channels: number): number {
  return (y * GRID + x) * channels + c;
}
