/**
 * Pong on the 10×10 grid: our own design, in MinAtar's style (it is not one of MinAtar's games).
 *
 * Two paddles, each `PONG_PADDLE_HEIGHT` cells tall: the agent's in the right column (9), the
 * opponent's in the left (0). Each moves at most one cell per step and stops at the top and
 * bottom. The ball only travels along diagonals, one cell per step; a trail channel marks where
 * it was a step ago, which gives its direction. The top and bottom walls reflect it. When it
 * reaches a paddle's column on a row the paddle covers, it bounces back (staying in the column
 * in front of the paddle) and the cell it struck sets its new vertical direction: the paddle's
 * upper cell sends it up, the lower cell down, so where the paddle meets the ball aims the
 * return. When it reaches a paddle's column past the paddle, the other side wins the point: +1
 * when the opponent misses, −1 when the agent misses. The ball is then served from the middle
 * (column 5 heading left or column 4 heading right, a random row 2–7 and vertical direction)
 * towards the side that lost the point; the first serve of a match goes either way. A match
 * ends when either side reaches `PONG_POINTS_TO_WIN` (21) points.
 *
 * The opponent tracks the ball imperfectly: each step, with probability `PONG_OPPONENT_MOVE_PROB`
 * (0.9), it moves one cell towards the row the ball will be on next (if that row is above or
 * below it), and otherwise stands still. The ball moves a row per step, so once the opponent
 * falls behind it cannot catch up until the ball turns. Against a player that meets every ball
 * it misses about 28% of the balls that come its way (serves included; 100,000 simulated steps),
 * and a player that never misses wins 21–0 in about 1,000 steps. A random player wins about 2
 * points a match, of about 210 steps.
 */
import type { Rng } from "../../core/rng.ts";
import { GRID, type GridGame } from "./grid_game.ts";

export const PONG_CHANNELS = ["paddle", "opponent", "ball", "trail"] as const;
export const PONG_ACTIONS = ["noop", "up", "down"] as const;
/** Cells in each paddle. */
export const PONG_PADDLE_HEIGHT = 2;
/** A match ends when either side has this many points. */
export const PONG_POINTS_TO_WIN = 21;
/** Each step the opponent moves towards the ball with this probability (else it stays). */
export const PONG_OPPONENT_MOVE_PROB = 0.9;
/** The paddles' top cell at the start of a match (rows 4–5: the middle). */
export const PADDLE_START_Y = 4;
/** The agent's paddle's column. */
export const AGENT_X = GRID - 1;
/** The opponent's paddle's column. */
export const OPPONENT_X = 0;

export type PongState = {
  /** The top cell of the agent's paddle (it covers `paddleY` … `paddleY + 1`). */
  paddleY: number;
  /** The top cell of the opponent's paddle. */
  opponentY: number;
  ballX: number;
  ballY: number;
  /** The ball's direction: dx and dy are each ±1 (dx = 1 is towards the agent, dy = -1 up). */
  ballDx: number;
  ballDy: number;
  /** Where the ball was one step ago (the trail channel). */
  lastX: number;
  lastY: number;
  /** Points won by the agent and by the opponent in this match. */
  agentPoints: number;
  opponentPoints: number;
  terminal: boolean;
};

export type PongOptions = {
  /** The opponent's chance of moving towards the ball each step (default 0.9): 1 is a perfect tracker, 0 never moves. */
  opponentMoveProb?: number;
};

const PADDLE = 0;
const OPPONENT = 1;
const BALL = 2;
const TRAIL = 3;
const LAST = GRID - 1;
const TOP_MAX = GRID - PONG_PADDLE_HEIGHT;

const UP = 1;
const DOWN = 2;

export class Pong implements GridGame {
  readonly name = "Pong";
  readonly channels = PONG_CHANNELS;
  readonly actions = PONG_ACTIONS;
  readonly opponentMoveProb: number;
  /** The whole game state; tests set it up directly. */
  state: PongState = Pong.initialState(1, 4, 1);
  /** Points won this step: +1 for the agent, −1 for the opponent, 0 for none. */
  private point = 0;

  constructor(options: PongOptions = {}) {
    this.opponentMoveProb = options.opponentMoveProb ?? PONG_OPPONENT_MOVE_PROB;
  }

  /**
   * A match's start: the paddles in the middle, the ball served towards the agent (`dx` 1, from
   * column 4) or the opponent (`dx` −1, from column 5) on row `y` heading vertically `dy`.
   */
  static initialState(dx: number, y: number, dy: number): PongState {
    const x = dx > 0 ? 4 : 5;
    return {
      paddleY: PADDLE_START_Y,
      opponentY: PADDLE_START_Y,
      ballX: x,
      ballY: y,
      ballDx: dx,
      ballDy: dy,
      lastX: x,
      lastY: y,
      agentPoints: 0,
      opponentPoints: 0,
      terminal: false,
    };
  }

  reset(rng: Rng): void {
    const dx = rng.random() < 0.5 ? 1 : -1;
    const y = 2 + rng.int(6);
    const dy = rng.random() < 0.5 ? 1 : -1;
    this.state = Pong.initialState(dx, y, dy);
    this.point = 0;
  }

  step(action: number, rng: Rng): { reward: number; terminal: boolean } {
    const s = this.state;
    this.point = 0;
    if (s.terminal) return { reward: 0, terminal: true };

    if (action === UP) s.paddleY = Math.max(0, s.paddleY - 1);
    else if (action === DOWN) s.paddleY = Math.min(TOP_MAX, s.paddleY + 1);

    if (rng.random() < this.opponentMoveProb) {
      const target = nextRow(s);
      if (target < s.opponentY) s.opponentY -= 1;
      else if (target >= s.opponentY + PONG_PADDLE_HEIGHT) s.opponentY += 1;
    }

    s.lastX = s.ballX;
    s.lastY = s.ballY;
    let x = s.ballX + s.ballDx;
    const y = nextRow(s);
    if (y !== s.ballY + s.ballDy) s.ballDy = -s.ballDy;
    let reward = 0;
    if (x === AGENT_X || x === OPPONENT_X) {
      const top = x === AGENT_X ? s.paddleY : s.opponentY;
      if (y >= top && y < top + PONG_PADDLE_HEIGHT) {
        // A return: back the other way, aimed by the cell it struck.
        x = s.lastX;
        s.ballDx = -s.ballDx;
        s.ballDy = y === top ? -1 : 1;
      } else {
        reward = x === OPPONENT_X ? 1 : -1;
      }
    }
    if (reward !== 0) {
      this.point = reward;
      if (reward > 0) s.agentPoints += 1;
      else s.opponentPoints += 1;
      if (s.agentPoints >= PONG_POINTS_TO_WIN || s.opponentPoints >= PONG_POINTS_TO_WIN) {
        s.terminal = true;
      }
      // Serve towards the side that lost the point.
      serve(s, reward > 0 ? -1 : 1, 2 + rng.int(6), rng.random() < 0.5 ? 1 : -1);
      return { reward, terminal: s.terminal };
    }
    s.ballX = x;
    s.ballY = y;
    return { reward, terminal: false };
  }

  render(grid: Float32Array): void {
    const s = this.state;
    const n = PONG_CHANNELS.length;
    for (let i = 0; i < PONG_PADDLE_HEIGHT; i++) {
      grid[((s.paddleY + i) * GRID + AGENT_X) * n + PADDLE] = 1;
      grid[((s.opponentY + i) * GRID + OPPONENT_X) * n + OPPONENT] = 1;
    }
    grid[(s.ballY * GRID + s.ballX) * n + BALL] = 1;
    grid[(s.lastY * GRID + s.lastX) * n + TRAIL] = 1;
  }

  /** The match score so far and the point won this step (+1 agent, −1 opponent, 0 none). */
  signals(): Record<string, number> {
    return {
      point: this.point,
      agent_points: this.state.agentPoints,
      opponent_points: this.state.opponentPoints,
    };
  }
}

/** The row the ball moves to next (the top and bottom walls reflect it). */
export function nextRow(s: PongState): number {
  const y = s.ballY + s.ballDy;
  return y < 0 || y > LAST ? s.ballY - s.ballDy : y;
}

/** Puts the ball in the middle, heading `dx` (1 towards the agent) on row `y`, vertically `dy`. */
function serve(s: PongState, dx: number, y: number, dy: number): void {
  s.ballX = dx > 0 ? 4 : 5;
  s.ballY = y;
  s.ballDx = dx;
  s.ballDy = dy;
  s.lastX = s.ballX;
  s.lastY = y;
}
