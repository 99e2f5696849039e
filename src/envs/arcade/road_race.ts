/**
 * A road race on the 10×10 grid, after Atari's Enduro: our own design, in MinAtar's style (it is
 * not one of MinAtar's games).
 *
 * Rows 0–7 are the road, ten lanes (columns) wide, seen from behind the player's car, which
 * drives on row 6 (`PLAYER_ROW`) with one row of road below it. Row 8 is a speed gauge (one
 * cell per unit of speed) and row 9 a day gauge (the time of day, filling from the left).
 *
 * The player steers one lane left or right per step and sets its speed, 1–10: accelerating or
 * braking changes it by one per step. Other cars drive straight down their lane at a speed of
 * their own, 3–7, so on screen they move by the difference: each step a car gains
 * `player speed − its speed` towards the bottom, and moves one row each time that adds up to
 * `ROW_UNITS` (8), down when the player is faster and up when it is slower. A car marks the
 * cell it last moved from (the `trail` channel), which shows which way it is going. A car that
 * goes from the player's row to the row below has been passed, +1; one that comes up from below
 * onto the player's row has passed the player, −1 (so the score is the net number of cars
 * overtaken). A car that leaves the road at the top or bottom is gone.
 *
 * A crash (steering into a car, or a car moving into the player's cell) removes that car,
 * with no pass counted, drops the player to the minimum speed, and for `CRASH_RECOVERY` (10)
 * steps accelerating does nothing, so the cars the player had been gaining on pull away and the
 * ones behind pass it.
 *
 * New cars arrive every `SPAWN_INTERVALS[day]` steps (8 on the first day, one fewer each day),
 * in a random lane and at a random speed: a car slower than the player (or as fast) appears on
 * the top row, ahead; a faster one on the bottom row, behind (and is already counted as passed:
 * if it comes level it costs −1, as it overtakes). A car does not appear on a cell already
 * taken. A day lasts `DAY_LENGTH` (250) steps, and the race lasts `ROAD_RACE_DAYS` (4) days: the
 * game ends after 1,000 steps, whatever the score. The start is the same each time: the player
 * in lane 4 at speed 1 on an empty road, the first car one step away; everything random is in
 * the arrivals.
 */
import type { Rng } from "../../core/rng.ts";
import { GRID, type GridGame } from "./grid_game.ts";

export const ROAD_RACE_CHANNELS = ["player", "car", "trail", "speed", "day"] as const;
export const ROAD_RACE_ACTIONS = ["noop", "left", "right", "accelerate", "brake"] as const;
/** Rows of road (0–7); row 8 holds the speed gauge and row 9 the day gauge. */
export const ROAD_ROWS = 8;
/** The player's row: one row of road lies below it. */
export const PLAYER_ROW = 6;
export const PLAYER_START_X = 4;
export const MIN_SPEED = 1;
export const MAX_SPEED = 10;
/** Other cars' speeds are drawn uniformly from CAR_MIN_SPEED–CAR_MAX_SPEED. */
export const CAR_MIN_SPEED = 3;
export const CAR_MAX_SPEED = 7;
/** Relative speed a car accumulates to move one row. */
export const ROW_UNITS = 8;
/** Steps after a crash during which accelerating does nothing. */
export const CRASH_RECOVERY = 10;
/** Steps between two arrivals, by day (the last entry holds for later days). */
export const SPAWN_INTERVALS = [8, 7, 6, 5] as const;
export const DAY_LENGTH = 250;
export const ROAD_RACE_DAYS = 4;
/** A car on the player's row at most this many lanes away is level with it (`level_with_car`). */
export const LEVEL_REACH = 3;

export type RoadCar = {
  x: number;
  y: number;
  speed: number;
  /** Relative speed gathered towards the next row: moves down at +ROW_UNITS, up at −ROW_UNITS. */
  progress: number;
  /** The row it last moved from (its own row until it has moved): the trail channel. */
  lastY: number;
};

export type RoadRaceState = {
  playerX: number;
  speed: number;
  /** Steps left in which accelerating does nothing (after a crash). */
  recovery: number;
  cars: RoadCar[];
  /** Steps until the next car arrives. */
  spawnTimer: number;
  /** The day, 1 to ROAD_RACE_DAYS. */
  day: number;
  /** Steps into the day, 0 to DAY_LENGTH − 1. */
  time: number;
  terminal: boolean;
};

const PLAYER = 0;
const CAR = 1;
const TRAIL = 2;
const SPEED = 3;
const DAY = 4;
const LAST = GRID - 1;
const SPEED_ROW = ROAD_ROWS;
const DAY_ROW = ROAD_ROWS + 1;

const LEFT = 1;
const RIGHT = 2;
const ACCELERATE = 3;
const BRAKE = 4;

/** What happened in the last step, for `signals()`. */
type StepEvents = { passed: number; passedBy: number; crash: boolean };

export class RoadRace implements GridGame {
  readonly name = "RoadRace";
  readonly channels = ROAD_RACE_CHANNELS;
  readonly actions = ROAD_RACE_ACTIONS;
  /** The whole game state; tests set it up directly. */
  state: RoadRaceState = RoadRace.initialState();
  private events: StepEvents = { passed: 0, passedBy: 0, crash: false };

  static initialState(): RoadRaceState {
    return {
      playerX: PLAYER_START_X,
      speed: MIN_SPEED,
      recovery: 0,
      cars: [],
      spawnTimer: 1,
      day: 1,
      time: 0,
      terminal: false,
    };
  }

  reset(): void {
    this.state = RoadRace.initialState();
    this.events = { passed: 0, passedBy: 0, crash: false };
  }

  step(action: number, rng: Rng): { reward: number; terminal: boolean } {
    const s = this.state;
    const ev: StepEvents = { passed: 0, passedBy: 0, crash: false };
    this.events = ev;
    if (s.terminal) return { reward: 0, terminal: true };

    if (action === LEFT) s.playerX = Math.max(0, s.playerX - 1);
    else if (action === RIGHT) s.playerX = Math.min(LAST, s.playerX + 1);
    else if (action === ACCELERATE && s.recovery === 0) s.speed = Math.min(MAX_SPEED, s.speed + 1);
    else if (action === BRAKE) s.speed = Math.max(MIN_SPEED, s.speed - 1);
    if (s.recovery > 0) s.recovery -= 1;

    // Steering into a car.
    const cars = s.cars.filter((c) => c.y !== PLAYER_ROW || c.x !== s.playerX);
    if (cars.length < s.cars.length) ev.crash = true;

    const kept: RoadCar[] = [];
    for (const car of cars) {
      car.progress += s.speed - car.speed;
      let dy = 0;
      if (car.progress >= ROW_UNITS) dy = 1;
      else if (car.progress <= -ROW_UNITS) dy = -1;
      if (dy !== 0) {
        car.progress -= dy * ROW_UNITS;
        car.lastY = car.y;
        car.y += dy;
        if (car.y === PLAYER_ROW && car.x === s.playerX) {
          ev.crash = true;
          continue;
        }
        if (dy > 0 && car.y === PLAYER_ROW + 1) ev.passed += 1;
        else if (dy < 0 && car.y === PLAYER_ROW) ev.passedBy += 1;
        if (car.y < 0 || car.y >= ROAD_ROWS) continue;
      }
      kept.push(car);
    }
    s.cars = kept;

    if (ev.crash) {
      s.speed = MIN_SPEED;
      s.recovery = CRASH_RECOVERY;
    }

    s.spawnTimer -= 1;
    if (s.spawnTimer <= 0) {
      s.spawnTimer = SPAWN_INTERVALS[Math.min(s.day, SPAWN_INTERVALS.length) - 1];
      const speed = CAR_MIN_SPEED + rng.int(CAR_MAX_SPEED - CAR_MIN_SPEED + 1);
      const x = rng.int(GRID);
      const y = speed > s.speed ? ROAD_ROWS - 1 : 0;
      if (!s.cars.some((c) => c.x === x && c.y === y)) {
        s.cars.push({ x, y, speed, progress: 0, lastY: y });
      }
    }

    s.time += 1;
    if (s.time >= DAY_LENGTH) {
      s.time = 0;
      s.day += 1;
      if (s.day > ROAD_RACE_DAYS) {
        s.day = ROAD_RACE_DAYS;
        s.time = DAY_LENGTH - 1;
        s.terminal = true;
      }
    }
    return { reward: ev.passed - ev.passedBy, terminal: s.terminal };
  }

  render(grid: Float32Array): void {
    const s = this.state;
    const n = ROAD_RACE_CHANNELS.length;
    grid[(PLAYER_ROW * GRID + s.playerX) * n + PLAYER] = 1;
    for (const car of s.cars) {
      grid[(car.y * GRID + car.x) * n + CAR] = 1;
      if (car.lastY !== car.y && car.lastY >= 0 && car.lastY < ROAD_ROWS) {
        grid[(car.lastY * GRID + car.x) * n + TRAIL] = 1;
      }
    }
    for (let x = 0; x < s.speed; x++) grid[(SPEED_ROW * GRID + x) * n + SPEED] = 1;
    const dayCells = 1 + Math.floor((s.time * GRID) / DAY_LENGTH);
    for (let x = 0; x < dayCells; x++) grid[(DAY_ROW * GRID + x) * n + DAY] = 1;
  }

  /**
   * Per step: `level_with_car` (1 when a car is on the player's row within LEVEL_REACH lanes),
   * `car_distance` (rows from the player's row to the nearest car on the road, any lane;
   * ROAD_ROWS when the road is empty), `passed` and `passed_by` (cars passed by and passing the
   * player this step), `crash`, `speed` and `day`.
   */
  signals(): Record<string, number> {
    const s = this.state;
    let level = 0;
    let distance = ROAD_ROWS;
    for (const car of s.cars) {
      const dy = Math.abs(car.y - PLAYER_ROW);
      if (dy < distance) distance = dy;
      if (dy === 0 && Math.abs(car.x - s.playerX) <= LEVEL_REACH) level = 1;
    }
    return {
      level_with_car: level,
      car_distance: distance,
      passed: this.events.passed,
      passed_by: this.events.passedBy,
      crash: this.events.crash ? 1 : 0,
      speed: s.speed,
      day: s.day,
    };
  }
}
