/**
 * Breakout on the 10×10 grid, after MinAtar's rules (Young & Tian, 2019).
 *
 * The paddle sits on the bottom row and moves one cell per step. The ball only travels along
 * diagonals, one cell per step; a trail channel marks where it was a step ago, which gives its
 * direction. Walls and the ceiling reflect it. A brick it runs into breaks for +1 and sends it
 * back down (one brick per strike: on the very next step the ball passes into a brick instead of
 * breaking it, as in MinAtar). On reaching the bottom row the ball bounces back up if it is
 * directly above the paddle (vertical reflection) or lands on it from the side (it reverses
 * both ways); otherwise the game ends. Three rows of bricks (rows 1–3) fill the top; when all
 * are gone, the next time the ball comes down to the paddle's row they are all back. There is
 * no difficulty ramp in MinAtar's Breakout.
 */
import type { Rng } from "../../core/rng.ts";
import { GRID, type GridGame } from "./grid_game.ts";

export const BREAKOUT_CHANNELS = ["paddle", "ball", "trail", "brick"] as const;
export const BREAKOUT_ACTIONS = ["noop", "left", "right"] as const;
/** The rows that hold bricks at the start and after each clearing. */
export const BRICK_ROWS = [1, 2, 3] as const;
/** The row the ball starts on. */
export const BALL_START_Y = 3;
export const PADDLE_START_X = 4;

export type BreakoutState = {
  paddleX: number;
  ballX: number;
  ballY: number;
  /** The ball's direction: dx and dy are each ±1 (dy = -1 is up). */
  ballDx: number;
  ballDy: number;
  /** Where the ball was one step ago (the trail channel). */
  lastX: number;
  lastY: number;
  /** 1 where a brick stands, indexed `y * GRID + x`. */
  bricks: Uint8Array;
  /** Whether the ball struck a brick on the previous step (it cannot break two in a row). */
  strike: boolean;
  terminal: boolean;
};

const PADDLE = 0;
const BALL = 1;
const TRAIL = 2;
const BRICK = 3;
const LAST = GRID - 1;

export class Breakout implements GridGame {
  readonly name = "Breakout";
  readonly channels = BREAKOUT_CHANNELS;
  readonly actions = BREAKOUT_ACTIONS;
  /** The whole game state; tests set it up directly. */
  state: BreakoutState = Breakout.initialState(0);

  /** The start state; `side` 0 starts the ball at the left wall heading down-right, 1 at the right. */
  static initialState(side: number): BreakoutState {
    const ballX = side === 0 ? 0 : LAST;
    const bricks = new Uint8Array(GRID * GRID);
    fillBricks(bricks);
    return {
      paddleX: PADDLE_START_X,
      ballX,
      ballY: BALL_START_Y,
      ballDx: side === 0 ? 1 : -1,
      ballDy: 1,
      lastX: ballX,
      lastY: BALL_START_Y,
      bricks,
      strike: false,
      terminal: false,
    };
  }

  reset(rng: Rng): void {
    this.state = Breakout.initialState(rng.int(2));
  }

  step(action: number): { reward: number; terminal: boolean } {
    const s = this.state;
    if (s.terminal) return { reward: 0, terminal: true };
    let reward = 0;

    if (action === 1) s.paddleX = Math.max(0, s.paddleX - 1);
    else if (action === 2) s.paddleX = Math.min(LAST, s.paddleX + 1);

    s.lastX = s.ballX;
    s.lastY = s.ballY;
    let x = s.ballX + s.ballDx;
    let y = s.ballY + s.ballDy;

    if (x < 0 || x > LAST) {
      x = x < 0 ? 0 : LAST;
      s.ballDx = -s.ballDx;
    }
    let striking = false;
    if (y < 0) {
      y = 0;
      s.ballDy = -s.ballDy;
    } else if (s.bricks[y * GRID + x] === 1) {
      striking = true;
      if (!s.strike) {
        reward += 1;
        s.strike = true;
        s.bricks[y * GRID + x] = 0;
        y = s.lastY;
        s.ballDy = -s.ballDy;
      }
    } else if (y === LAST) {
      if (!s.bricks.includes(1)) fillBricks(s.bricks);
      if (s.ballX === s.paddleX) {
        // Straight above the paddle: bounce back up.
        s.ballDy = -s.ballDy;
        y = s.lastY;
      } else if (x === s.paddleX) {
        // Onto the paddle's corner: back the way it came.
        s.ballDx = -s.ballDx;
        s.ballDy = -s.ballDy;
        y = s.lastY;
      } else {
        s.terminal = true;
      }
    }
    if (!striking) s.strike = false;

    s.ballX = x;
    s.ballY = y;
    return { reward, terminal: s.terminal };
  }

  render(grid: Float32Array): void {
    const s = this.state;
    const n = BREAKOUT_CHANNELS.length;
    grid[(LAST * GRID + s.paddleX) * n + PADDLE] = 1;
    grid[(s.ballY * GRID + s.ballX) * n + BALL] = 1;
    grid[(s.lastY * GRID + s.lastX) * n + TRAIL] = 1;
    const bricks = s.bricks;
    for (let i = 0; i < GRID * GRID; i++) if (bricks[i] === 1) grid[i * n + BRICK] = 1;
  }

  /** Bricks left standing. */
  bricksLeft(): number {
    let count = 0;
    for (const b of this.state.bricks) count += b;
    return count;
  }
}

function fillBricks(bricks: Uint8Array): void {
  for (const y of BRICK_ROWS) bricks.fill(1, y * GRID, (y + 1) * GRID);
}
