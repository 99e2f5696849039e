import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../src/core/rng.ts";
import {
  ASTERIX_INIT_MOVE_INTERVAL,
  ASTERIX_INIT_SPAWN_SPEED,
  Asterix,
  type AsterixState,
  type Entity,
} from "../../../src/envs/arcade/asterix.ts";
import { cell, GRID } from "../../../src/envs/arcade/grid_game.ts";
import { makeEnv } from "../../../src/envs/index.ts";
import { seededPlay } from "./helpers.ts";

const NOOP = 0;
const LEFT = 1;
const UP = 2;
const RIGHT = 3;
const DOWN = 4;
const C = 4;

/** A game in its start state (nothing spawns for a long while), with `patch` applied. */
function game(patch: Partial<AsterixState> = {}, entities: (Entity | null)[] = []): Asterix {
  const g = new Asterix();
  const base = Asterix.initialState();
  entities.forEach((e, i) => {
    base.entities[i] = e;
  });
  g.state = { ...base, spawnTimer: 1e6, ...patch };
  return g;
}

function observe(g: Asterix): Float32Array {
  const grid = new Float32Array(GRID * GRID * C);
  g.render(grid);
  return grid;
}

const rng = new Rng(0);

test("Asterix has MinAtar's channels and minimal actions", () => {
  const g = new Asterix();
  assert.deepEqual([...g.channels], ["player", "enemy", "trail", "gold"]);
  assert.deepEqual([...g.actions], ["noop", "left", "up", "right", "down"]);
  assert.deepEqual(makeEnv("MinAtar/Asterix-v1").actionSpace, { kind: "discrete", n: 5 });
});

test("the player moves in four directions within rows 1–8", () => {
  const g = game({ playerX: 0, playerY: 1 });
  g.step(UP, rng);
  g.step(LEFT, rng);
  assert.deepEqual([g.state.playerX, g.state.playerY], [0, 1]);
  g.step(RIGHT, rng);
  g.step(DOWN, rng);
  assert.deepEqual([g.state.playerX, g.state.playerY], [1, 2]);
  const h = game({ playerY: 8 });
  h.step(DOWN, rng);
  assert.equal(h.state.playerY, 8);
});

test("gold gives +1 and disappears", () => {
  // The player walks onto gold.
  const gold: Entity = { x: 6, y: 5, right: false, gold: true };
  const g = game({ moveTimer: 3 }, [null, null, null, null, gold]);
  assert.deepEqual(g.step(RIGHT, rng), { reward: 1, terminal: false });
  assert.equal(g.state.entities[4], null);
  // Gold moves onto the player.
  const g2 = game({ moveTimer: 0 }, [null, null, null, null, { ...gold, x: 4, right: true }]);
  assert.deepEqual(g2.step(NOOP, rng), { reward: 1, terminal: false });
  assert.equal(g2.state.entities[4], null);
});

test("an enemy ends the game", () => {
  const enemy: Entity = { x: 6, y: 5, right: false, gold: false };
  const g = game({ moveTimer: 0 }, [null, null, null, null, { ...enemy }]);
  assert.deepEqual(g.step(NOOP, rng), { reward: 0, terminal: true });
  assert.deepEqual(g.step(LEFT, rng), { reward: 0, terminal: true });
  const h = game({ moveTimer: 3 }, [null, null, null, null, enemy]);
  assert.equal(h.step(RIGHT, rng).terminal, true, "walking into it too");
});

test("things move every moveSpeed steps, leave at the far edge, and trail behind", () => {
  const e: Entity = { x: 8, y: 2, right: true, gold: false };
  const g = game({ moveTimer: 0 }, [null, e]);
  g.step(NOOP, rng);
  assert.equal(g.state.entities[1]?.x, 9);
  const obs = observe(g);
  assert.equal(obs[cell(9, 2, 1, C)], 1, "enemy");
  assert.equal(obs[cell(8, 2, 2, C)], 1, "trail behind it");
  assert.equal(obs[cell(5, 5, 0, C)], 1, "player");
  for (let t = 0; t < ASTERIX_INIT_MOVE_INTERVAL - 1; t++) g.step(NOOP, rng);
  assert.equal(g.state.entities[1]?.x, 9, "waits moveSpeed steps");
  g.step(NOOP, rng);
  assert.equal(g.state.entities[1], null, "gone off the right edge");
});

test("spawning: one thing per free lane, at an edge, about a third of them gold", () => {
  const g = new Asterix(false);
  g.reset(rng);
  const spawns = new Rng(11);
  let gold = 0;
  let total = 0;
  for (let i = 0; i < 600; i++) {
    const before = g.state.entities.map((e) => e !== null);
    g.state.playerY = 0; // out of every lane, so nothing touches the player
    g.state.spawnTimer = 0;
    g.state.moveTimer = 1e6;
    g.step(NOOP, spawns);
    let spawned = 0;
    g.state.entities.forEach((e, i) => {
      if (e === null) return;
      assert.equal(e.y, i + 1, "slot i is lane i + 1");
      if (!before[i]) {
        spawned += 1;
        gold += e.gold ? 1 : 0;
        assert.equal(e.x, e.right ? 0 : 9, "it starts at the edge it moves away from");
      }
    });
    assert.equal(spawned, before.every(Boolean) ? 0 : 1, "one spawn if a lane is free");
    total += spawned;
    // Empty a few lanes for the next round.
    g.state.entities = g.state.entities.map((e) => (spawns.random() < 0.2 ? null : e));
  }
  assert.ok(total > 100);
  assert.ok(Math.abs(gold / total - 1 / 3) < 0.1, `gold share ${gold / total}`);
});

test("the ramp speeds things up: faster spawns every 102 steps, faster moves every other ramp", () => {
  const g = new Asterix();
  g.reset(rng);
  const history: [number, number][] = [];
  for (let t = 1; t <= 102 * 20; t++) {
    g.state.entities.fill(null); // nothing to run into
    g.step(NOOP, rng);
    if (t % 102 === 0) history.push([g.state.spawnSpeed, g.state.moveSpeed]);
    if (t % 102 === 101 && t < 102 * 10)
      assert.equal(g.state.rampIndex, (t + 1) / 102 - 1, `step ${t}`);
  }
  assert.deepEqual(history.slice(0, 10), [
    [9, 5],
    [8, 4],
    [7, 4],
    [6, 3],
    [5, 3],
    [4, 2],
    [3, 2],
    [2, 1],
    [1, 1],
    [1, 1],
  ]);
  assert.equal(g.state.rampIndex, 9, "the ramp stops once both are at 1");
  assert.deepEqual(g.signals(), { ramp: 9 });
  // Without the ramp nothing changes.
  const flat = new Asterix(false);
  flat.reset(rng);
  for (let t = 0; t < 1000; t++) {
    flat.state.entities.fill(null);
    flat.step(NOOP, rng);
  }
  assert.deepEqual(
    [flat.state.spawnSpeed, flat.state.moveSpeed],
    [ASTERIX_INIT_SPAWN_SPEED, ASTERIX_INIT_MOVE_INTERVAL],
  );
});

test("Asterix: the same seed gives the same observations and rewards over 500 steps", () => {
  const run = (seed: number) => seededPlay("MinAtar/Asterix-v1", seed);
  const a = run(7);
  assert.deepEqual(run(7), a);
  assert.ok(a.ends > 0, "random play meets an enemy");
  assert.ok(
    a.rewards.some((r) => r > 0),
    "and picks up gold",
  );
  assert.notDeepEqual(run(8).obs, a.obs);
});

test("Asterix-pref: fixed horizon, never terminates, flags the end, no score in view", () => {
  const env = makeEnv("MinAtar/Asterix-pref-v1");
  const horizon = env.spec.maxEpisodeSteps;
  assert.equal(horizon, 2000);
  const start = Array.from(observe(game()));
  env.reset(3);
  const actions = new Rng(4);
  let unhealthy = 0;
  let score = 0;
  for (let t = 1; t <= horizon; t++) {
    const r = env.step([actions.int(5)]);
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, t === horizon);
    for (const v of r.obs) assert.ok(v === 0 || v === 1);
    if (r.info.unhealthy) {
      unhealthy += 1;
      assert.ok(r.reward <= -4, "the end carries the penalty of 5");
      // The game starts afresh: the view is the start state, whatever was scored before.
      assert.deepEqual(Array.from(r.obs), start);
    } else {
      assert.ok(r.reward >= 0);
      score += r.reward;
    }
  }
  assert.ok(unhealthy > 3, `random play meets enemies (${unhealthy})`);
  assert.ok(score > 0);
});
