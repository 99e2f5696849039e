/**
 * Asterix on the 10×10 grid, after MinAtar's rules (Young & Tian, 2019).
 *
 * The player moves one cell per step in the four directions, within rows 1–8 (it starts at
 * (5, 5)). Each of the eight lanes (rows 1–8) holds at most one thing: an enemy or gold. Every
 * `spawnSpeed` steps something appears at the left or right edge of a free lane (gold with
 * probability 1/3, an enemy otherwise) and moves across, one cell every `moveSpeed` steps, until
 * it leaves the grid; a trail channel marks the cell behind it. Touching gold gives +1 and takes
 * it away; touching an enemy ends the game. The ramp: every `ASTERIX_RAMP_INTERVAL` + 2 steps the
 * spawn interval shrinks by one (down to 1), and on every second ramp the move interval does too
 * (down to 1).
 */
import type { Rng } from "../../core/rng.ts";
import { GRID, type GridGame } from "./grid_game.ts";

export const ASTERIX_CHANNELS = ["player", "enemy", "trail", "gold"] as const;
export const ASTERIX_ACTIONS = ["noop", "left", "up", "right", "down"] as const;
export const ASTERIX_RAMP_INTERVAL = 100;
export const ASTERIX_INIT_SPAWN_SPEED = 10;
export const ASTERIX_INIT_MOVE_INTERVAL = 5;
export const ASTERIX_GOLD_PROB = 1 / 3;
export const ASTERIX_LANES = 8;

export type Entity = {
  x: number;
  /** Its lane's row, 1–8. */
  y: number;
  /** Whether it moves rightwards. */
  right: boolean;
  gold: boolean;
};

export type AsterixState = {
  playerX: number;
  playerY: number;
  /** One slot per lane; slot i is row i + 1. */
  entities: (Entity | null)[];
  /** Steps between spawns. */
  spawnSpeed: number;
  spawnTimer: number;
  /** Steps between moves of the enemies and gold. */
  moveSpeed: number;
  moveTimer: number;
  rampTimer: number;
  /** How many times the game has sped up. */
  rampIndex: number;
  terminal: boolean;
};

const PLAYER = 0;
const ENEMY = 1;
const TRAIL = 2;
const GOLD = 3;

export class Asterix implements GridGame {
  readonly name = "Asterix";
  readonly channels = ASTERIX_CHANNELS;
  readonly actions = ASTERIX_ACTIONS;
  /** The whole game state; tests set it up directly. */
  state: AsterixState = Asterix.initialState();

  /** `ramping: false` keeps the start speeds (MinAtar's `difficulty_ramping=False`). */
  constructor(readonly ramping = true) {}

  static initialState(): AsterixState {
    return {
      playerX: 5,
      playerY: 5,
      entities: new Array<Entity | null>(ASTERIX_LANES).fill(null),
      spawnSpeed: ASTERIX_INIT_SPAWN_SPEED,
      spawnTimer: ASTERIX_INIT_SPAWN_SPEED,
      moveSpeed: ASTERIX_INIT_MOVE_INTERVAL,
      moveTimer: ASTERIX_INIT_MOVE_INTERVAL,
      rampTimer: ASTERIX_RAMP_INTERVAL,
      rampIndex: 0,
      terminal: false,
    };
  }

  reset(_rng: Rng): void {
    this.state = Asterix.initialState();
  }

  step(action: number, rng: Rng): { reward: number; terminal: boolean } {
    const s = this.state;
    if (s.terminal) return { reward: 0, terminal: true };
    let reward = 0;

    if (s.spawnTimer === 0) {
      this.spawn(rng);
      s.spawnTimer = s.spawnSpeed;
    }

    if (action === 1) s.playerX = Math.max(0, s.playerX - 1);
    else if (action === 2) s.playerY = Math.max(1, s.playerY - 1);
    else if (action === 3) s.playerX = Math.min(GRID - 1, s.playerX + 1);
    else if (action === 4) s.playerY = Math.min(ASTERIX_LANES, s.playerY + 1);

    const entities = s.entities;
    // The player may have walked into something.
    for (let i = 0; i < entities.length; i++) {
      const e = entities[i];
      if (e !== null && e.x === s.playerX && e.y === s.playerY) reward += this.touch(i, e);
    }
    if (s.moveTimer === 0) {
      s.moveTimer = s.moveSpeed;
      for (let i = 0; i < entities.length; i++) {
        const e = entities[i];
        if (e === null) continue;
        e.x += e.right ? 1 : -1;
        if (e.x < 0 || e.x > GRID - 1) entities[i] = null;
        else if (e.x === s.playerX && e.y === s.playerY) reward += this.touch(i, e);
      }
    }

    s.spawnTimer -= 1;
    s.moveTimer -= 1;

    if (this.ramping && (s.spawnSpeed > 1 || s.moveSpeed > 1)) {
      if (s.rampTimer >= 0) {
        s.rampTimer -= 1;
      } else {
        if (s.moveSpeed > 1 && s.rampIndex % 2 === 1) s.moveSpeed -= 1;
        if (s.spawnSpeed > 1) s.spawnSpeed -= 1;
        s.rampIndex += 1;
        s.rampTimer = ASTERIX_RAMP_INTERVAL;
      }
    }
    return { reward, terminal: s.terminal };
  }

  render(grid: Float32Array): void {
    const s = this.state;
    const n = ASTERIX_CHANNELS.length;
    grid[(s.playerY * GRID + s.playerX) * n + PLAYER] = 1;
    for (const e of s.entities) {
      if (e === null) continue;
      grid[(e.y * GRID + e.x) * n + (e.gold ? GOLD : ENEMY)] = 1;
      const back = e.right ? e.x - 1 : e.x + 1;
      if (back >= 0 && back < GRID) grid[(e.y * GRID + back) * n + TRAIL] = 1;
    }
  }

  signals(): Record<string, number> {
    return { ramp: this.state.rampIndex };
  }

  /** The player meets entity `i`: gold is collected (+1), an enemy ends the game. */
  private touch(i: number, e: Entity): number {
    if (e.gold) {
      this.state.entities[i] = null;
      return 1;
    }
    this.state.terminal = true;
    return 0;
  }

  /** Something new at an edge of a free lane, if there is one. */
  private spawn(rng: Rng): void {
    const right = rng.random() < 0.5;
    const gold = rng.random() < ASTERIX_GOLD_PROB;
    const free: number[] = [];
    this.state.entities.forEach((e, i) => {
      if (e === null) free.push(i);
    });
    if (free.length === 0) return;
    const slot = free[rng.int(free.length)];
    this.state.entities[slot] = { x: right ? 0 : GRID - 1, y: slot + 1, right, gold };
  }
}
