import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../src/core/rng.ts";
import { cell, GRID, type GridGameEnv } from "../../../src/envs/arcade/grid_game.ts";
import {
  ENEMY_MOVE_INTERVAL,
  ENEMY_SPAWN_INTERVAL,
  MAX_DIVERS,
  MAX_OXYGEN,
  Seaquest,
} from "../../../src/envs/arcade/seaquest.ts";
import { makeEnv } from "../../../src/envs/index.ts";
import { seededPlay } from "./helpers.ts";

const NOOP = 0;
const LEFT = 1;
const UP = 2;
const RIGHT = 3;
const DOWN = 4;
const FIRE = 5;
const FAR = 1_000_000;
const C = 10;

/** A fresh game with nothing spawning, the submarine at (x, y). */
function quiet(x = 5, y = 0): Seaquest {
  const game = new Seaquest();
  game.reset(new Rng(0));
  game.spawnTimer = FAR;
  game.diverSpawnTimer = FAR;
  game.subX = x;
  game.subY = y;
  if (y > 0) game.atSurface = false;
  return game;
}

test("Seaquest: MinAtar's channels, minimal actions, and start", () => {
  const game = new Seaquest();
  game.reset(new Rng(0));
  assert.deepEqual(game.channels, [
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
  ]);
  assert.deepEqual(game.actions, ["noop", "left", "up", "right", "down", "fire"]);
  const grid = new Float32Array(GRID * GRID * C);
  game.render(grid);
  // The submarine at (5, 0) facing left, its back to the right; a full oxygen bar.
  assert.equal(grid[cell(5, 0, 0, C)], 1);
  assert.equal(grid[cell(6, 0, 1, C)], 1);
  for (let x = 0; x < 10; x++) assert.equal(grid[cell(x, 9, 7, C)], 1);
  assert.deepEqual(game.signals(), { oxygen: 200, divers: 0, surfaced: 0, surfacings: 0, ramp: 0 });
});

test("Seaquest: the submarine moves, turns, and stays above the gauge row", () => {
  const game = quiet();
  const rng = new Rng(0);
  game.step(RIGHT, rng);
  assert.equal(game.facingRight, true);
  for (let i = 0; i < 12; i++) game.step(DOWN, rng);
  assert.equal(game.subY, 8);
  game.step(LEFT, rng);
  assert.equal(game.subX, 5);
  assert.equal(game.facingRight, false);
  const grid = new Float32Array(GRID * GRID * C);
  game.render(grid);
  assert.equal(grid[cell(5, 8, 0, C)], 1);
  assert.equal(grid[cell(6, 8, 1, C)], 1);
});

test("Seaquest: oxygen runs out underwater and ends the game", () => {
  const game = quiet();
  const rng = new Rng(0);
  game.step(DOWN, rng);
  assert.equal(game.oxygen, MAX_OXYGEN - 1);
  for (let t = 2; t <= MAX_OXYGEN; t++) {
    assert.equal(game.step(NOOP, rng).terminal, false, `step ${t}`);
  }
  assert.equal(game.oxygen, 0);
  const grid = new Float32Array(GRID * GRID * C);
  game.render(grid);
  for (let x = 0; x < 10; x++) assert.equal(grid[cell(x, 9, 7, C)], 0, "the bar is empty");
  assert.equal(game.step(NOOP, rng).terminal, true);
});

test("Seaquest: oxygen does not fall at the surface", () => {
  const game = quiet();
  const rng = new Rng(0);
  for (let t = 0; t < 300; t++) assert.equal(game.step(NOOP, rng).terminal, false);
  assert.equal(game.oxygen, MAX_OXYGEN);
});

test("Seaquest: surfacing with no diver aboard ends the game", () => {
  const game = quiet(5, 1);
  const r = game.step(UP, new Rng(0));
  assert.equal(r.terminal, true);
  assert.equal(game.signals().surfaced, 0);
});

test("Seaquest: surfacing with a diver refills the oxygen, drops one diver, and ramps", () => {
  const game = quiet(5, 1);
  game.divers = 2;
  game.oxygen = 50;
  const rng = new Rng(0);
  const r = game.step(UP, rng);
  assert.deepEqual(r, { reward: 0, terminal: false });
  assert.equal(game.oxygen, MAX_OXYGEN);
  assert.equal(game.divers, 1);
  assert.equal(game.signals().surfaced, 1);
  assert.equal(game.signals().surfacings, 1);
  assert.equal(game.ramp, 1);
  assert.equal(game.spawnSpeed, ENEMY_SPAWN_INTERVAL - 1);
  assert.equal(game.moveSpeed, ENEMY_MOVE_INTERVAL, "enemies speed up every other surfacing");
  // Staying at the surface is not a second surfacing.
  game.step(NOOP, rng);
  assert.equal(game.signals().surfaced, 0);
  assert.equal(game.divers, 1);
  // Diving and coming up again is: the second one speeds enemies up.
  game.step(DOWN, rng);
  game.step(UP, rng);
  assert.equal(game.signals().surfaced, 1);
  assert.equal(game.divers, 0);
  assert.equal(game.ramp, 2);
  assert.equal(game.spawnSpeed, ENEMY_SPAWN_INTERVAL - 2);
  assert.equal(game.moveSpeed, ENEMY_MOVE_INTERVAL - 1);
});

test("Seaquest: surfacing with 6 divers pays a point per tenth of oxygen left and empties the sub", () => {
  const game = quiet(5, 1);
  game.divers = MAX_DIVERS;
  game.oxygen = 130;
  const r = game.step(UP, new Rng(0));
  assert.deepEqual(r, { reward: 6, terminal: false });
  assert.equal(game.divers, 0);
  assert.equal(game.oxygen, MAX_OXYGEN);
});

test("Seaquest: a diver is collected, by drifting onto the sub or the sub onto it", () => {
  const game = quiet(5, 3);
  game.diversInWater.push({ x: 4, y: 3, right: true, moveTimer: 0 });
  const rng = new Rng(0);
  game.step(NOOP, rng);
  assert.equal(game.divers, 1);
  assert.equal(game.diversInWater.length, 0);
  game.diversInWater.push({ x: 6, y: 3, right: true, moveTimer: 3 });
  game.step(RIGHT, rng);
  assert.equal(game.divers, 2);
  assert.equal(game.signals().divers, 2);
  const grid = new Float32Array(GRID * GRID * C);
  game.render(grid);
  // The diver gauge fills from column 8 leftwards.
  assert.equal(grid[cell(8, 9, 8, C)], 1);
  assert.equal(grid[cell(7, 9, 8, C)], 1);
  assert.equal(grid[cell(6, 9, 8, C)], 0);
  // A full sub leaves divers in the water.
  game.divers = MAX_DIVERS;
  game.diversInWater.push({ x: 6, y: 3, right: false, moveTimer: 0 });
  game.step(NOOP, rng);
  assert.equal(game.divers, MAX_DIVERS);
  assert.equal(game.diversInWater.length, 1);
});

test("Seaquest: divers and enemies show a trail behind them", () => {
  const game = quiet(5, 0);
  game.diversInWater.push({ x: 4, y: 3, right: true, moveTimer: 3 });
  game.fish.push({ x: 2, y: 6, right: false, moveTimer: 3 });
  const grid = new Float32Array(GRID * GRID * C);
  game.render(grid);
  assert.equal(grid[cell(4, 3, 9, C)], 1);
  assert.equal(grid[cell(3, 3, 3, C)], 1);
  assert.equal(grid[cell(2, 6, 5, C)], 1);
  assert.equal(grid[cell(3, 6, 3, C)], 1);
});

test("Seaquest: shooting an enemy gives +1 (a shark or a sub)", () => {
  const game = quiet(3, 4);
  game.facingRight = true;
  game.fish.push({ x: 5, y: 4, right: false, moveTimer: 3 });
  game.subs.push({ x: 0, y: 6, right: true, moveTimer: FAR, shotTimer: FAR });
  const rng = new Rng(0);
  let r = game.step(FIRE, rng);
  assert.equal(r.reward, 0);
  assert.deepEqual(game.friendlyBullets, [{ x: 4, y: 4, right: true }]);
  r = game.step(NOOP, rng);
  assert.deepEqual(r, { reward: 1, terminal: false });
  assert.equal(game.fish.length, 0);
  assert.equal(game.friendlyBullets.length, 0);
  // Now a sub, fired at facing left.
  game.subX = 3;
  game.subY = 6;
  game.facingRight = false;
  game.shotTimer = 0;
  game.subs[0].x = 1;
  game.step(FIRE, rng);
  r = game.step(NOOP, rng);
  assert.equal(r.reward, 1);
  assert.equal(game.subs.length, 0);
});

test("Seaquest: an enemy moving into a torpedo is destroyed for +1", () => {
  const game = quiet(2, 4);
  game.friendlyBullets.push({ x: 4, y: 4, right: false });
  game.fish.push({ x: 5, y: 4, right: false, moveTimer: 0 });
  // The torpedo moves first (to 3), then the shark moves (to 4): they cross without meeting.
  let r = game.step(NOOP, new Rng(0));
  assert.equal(r.reward, 0);
  game.friendlyBullets = [{ x: 5, y: 6, right: true }];
  game.fish = [{ x: 7, y: 6, right: false, moveTimer: 0 }];
  r = game.step(NOOP, new Rng(0));
  assert.equal(r.reward, 1);
  assert.equal(game.fish.length, 0);
});

test("Seaquest: touching an enemy or an enemy bullet ends the game", () => {
  const fish = quiet(5, 4);
  fish.fish.push({ x: 6, y: 4, right: false, moveTimer: 0 });
  assert.equal(fish.step(NOOP, new Rng(0)).terminal, true);
  const sub = quiet(5, 4);
  sub.subs.push({ x: 4, y: 4, right: true, moveTimer: 0, shotTimer: FAR });
  assert.equal(sub.step(NOOP, new Rng(0)).terminal, true);
  const bullet = quiet(5, 4);
  bullet.enemyBullets.push({ x: 3, y: 4, right: true });
  assert.equal(bullet.step(NOOP, new Rng(0)).terminal, false);
  assert.equal(bullet.step(NOOP, new Rng(0)).terminal, true);
});

test("Seaquest: enemy subs fire along their row every 10 frames", () => {
  const game = quiet(5, 1);
  game.subs.push({ x: 0, y: 7, right: true, moveTimer: FAR, shotTimer: 0 });
  const rng = new Rng(0);
  game.step(NOOP, rng);
  assert.deepEqual(game.enemyBullets, [{ x: 1, y: 7, right: true }]);
  // The next shot is 11 frames later; by then the first has left the grid.
  for (let t = 0; t < 10; t++) game.step(NOOP, rng);
  assert.deepEqual(game.enemyBullets, []);
  game.step(NOOP, rng);
  assert.deepEqual(game.enemyBullets, [{ x: 1, y: 7, right: true }]);
});

test("Seaquest: enemies spawn at the edges of rows 1–8, every 20 frames at first", () => {
  const game = new Seaquest();
  const rng = new Rng(5);
  game.reset(rng);
  let spawned = 0;
  for (let t = 0; t < 200 && spawned < 3; t++) {
    const before = game.fish.length + game.subs.length;
    game.step(NOOP, rng);
    for (const e of [...game.fish, ...game.subs]) {
      assert.ok(e.y >= 1 && e.y <= 8);
      assert.ok(e.x >= 0 && e.x <= 9);
    }
    if (game.fish.length + game.subs.length > before) {
      spawned += 1;
      // Steps 21, 41, 61, …: the timer starts at 20 and is checked before it counts down.
      assert.equal(t % ENEMY_SPAWN_INTERVAL, 0, `spawned at step ${t + 1}`);
      assert.ok(t > 0);
    }
  }
  assert.ok(spawned > 0);
});

test("Seaquest: the same seed gives the same observations and rewards (500 random steps)", () => {
  const run = (seed: number) => seededPlay("MinAtar/Seaquest-v1", seed, { actionSeedOffset: 1 });
  const a = run(11);
  const b = run(11);
  assert.deepEqual(a.obs, b.obs);
  assert.deepEqual(a.rewards, b.rewards);
  assert.notDeepEqual(run(12).obs, a.obs);
});

test("Seaquest: the env reports oxygen, divers and surfacing in info.signals", () => {
  const env = makeEnv("MinAtar/Seaquest-v1") as GridGameEnv;
  env.reset(1);
  const game = env.game as Seaquest;
  game.subY = 3;
  game.atSurface = false;
  const s = env.step([NOOP]);
  const signals = s.info.signals as Record<string, number>;
  assert.equal(signals.oxygen, MAX_OXYGEN - 1);
  assert.equal(signals.divers, 0);
  assert.equal(signals.surfaced, 0);
});

test("Seaquest: the preference-ready variant charges 10 where the game ends and goes on", () => {
  const env = makeEnv("MinAtar/Seaquest-pref-v1") as GridGameEnv;
  assert.equal(env.spec.preferenceReady, true);
  env.reset(3);
  const game = env.game as Seaquest;
  game.subY = 1;
  game.atSurface = false;
  const s = env.step([NOOP]); // an idle sub: even if the action sticks, it stays put
  assert.equal(s.terminated, false);
  assert.equal(s.info.unhealthy, false);
  game.oxygen = 0;
  const end = env.step([NOOP]);
  assert.equal(end.terminated, false);
  assert.equal(end.reward, -10);
  assert.equal(end.info.unhealthy, true);
  assert.equal(game.oxygen, MAX_OXYGEN, "the game started afresh");
  assert.equal(game.subY, 0);
});
