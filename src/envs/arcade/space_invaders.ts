/**
 * Space Invaders on the 10×10 grid, with MinAtar's rules and constants (Young & Tian, 2019).
 *
 * The cannon sits on the bottom row and fires upward at a 4×6 block of aliens. The block steps
 * sideways until one of its aliens touches the wall; then it turns and drops a row instead. It
 * steps every `moveInterval` frames, and every frame once fewer aliens than that remain (the last
 * alien moves every frame). Every 10 frames the alien nearest the cannon's column (its lowest
 * one) drops a bullet. Each alien shot is +1. A cleared wave comes back at the top, one frame per
 * step faster (12 down to 6). The game ends when an alien bullet or an alien reaches the cannon,
 * or the block tries to drop below the bottom row.
 *
 * Aliens and bullets move within a step in MinAtar's order (player, its bullets, alien bullets,
 * aliens, then hits), so a bullet and an alien can pass through each other, as in MinAtar.
 */
import type { Rng } from "../../core/rng.ts";
import { GRID, type GridGame } from "./grid_game.ts";

/** Frames between two player shots. */
export const SHOT_COOL_DOWN = 5;
/** Frames between two steps of the alien block at the start (the first wave). */
export const ALIEN_MOVE_INTERVAL = 12;
/** The fastest the block gets from the wave ramp (frames per step). */
export const MIN_ALIEN_MOVE_INTERVAL = 6;
/** Frames between two alien shots. */
export const ALIEN_SHOT_INTERVAL = 10;

const CANNON = 0;
const ALIEN = 1;
const ALIEN_LEFT = 2;
const ALIEN_RIGHT = 3;
const FRIENDLY_BULLET = 4;
const ENEMY_BULLET = 5;

const NOOP = 0;
const LEFT = 1;
const RIGHT = 2;
const FIRE = 3;

export type SpaceInvadersOptions = {
  /** MinAtar's difficulty ramp (each cleared wave moves faster). Default true. */
  ramping?: boolean;
};

export class SpaceInvaders implements GridGame {
  readonly name = "SpaceInvaders";
  readonly channels = [
    "cannon",
    "alien",
    "alien_left",
    "alien_right",
    "friendly_bullet",
    "enemy_bullet",
  ] as const;
  readonly actions = ["noop", "left", "right", "fire"] as const;

  // The state is public so that tests can set up positions directly. Maps are row-major
  // (`y * GRID + x`), 1 where the object is.
  /** The cannon's column (it is always on the bottom row). */
  pos = 5;
  readonly aliens = new Uint8Array(GRID * GRID);
  readonly friendlyBullets = new Uint8Array(GRID * GRID);
  readonly enemyBullets = new Uint8Array(GRID * GRID);
  /** −1 while the block moves left, +1 while it moves right. */
  alienDir = -1;
  /** Frames per block step for the current wave (the ramp lowers it). */
  moveInterval = ALIEN_MOVE_INTERVAL;
  alienMoveTimer = ALIEN_MOVE_INTERVAL;
  alienShotTimer = ALIEN_SHOT_INTERVAL;
  shotTimer = 0;
  /** Waves cleared (MinAtar's ramp index). */
  ramp = 0;
  terminal = false;
  private readonly ramping: boolean;
  private readonly scratch = new Uint8Array(GRID * GRID);

  constructor(options: SpaceInvadersOptions = {}) {
    this.ramping = options.ramping ?? true;
  }

  reset(_rng: Rng): void {
    this.pos = 5;
    this.friendlyBullets.fill(0);
    this.enemyBullets.fill(0);
    this.aliens.fill(0);
    this.fillWave();
    this.alienDir = -1;
    this.moveInterval = ALIEN_MOVE_INTERVAL;
    this.alienMoveTimer = this.moveInterval;
    this.alienShotTimer = ALIEN_SHOT_INTERVAL;
    this.ramp = 0;
    this.shotTimer = 0;
    this.terminal = false;
  }

  step(action: number, _rng: Rng): { reward: number; terminal: boolean } {
    if (this.terminal) return { reward: 0, terminal: true };
    const bottom = (GRID - 1) * GRID;

    if (action === FIRE && this.shotTimer === 0) {
      // Fired from the cannon's row; the shift below moves it up one row this same frame.
      this.friendlyBullets[bottom + this.pos] = 1;
      this.shotTimer = SHOT_COOL_DOWN;
    } else if (action === LEFT) {
      this.pos = Math.max(0, this.pos - 1);
    } else if (action === RIGHT) {
      this.pos = Math.min(GRID - 1, this.pos + 1);
    } else if (action !== NOOP && action !== FIRE) {
      throw new Error(`SpaceInvaders: unknown action ${action}`);
    }

    // The player's bullets go up a row and leave at the top; the aliens' go down a row.
    shiftRows(this.friendlyBullets, -1);
    shiftRows(this.enemyBullets, 1);
    if (this.enemyBullets[bottom + this.pos]) this.terminal = true;

    if (this.aliens[bottom + this.pos]) this.terminal = true;
    if (this.alienMoveTimer === 0) {
      this.alienMoveTimer = Math.min(this.alienCount(), this.moveInterval);
      const atWall =
        (this.alienDir < 0 && this.columnHasAlien(0)) ||
        (this.alienDir > 0 && this.columnHasAlien(GRID - 1));
      if (atWall) {
        this.alienDir = -this.alienDir;
        if (this.rowHasAlien(GRID - 1)) this.terminal = true;
        shiftRows(this.aliens, 1);
      } else {
        this.shiftColumns(this.alienDir);
      }
      if (this.aliens[bottom + this.pos]) this.terminal = true;
    }
    if (this.alienShotTimer === 0) {
      this.alienShotTimer = ALIEN_SHOT_INTERVAL;
      const shooter = this.nearestAlien(this.pos);
      if (shooter >= 0) this.enemyBullets[shooter] = 1;
    }

    let reward = 0;
    for (let i = 0; i < GRID * GRID; i++) {
      if (this.aliens[i] && this.friendlyBullets[i]) {
        this.aliens[i] = 0;
        this.friendlyBullets[i] = 0;
        reward += 1;
      }
    }

    if (this.shotTimer > 0) this.shotTimer -= 1;
    this.alienMoveTimer -= 1;
    this.alienShotTimer -= 1;
    if (this.alienCount() === 0) {
      if (this.ramping && this.moveInterval > MIN_ALIEN_MOVE_INTERVAL) {
        this.moveInterval -= 1;
        this.ramp += 1;
      }
      this.fillWave();
    }
    return { reward, terminal: this.terminal };
  }

  render(grid: Float32Array): void {
    const c = this.channels.length;
    grid[((GRID - 1) * GRID + this.pos) * c + CANNON] = 1;
    const dirChannel = this.alienDir < 0 ? ALIEN_LEFT : ALIEN_RIGHT;
    for (let i = 0; i < GRID * GRID; i++) {
      if (this.aliens[i]) {
        grid[i * c + ALIEN] = 1;
        grid[i * c + dirChannel] = 1;
      }
      if (this.friendlyBullets[i]) grid[i * c + FRIENDLY_BULLET] = 1;
      if (this.enemyBullets[i]) grid[i * c + ENEMY_BULLET] = 1;
    }
  }

  signals(): Record<string, number> {
    return { aliens: this.alienCount(), ramp: this.ramp };
  }

  alienCount(): number {
    let n = 0;
    for (let i = 0; i < GRID * GRID; i++) n += this.aliens[i];
    return n;
  }

  /** A wave: rows 0–3, columns 2–7. */
  private fillWave(): void {
    for (let y = 0; y < 4; y++) for (let x = 2; x < 8; x++) this.aliens[y * GRID + x] = 1;
  }

  private columnHasAlien(x: number): boolean {
    for (let y = 0; y < GRID; y++) if (this.aliens[y * GRID + x]) return true;
    return false;
  }

  private rowHasAlien(y: number): boolean {
    for (let x = 0; x < GRID; x++) if (this.aliens[y * GRID + x]) return true;
    return false;
  }

  /**
   * The cell of the lowest alien in the occupied column nearest `x` (ties go to the left
   * column), or −1 when there are none.
   */
  private nearestAlien(x: number): number {
    for (let d = 0; d < GRID; d++) {
      const left = this.lowestAlien(x - d);
      if (left >= 0) return left;
      const right = d > 0 ? this.lowestAlien(x + d) : -1;
      if (right >= 0) return right;
    }
    return -1;
  }

  private lowestAlien(col: number): number {
    if (col < 0 || col >= GRID) return -1;
    for (let y = GRID - 1; y >= 0; y--) if (this.aliens[y * GRID + col]) return y * GRID + col;
    return -1;
  }

  /** Moves every alien `dx` columns; the wall check before it means none falls off. */
  private shiftColumns(dx: number): void {
    const s = this.scratch;
    s.fill(0);
    for (let y = 0; y < GRID; y++) {
      for (let x = 0; x < GRID; x++) {
        const nx = x + dx;
        if (this.aliens[y * GRID + x] && nx >= 0 && nx < GRID) s[y * GRID + nx] = 1;
      }
    }
    this.aliens.set(s);
  }
}

/** Moves every set cell `dy` rows (±1); what leaves the grid is gone. */
function shiftRows(map: Uint8Array, dy: number): void {
  if (dy < 0) {
    map.copyWithin(0, GRID);
    map.fill(0, (GRID - 1) * GRID);
  } else {
    map.copyWithin(GRID, 0, (GRID - 1) * GRID);
    map.fill(0, 0, GRID);
  }
}
