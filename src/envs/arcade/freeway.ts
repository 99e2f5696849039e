/**
 * Freeway on the 10×10 grid, after MinAtar's rules (Young & Tian, 2019).
 *
 * The chicken stands in column 4 and only moves up or down, at most one cell every
 * `FREEWAY_PLAYER_SPEED` steps. It starts on the bottom row (9); reaching the top row (0) gives
 * +1, puts it back on the bottom, and re-draws every car's speed and direction. Eight cars, one
 * per lane (rows 1–8), drive sideways and wrap around at the edges; a car with speed k moves one
 * cell every k + 1 steps. A car that meets the chicken sends it back to the bottom row. The speed
 * channels (`speed1` … `speed5`) mark the cell behind each car, so they show both its direction
 * and how often it moves. The game ends after `FREEWAY_TIME_LIMIT` steps (MinAtar's timer runs
 * out on step 2,501). There is no difficulty ramp in MinAtar's Freeway.
 */
import type { Rng } from "../../core/rng.ts";
import { GRID, type GridGame } from "./grid_game.ts";

export const FREEWAY_CHANNELS = [
  "chicken",
  "car",
  "speed1",
  "speed2",
  "speed3",
  "speed4",
  "speed5",
] as const;
export const FREEWAY_ACTIONS = ["noop", "up", "down"] as const;
/** The chicken moves at most once every this many steps. */
export const FREEWAY_PLAYER_SPEED = 3;
export const FREEWAY_TIME_LIMIT = 2500;
/** The chicken's column. */
export const CHICKEN_X = 4;
export const LANES = 8;
export const MAX_CAR_SPEED = 5;

export type Car = {
  x: number;
  /** Its lane's row, 1–8. */
  y: number;
  /** Steps until it next moves. */
  timer: number;
  /** Moves every |speed| + 1 steps; the sign is the direction (+ is rightwards). */
  speed: number;
};

export type FreewayState = {
  /** The chicken's row: 9 is the bottom, 0 the far side. */
  chickenY: number;
  /** Steps until the chicken may move again. */
  moveTimer: number;
  /** Counts down from `FREEWAY_TIME_LIMIT`; the game ends when it goes below 0. */
  timeLeft: number;
  cars: Car[];
  terminal: boolean;
};

const CHICKEN = 0;
const CAR = 1;
const SPEED1 = 2;
const BOTTOM = GRID - 1;

export class Freeway implements GridGame {
  readonly name = "Freeway";
  readonly channels = FREEWAY_CHANNELS;
  readonly actions = FREEWAY_ACTIONS;
  /** The whole game state; tests set it up directly. */
  state: FreewayState = {
    chickenY: BOTTOM,
    moveTimer: FREEWAY_PLAYER_SPEED,
    timeLeft: FREEWAY_TIME_LIMIT,
    cars: [],
    terminal: false,
  };

  reset(rng: Rng): void {
    const speeds = drawSpeeds(rng);
    this.state = {
      chickenY: BOTTOM,
      moveTimer: FREEWAY_PLAYER_SPEED,
      timeLeft: FREEWAY_TIME_LIMIT,
      cars: speeds.map((speed, i) => ({ x: 0, y: i + 1, timer: Math.abs(speed), speed })),
      terminal: false,
    };
  }

  step(action: number, rng: Rng): { reward: number; terminal: boolean } {
    const s = this.state;
    if (s.terminal) return { reward: 0, terminal: true };
    let reward = 0;

    if (s.moveTimer === 0) {
      if (action === 1) {
        s.moveTimer = FREEWAY_PLAYER_SPEED;
        s.chickenY = Math.max(0, s.chickenY - 1);
      } else if (action === 2) {
        s.moveTimer = FREEWAY_PLAYER_SPEED;
        s.chickenY = Math.min(BOTTOM, s.chickenY + 1);
      }
    }

    if (s.chickenY === 0) {
      reward += 1;
      const speeds = drawSpeeds(rng);
      s.cars.forEach((car, i) => {
        car.speed = speeds[i];
        car.timer = Math.abs(speeds[i]);
      });
      s.chickenY = BOTTOM;
    }

    for (const car of s.cars) {
      if (car.x === CHICKEN_X && car.y === s.chickenY) s.chickenY = BOTTOM;
      if (car.timer === 0) {
        car.timer = Math.abs(car.speed);
        car.x += car.speed > 0 ? 1 : -1;
        if (car.x < 0) car.x = GRID - 1;
        else if (car.x > GRID - 1) car.x = 0;
        if (car.x === CHICKEN_X && car.y === s.chickenY) s.chickenY = BOTTOM;
      } else {
        car.timer -= 1;
      }
    }

    if (s.moveTimer > 0) s.moveTimer -= 1;
    s.timeLeft -= 1;
    if (s.timeLeft < 0) s.terminal = true;
    return { reward, terminal: s.terminal };
  }

  render(grid: Float32Array): void {
    const s = this.state;
    const n = FREEWAY_CHANNELS.length;
    grid[(s.chickenY * GRID + CHICKEN_X) * n + CHICKEN] = 1;
    for (const car of s.cars) {
      grid[(car.y * GRID + car.x) * n + CAR] = 1;
      let back = car.speed > 0 ? car.x - 1 : car.x + 1;
      if (back < 0) back = GRID - 1;
      else if (back > GRID - 1) back = 0;
      grid[(car.y * GRID + back) * n + SPEED1 + Math.abs(car.speed) - 1] = 1;
    }
  }

  signals(): Record<string, number> {
    return { time_left: Math.max(0, this.state.timeLeft) };
  }
}

/** A speed of 1–5 for each lane, each with a random sign (its direction). */
function drawSpeeds(rng: Rng): number[] {
  const speeds: number[] = [];
  for (let i = 0; i < LANES; i++) speeds.push(1 + rng.int(MAX_CAR_SPEED));
  for (let i = 0; i < LANES; i++) if (rng.random() < 0.5) speeds[i] = -speeds[i];
  return speeds;
}
