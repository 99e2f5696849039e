/**
 * Seaquest on the 10×10 grid, with MinAtar's rules and constants (Young & Tian, 2019).
 *
 * The player's submarine is two cells (front and back, so its heading shows) and fires torpedoes
 * from its front. Enemy subs and sharks ("fish") cross the rows 1–8 from either side; subs also
 * fire bullets along their row. A torpedo that meets an enemy removes it for +1. Divers drift
 * across the rows too; touching one takes it aboard (at most 6), shown in a gauge on the bottom
 * row. Oxygen (200 frames, a gauge on the bottom row) falls by one each frame below the surface;
 * at 0 the game ends. Coming up to the surface (row 0) with a diver aboard refills it and lets
 * one diver off; with all 6 aboard, all go and the surfacing pays one point per tenth of oxygen
 * left (up to 10). Coming up with none ends the game, as does touching an enemy or its bullet.
 * Each surfacing ramps the difficulty: enemies spawn one frame sooner (20 down to 1) and, every
 * other time, move one frame per cell faster (5 down to 2).
 *
 * Things move within a step in MinAtar's order: spawns, the player, torpedoes, divers, enemy
 * subs (and their shots), enemy bullets, sharks, then timers and oxygen.
 *
 * One departure from MinAtar's code: there, surfacing with 6 divers leaves the count at −1 (it
 * zeroes the count and then takes the usual one diver off), so the next surfacing without a new
 * diver does not end the game. Here it leaves 0, as MinAtar's own description says ("all divers
 * are removed").
 */
import type { Rng } from "../../core/rng.ts";
import { GRID, type GridGame } from "./grid_game.ts";

/** Full oxygen, in frames below the surface. */
export const MAX_OXYGEN = 200;
/** Frames between two enemy spawns at the start. */
export const ENEMY_SPAWN_INTERVAL = 20;
/** Frames between two diver spawns. */
export const DIVER_SPAWN_INTERVAL = 30;
/** Frames an enemy waits between two cells at the start. */
export const ENEMY_MOVE_INTERVAL = 5;
/** The fastest the ramp makes enemies (frames per cell). */
export const MIN_ENEMY_MOVE_INTERVAL = 2;
/** Frames between two player torpedoes. */
export const SHOT_COOL_DOWN = 5;
/** Frames between two shots of an enemy sub. */
export const ENEMY_SHOT_INTERVAL = 10;
/** Frames a diver waits between two cells. */
export const DIVER_MOVE_INTERVAL = 5;
/** Divers the submarine can carry. */
export const MAX_DIVERS = 6;

const SUB_FRONT = 0;
const SUB_BACK = 1;
const FRIENDLY_BULLET = 2;
const TRAIL = 3;
const ENEMY_BULLET = 4;
const ENEMY_FISH = 5;
const ENEMY_SUB = 6;
const OXYGEN_GAUGE = 7;
const DIVER_GAUGE = 8;
const DIVER = 9;

const NOOP = 0;
const LEFT = 1;
const UP = 2;
const RIGHT = 3;
const DOWN = 4;
const FIRE = 5;

/** A torpedo or an enemy bullet: it moves one cell a frame along its row. */
export type Bullet = { x: number; y: number; right: boolean };
/** A shark, enemy sub or diver: it moves one cell each time `moveTimer` runs out. */
export type Mover = { x: number; y: number; right: boolean; moveTimer: number };
export type EnemySub = Mover & { shotTimer: number };

export type SeaquestOptions = {
  /** MinAtar's difficulty ramp (each surfacing spawns and moves enemies faster). Default true. */
  ramping?: boolean;
};

export class Seaquest implements GridGame {
  readonly name = "Seaquest";
  readonly channels = [
    "sub_front",
    "sub_back",
    "friendly_bullet",
    "trail",
    "enemy_bullet",
    "enemy_fish",
    "enemy_sub",
    "oxygen_gauge",
    "diver_gauge",
    "diver",
  ] as const;
  readonly actions = ["noop", "left", "up", "right", "down", "fire"] as const;

  // The state is public so that tests can set up positions directly.
  subX = 5;
  subY = 0;
  /** The submarine faces right (its back is then on its left). */
  facingRight = false;
  oxygen = MAX_OXYGEN;
  /** Divers aboard. */
  divers = 0;
  friendlyBullets: Bullet[] = [];
  enemyBullets: Bullet[] = [];
  fish: Mover[] = [];
  subs: EnemySub[] = [];
  diversInWater: Mover[] = [];
  /** Frames per cell for enemies (the ramp lowers it). */
  moveSpeed = ENEMY_MOVE_INTERVAL;
  /** Frames between enemy spawns (the ramp lowers it). */
  spawnSpeed = ENEMY_SPAWN_INTERVAL;
  spawnTimer = ENEMY_SPAWN_INTERVAL;
  diverSpawnTimer = DIVER_SPAWN_INTERVAL;
  shotTimer = 0;
  /** Surfacings so far (MinAtar's ramp index). */
  ramp = 0;
  /** At the surface since the last surfacing (so staying there does not count again). */
  atSurface = true;
  terminal = false;
  /** Surfacings that refilled oxygen, this game. */
  surfacings = 0;
  private surfacedThisStep = false;
  private readonly ramping: boolean;

  constructor(options: SeaquestOptions = {}) {
    this.ramping = options.ramping ?? true;
  }

  reset(_rng: Rng): void {
    this.subX = 5;
    this.subY = 0;
    this.facingRight = false;
    this.oxygen = MAX_OXYGEN;
    this.divers = 0;
    this.friendlyBullets = [];
    this.enemyBullets = [];
    this.fish = [];
    this.subs = [];
    this.diversInWater = [];
    this.spawnSpeed = ENEMY_SPAWN_INTERVAL;
    this.spawnTimer = this.spawnSpeed;
    this.diverSpawnTimer = DIVER_SPAWN_INTERVAL;
    this.moveSpeed = ENEMY_MOVE_INTERVAL;
    this.ramp = 0;
    this.shotTimer = 0;
    this.atSurface = true;
    this.terminal = false;
    this.surfacings = 0;
    this.surfacedThisStep = false;
  }

  step(action: number, rng: Rng): { reward: number; terminal: boolean } {
    this.surfacedThisStep = false;
    if (this.terminal) return { reward: 0, terminal: true };
    let reward = 0;

    if (this.spawnTimer === 0) {
      this.spawnEnemy(rng);
      this.spawnTimer = this.spawnSpeed;
    }
    if (this.diverSpawnTimer === 0) {
      this.spawnDiver(rng);
      this.diverSpawnTimer = DIVER_SPAWN_INTERVAL;
    }

    if (action === FIRE && this.shotTimer === 0) {
      this.friendlyBullets.push({ x: this.subX, y: this.subY, right: this.facingRight });
      this.shotTimer = SHOT_COOL_DOWN;
    } else if (action === LEFT) {
      this.subX = Math.max(0, this.subX - 1);
      this.facingRight = false;
    } else if (action === RIGHT) {
      this.subX = Math.min(GRID - 1, this.subX + 1);
      this.facingRight = true;
    } else if (action === UP) {
      this.subY = Math.max(0, this.subY - 1);
    } else if (action === DOWN) {
      this.subY = Math.min(GRID - 2, this.subY + 1);
    } else if (action !== NOOP && action !== FIRE) {
      throw new Error(`Seaquest: unknown action ${action}`);
    }

    // Torpedoes move, then hit a shark or else a sub in their new cell.
    const bullets = this.friendlyBullets;
    for (let i = bullets.length - 1; i >= 0; i--) {
      const b = bullets[i];
      b.x += b.right ? 1 : -1;
      if (b.x < 0 || b.x >= GRID) {
        bullets.splice(i, 1);
        continue;
      }
      const f = indexAt(this.fish, b.x, b.y);
      if (f >= 0) {
        this.fish.splice(f, 1);
        bullets.splice(i, 1);
        reward += 1;
        continue;
      }
      const s = indexAt(this.subs, b.x, b.y);
      if (s >= 0) {
        this.subs.splice(s, 1);
        bullets.splice(i, 1);
        reward += 1;
      }
    }

    // Divers drift; one that is (or drifts) on the submarine comes aboard if there is room.
    const water = this.diversInWater;
    for (let i = water.length - 1; i >= 0; i--) {
      const d = water[i];
      if (this.isSub(d.x, d.y) && this.divers < MAX_DIVERS) {
        water.splice(i, 1);
        this.divers += 1;
      } else if (d.moveTimer === 0) {
        d.moveTimer = DIVER_MOVE_INTERVAL;
        d.x += d.right ? 1 : -1;
        if (d.x < 0 || d.x >= GRID) {
          water.splice(i, 1);
        } else if (this.isSub(d.x, d.y) && this.divers < MAX_DIVERS) {
          water.splice(i, 1);
          this.divers += 1;
        }
      } else {
        d.moveTimer -= 1;
      }
    }

    // Enemy subs move, collide, and fire (a sub fires on schedule even on the frame it is
    // destroyed or leaves the grid, as in MinAtar; a shot from off the grid is gone at once).
    const subs = this.subs;
    for (let i = subs.length - 1; i >= 0; i--) {
      const s = subs[i];
      reward += this.moveEnemy(subs, i);
      if (s.shotTimer === 0) {
        s.shotTimer = ENEMY_SHOT_INTERVAL;
        this.enemyBullets.push({ x: s.x, y: s.y, right: s.right });
      } else {
        s.shotTimer -= 1;
      }
    }

    const enemyBullets = this.enemyBullets;
    for (let i = enemyBullets.length - 1; i >= 0; i--) {
      const b = enemyBullets[i];
      if (this.isSub(b.x, b.y)) this.terminal = true;
      b.x += b.right ? 1 : -1;
      if (b.x < 0 || b.x >= GRID) enemyBullets.splice(i, 1);
      else if (this.isSub(b.x, b.y)) this.terminal = true;
    }

    for (let i = this.fish.length - 1; i >= 0; i--) reward += this.moveEnemy(this.fish, i);

    if (this.spawnTimer > 0) this.spawnTimer -= 1;
    if (this.diverSpawnTimer > 0) this.diverSpawnTimer -= 1;
    if (this.shotTimer > 0) this.shotTimer -= 1;
    if (this.oxygen <= 0) this.terminal = true;
    if (this.subY > 0) {
      this.oxygen -= 1;
      this.atSurface = false;
    } else if (!this.atSurface) {
      if (this.divers === 0) this.terminal = true;
      else reward += this.surface();
    }
    return { reward, terminal: this.terminal };
  }

  render(grid: Float32Array): void {
    const c = this.channels.length;
    const at = (x: number, y: number, ch: number) => {
      if (x >= 0 && x < GRID) grid[(y * GRID + x) * c + ch] = 1;
    };
    at(this.subX, this.subY, SUB_FRONT);
    at(this.facingRight ? this.subX - 1 : this.subX + 1, this.subY, SUB_BACK);
    const oxygenCells = Math.floor((Math.max(0, this.oxygen) * 10) / MAX_OXYGEN);
    for (let x = 0; x < oxygenCells; x++) at(x, GRID - 1, OXYGEN_GAUGE);
    for (let x = GRID - 1 - this.divers; x < GRID - 1; x++) at(x, GRID - 1, DIVER_GAUGE);
    for (const b of this.friendlyBullets) at(b.x, b.y, FRIENDLY_BULLET);
    for (const b of this.enemyBullets) at(b.x, b.y, ENEMY_BULLET);
    // Enemies and divers leave a trail in the cell behind them, so their heading shows.
    for (const [movers, ch] of [
      [this.fish, ENEMY_FISH],
      [this.subs, ENEMY_SUB],
      [this.diversInWater, DIVER],
    ] as const) {
      for (const m of movers) {
        at(m.x, m.y, ch);
        at(m.right ? m.x - 1 : m.x + 1, m.y, TRAIL);
      }
    }
  }

  /**
   * `oxygen` (0–200), `divers` aboard, `surfaced` (1 on a step that comes up with a diver and
   * refills the oxygen), `surfacings` this game, and `ramp`.
   */
  signals(): Record<string, number> {
    return {
      oxygen: this.oxygen,
      divers: this.divers,
      surfaced: this.surfacedThisStep ? 1 : 0,
      surfacings: this.surfacings,
      ramp: this.ramp,
    };
  }

  private isSub(x: number, y: number): boolean {
    return x === this.subX && y === this.subY;
  }

  /**
   * One frame of the shark or sub at `list[i]`: it rams the submarine, moves when its timer is
   * up, leaves the grid, or meets a torpedo (removing both). Returns the reward (0 or 1).
   */
  private moveEnemy(list: Mover[], i: number): number {
    const e = list[i];
    if (this.isSub(e.x, e.y)) this.terminal = true;
    if (e.moveTimer !== 0) {
      e.moveTimer -= 1;
      return 0;
    }
    e.moveTimer = this.moveSpeed;
    e.x += e.right ? 1 : -1;
    if (e.x < 0 || e.x >= GRID) {
      list.splice(i, 1);
    } else if (this.isSub(e.x, e.y)) {
      this.terminal = true;
    } else {
      const b = indexAt(this.friendlyBullets, e.x, e.y);
      if (b >= 0) {
        list.splice(i, 1);
        this.friendlyBullets.splice(b, 1);
        return 1;
      }
    }
    return 0;
  }

  /** Coming up with a diver aboard: refill, let divers off, pay for a full load, ramp. */
  private surface(): number {
    this.atSurface = true;
    this.surfacedThisStep = true;
    this.surfacings += 1;
    let reward = 0;
    if (this.divers === MAX_DIVERS) {
      reward = Math.floor((this.oxygen * 10) / MAX_OXYGEN);
      this.divers = 0;
    } else {
      this.divers -= 1;
    }
    this.oxygen = MAX_OXYGEN;
    if (this.ramping && (this.spawnSpeed > 1 || this.moveSpeed > MIN_ENEMY_MOVE_INTERVAL)) {
      if (this.moveSpeed > MIN_ENEMY_MOVE_INTERVAL && this.ramp % 2 === 1) this.moveSpeed -= 1;
      if (this.spawnSpeed > 1) this.spawnSpeed -= 1;
      this.ramp += 1;
    }
    return reward;
  }

  /**
   * A shark (2/3) or sub (1/3) at either edge of a random row 1–8, heading in; skipped when that
   * row already has an enemy heading the other way.
   */
  private spawnEnemy(rng: Rng): void {
    const right = rng.random() < 0.5;
    const isSub = rng.random() < 1 / 3;
    const x = right ? 0 : GRID - 1;
    const y = 1 + rng.int(GRID - 2);
    for (const e of this.subs) if (e.y === y && e.right !== right) return;
    for (const e of this.fish) if (e.y === y && e.right !== right) return;
    if (isSub) {
      this.subs.push({ x, y, right, moveTimer: this.moveSpeed, shotTimer: ENEMY_SHOT_INTERVAL });
    } else {
      this.fish.push({ x, y, right, moveTimer: this.moveSpeed });
    }
  }

  private spawnDiver(rng: Rng): void {
    const right = rng.random() < 0.5;
    const x = right ? 0 : GRID - 1;
    const y = 1 + rng.int(GRID - 2);
    this.diversInWater.push({ x, y, right, moveTimer: DIVER_MOVE_INTERVAL });
  }
}

/** The first of `items` in cell (x, y), or −1. */
function indexAt(items: readonly { x: number; y: number }[], x: number, y: number): number {
  for (let i = 0; i < items.length; i++) if (items[i].x === x && items[i].y === y) return i;
  return -1;
}
