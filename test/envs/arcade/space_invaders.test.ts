import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../src/core/rng.ts";
import { cell, GRID, type GridGameEnv } from "../../../src/envs/arcade/grid_game.ts";
import {
  ALIEN_MOVE_INTERVAL,
  SHOT_COOL_DOWN,
  SpaceInvaders,
} from "../../../src/envs/arcade/space_invaders.ts";
import { makeEnv } from "../../../src/envs/index.ts";
import { seededPlay } from "./helpers.ts";

const NOOP = 0;
const LEFT = 1;
const RIGHT = 2;
const FIRE = 3;
const FAR = 1_000_000;

function fresh(): SpaceInvaders {
  const game = new SpaceInvaders();
  game.reset(new Rng(0));
  return game;
}

/** A game with the block gone: only the aliens at `cells` ([x, y]), none moving or shooting. */
function only(cells: [number, number][]): SpaceInvaders {
  const game = fresh();
  game.aliens.fill(0);
  for (const [x, y] of cells) game.aliens[y * GRID + x] = 1;
  game.alienMoveTimer = FAR;
  game.alienShotTimer = FAR;
  return game;
}

/** The aliens' cells as [x, y]. */
function alienCells(game: SpaceInvaders): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < GRID * GRID; i++) if (game.aliens[i]) out.push([i % GRID, (i / GRID) | 0]);
  return out;
}

test("SpaceInvaders: MinAtar's channels, minimal actions, and start (24 aliens, cannon at 5)", () => {
  const game = fresh();
  assert.deepEqual(game.channels, [
    "cannon",
    "alien",
    "alien_left",
    "alien_right",
    "friendly_bullet",
    "enemy_bullet",
  ]);
  assert.deepEqual(game.actions, ["noop", "left", "right", "fire"]);
  assert.equal(game.alienCount(), 24);
  const grid = new Float32Array(GRID * GRID * 6);
  game.render(grid);
  assert.equal(grid[cell(5, 9, 0, 6)], 1);
  assert.equal(grid[cell(2, 0, 1, 6)], 1);
  assert.equal(grid[cell(7, 3, 1, 6)], 1);
  assert.equal(grid[cell(1, 0, 1, 6)], 0);
  // Moving left at the start: the alien_left channel mirrors the aliens, alien_right is empty.
  assert.equal(grid[cell(2, 0, 2, 6)], 1);
  assert.equal(grid[cell(2, 0, 3, 6)], 0);
});

test("SpaceInvaders: the cannon moves and stops at the walls", () => {
  const game = fresh();
  for (let i = 0; i < 8; i++) game.step(LEFT, new Rng(0));
  assert.equal(game.pos, 0);
  for (let i = 0; i < 12; i++) game.step(RIGHT, new Rng(0));
  assert.equal(game.pos, 9);
});

test("SpaceInvaders: shooting an alien gives +1 and removes it and the bullet", () => {
  const game = only([
    [5, 7],
    [0, 0],
  ]);
  const rng = new Rng(0);
  let r = game.step(FIRE, rng);
  assert.equal(r.reward, 0);
  assert.equal(game.friendlyBullets[8 * GRID + 5], 1, "the shot is one row up after its frame");
  r = game.step(NOOP, rng);
  assert.equal(r.reward, 1);
  assert.equal(r.terminal, false);
  assert.deepEqual(alienCells(game), [[0, 0]]);
  assert.equal(
    game.friendlyBullets.reduce((a, b) => a + b, 0),
    0,
  );
});

test("SpaceInvaders: the cannon fires at most once per cool-down", () => {
  const game = only([[0, 0]]);
  const rng = new Rng(0);
  let shots = 0;
  for (let i = 0; i < 20; i++) {
    const before = game.shotTimer;
    game.step(FIRE, rng);
    if (before === 0) shots += 1;
  }
  assert.equal(shots, 20 / SHOT_COOL_DOWN);
});

test("SpaceInvaders: an alien bullet reaching the cannon ends the game", () => {
  const game = only([[0, 0]]);
  game.enemyBullets[8 * GRID + 5] = 1;
  const r = game.step(NOOP, new Rng(0));
  assert.equal(r.terminal, true);
  // A game that has ended stays ended.
  assert.deepEqual(game.step(NOOP, new Rng(0)), { reward: 0, terminal: true });
});

test("SpaceInvaders: a bullet that misses the cannon falls off the grid", () => {
  const game = only([[0, 0]]);
  game.enemyBullets[8 * GRID + 3] = 1;
  const rng = new Rng(0);
  assert.equal(game.step(NOOP, rng).terminal, false);
  assert.equal(game.enemyBullets[9 * GRID + 3], 1);
  assert.equal(game.step(NOOP, rng).terminal, false);
  assert.equal(
    game.enemyBullets.reduce((a, b) => a + b, 0),
    0,
  );
});

test("SpaceInvaders: the nearest alien column's lowest alien shoots every 10 frames", () => {
  const game = only([
    [4, 1],
    [4, 3],
    [8, 6],
  ]);
  game.alienShotTimer = 0;
  game.step(NOOP, new Rng(0));
  // Column 4 is nearer the cannon (5) than column 8; its lowest alien is at row 3.
  assert.equal(game.enemyBullets[3 * GRID + 4], 1);
  assert.equal(game.alienShotTimer, 9);
});

test("SpaceInvaders: the aliens reaching the cannon's row end the game", () => {
  // An alien in the cannon's cell.
  const onCannon = only([[5, 9]]);
  assert.equal(onCannon.step(NOOP, new Rng(0)).terminal, true);
  // The block at a wall on the bottom row has nowhere to descend.
  const atBottom = only([[0, 9]]);
  atBottom.alienMoveTimer = 0;
  assert.equal(atBottom.step(NOOP, new Rng(0)).terminal, true);
});

test("SpaceInvaders: the block steps sideways every 12 frames, and turns and descends at a wall", () => {
  const game = fresh();
  const rng = new Rng(0);
  game.pos = 0;
  const moves: number[] = [];
  let before = alienCells(game);
  for (let t = 1; t <= 5 * ALIEN_MOVE_INTERVAL; t++) {
    game.alienShotTimer = FAR; // no bullets, so the game does not end
    game.step(NOOP, rng);
    const after = alienCells(game);
    if (JSON.stringify(after) !== JSON.stringify(before)) moves.push(t);
    before = after;
  }
  assert.deepEqual(moves, [13, 25, 37, 49]);
  // Two steps left put the block against the left wall; the third drops it a row and turns it,
  // and the fourth moves it right.
  const xs = alienCells(game).map(([x]) => x);
  const ys = alienCells(game).map(([, y]) => y);
  assert.equal(Math.min(...xs), 1);
  assert.equal(Math.min(...ys), 1);
  assert.equal(game.alienDir, 1);
});

test("SpaceInvaders: a cleared wave comes back at the top, faster", () => {
  const game = only([[5, 7]]);
  game.alienMoveTimer = 5;
  const rng = new Rng(0);
  game.step(FIRE, rng);
  const r = game.step(NOOP, rng);
  assert.equal(r.reward, 1);
  assert.equal(game.alienCount(), 24);
  assert.equal(game.ramp, 1);
  assert.equal(game.moveInterval, ALIEN_MOVE_INTERVAL - 1);
  // The new wave's block steps every 11 frames instead of 12.
  const moves: number[] = [];
  let before = alienCells(game);
  for (let t = 1; t <= 40; t++) {
    game.alienShotTimer = FAR;
    game.step(NOOP, rng);
    const after = alienCells(game);
    if (JSON.stringify(after) !== JSON.stringify(before)) moves.push(t);
    before = after;
  }
  assert.ok(moves.length >= 3, `moves at ${moves}`);
  for (let i = 1; i < moves.length; i++) assert.equal(moves[i] - moves[i - 1], 11);
  // The ramp stops at 6 frames per step.
  const fast = only([[5, 7]]);
  fast.moveInterval = 6;
  fast.step(FIRE, rng);
  fast.step(NOOP, rng);
  assert.equal(fast.moveInterval, 6);
});

test("SpaceInvaders: with fewer aliens than the interval, the block speeds up (the last one every frame)", () => {
  const game = only([[5, 2]]);
  game.alienMoveTimer = 0;
  const rng = new Rng(0);
  const xs: number[] = [];
  for (let t = 0; t < 4; t++) {
    game.step(NOOP, rng);
    xs.push(alienCells(game)[0][0]);
  }
  assert.deepEqual(xs, [4, 3, 2, 1]);
});

test("SpaceInvaders: the same seed gives the same observations and rewards (500 random steps)", () => {
  const run = (seed: number) =>
    seededPlay("MinAtar/SpaceInvaders-v1", seed, { actionSeedOffset: 1 });
  const a = run(7);
  const b = run(7);
  assert.deepEqual(a.obs, b.obs);
  assert.deepEqual(a.rewards, b.rewards);
  assert.ok(a.total > 0, "random play shoots some aliens");
  assert.notDeepEqual(run(8).obs, a.obs);
});

test("SpaceInvaders: the preference-ready variant charges 5 where the game ends and goes on", () => {
  const env = makeEnv("MinAtar/SpaceInvaders-pref-v1") as GridGameEnv;
  assert.equal(env.spec.preferenceReady, true);
  env.reset(3);
  const game = env.game as SpaceInvaders;
  game.enemyBullets[8 * GRID + game.pos] = 1;
  game.alienShotTimer = FAR;
  const s = env.step([NOOP]);
  assert.equal(s.terminated, false);
  assert.equal(s.reward, -5);
  assert.equal(s.info.unhealthy, true);
  assert.equal(game.alienCount(), 24, "the game started afresh");
});
