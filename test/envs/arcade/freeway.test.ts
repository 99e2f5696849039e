import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../src/core/rng.ts";
import {
  type Car,
  FREEWAY_PLAYER_SPEED,
  FREEWAY_TIME_LIMIT,
  Freeway,
  type FreewayState,
} from "../../../src/envs/arcade/freeway.ts";
import { cell, GRID, GridGameEnv } from "../../../src/envs/arcade/grid_game.ts";
import { makeEnv } from "../../../src/envs/index.ts";
import { seededPlay } from "./helpers.ts";

const NOOP = 0;
const UP = 1;
const DOWN = 2;
const C = 7;

/** Eight parked cars at the left edge, unless `cars` says otherwise. */
function parked(): Car[] {
  const cars: Car[] = [];
  for (let i = 0; i < 8; i++) cars.push({ x: 0, y: i + 1, timer: 1e6, speed: 5 });
  return cars;
}

function game(patch: Partial<FreewayState> = {}): Freeway {
  const g = new Freeway();
  const cars = parked();
  g.state = {
    chickenY: 9,
    moveTimer: 0,
    timeLeft: FREEWAY_TIME_LIMIT,
    cars,
    terminal: false,
    ...patch,
  };
  return g;
}

function observe(g: Freeway): Float32Array {
  const grid = new Float32Array(GRID * GRID * C);
  g.render(grid);
  return grid;
}

test("Freeway has MinAtar's channels and minimal actions", () => {
  const g = new Freeway();
  assert.deepEqual(
    [...g.channels],
    ["chicken", "car", "speed1", "speed2", "speed3", "speed4", "speed5"],
  );
  assert.deepEqual([...g.actions], ["noop", "up", "down"]);
  assert.deepEqual(makeEnv("MinAtar/Freeway-v1").actionSpace, { kind: "discrete", n: 3 });
});

test("the start: chicken at the bottom, one car per lane at the left edge, speeds 1–5", () => {
  const g = new Freeway();
  const speeds = new Set<number>();
  for (let seed = 0; seed < 10; seed++) {
    g.reset(new Rng(seed));
    const s = g.state;
    assert.equal(s.chickenY, 9);
    assert.equal(s.moveTimer, FREEWAY_PLAYER_SPEED);
    assert.deepEqual(
      s.cars.map((c) => [c.x, c.y]),
      [1, 2, 3, 4, 5, 6, 7, 8].map((y) => [0, y]),
    );
    for (const c of s.cars) {
      assert.ok(Math.abs(c.speed) >= 1 && Math.abs(c.speed) <= 5);
      assert.equal(c.timer, Math.abs(c.speed));
      speeds.add(c.speed);
    }
  }
  assert.equal(speeds.size, 10, "both directions and all five speeds occur");
});

test("the chicken moves at most once every 3 steps", () => {
  const g = game();
  g.step(UP, new Rng(0));
  assert.equal(g.state.chickenY, 8);
  g.step(UP, new Rng(0));
  g.step(UP, new Rng(0));
  assert.equal(g.state.chickenY, 8, "still cooling down");
  g.step(UP, new Rng(0));
  assert.equal(g.state.chickenY, 7);
  for (let i = 0; i < 3; i++) g.step(NOOP, new Rng(0));
  g.step(DOWN, new Rng(0));
  assert.equal(g.state.chickenY, 8);
});

test("crossing gives +1, returns the chicken to the bottom and re-draws the car speeds", () => {
  const g = game({ chickenY: 1 });
  const { reward, terminal } = g.step(UP, new Rng(5));
  assert.equal(reward, 1);
  assert.equal(terminal, false);
  assert.equal(g.state.chickenY, 9);
  assert.ok(
    g.state.cars.some((c) => c.speed !== 5),
    "speeds re-drawn",
  );
  for (const c of g.state.cars) assert.ok(Math.abs(c.speed) >= 1 && Math.abs(c.speed) <= 5);
  // Walking up from the bottom through empty lanes takes 9 moves, 3 steps apart.
  const h = game();
  let total = 0;
  let steps = 0;
  while (total === 0) {
    total += h.step(UP, new Rng(steps)).reward;
    steps += 1;
  }
  assert.equal(steps, 3 * 8 + 1);
});

test("a car hit pushes the chicken back to the bottom", () => {
  // A car that moves into the chicken (lane 5, column 3 → 4).
  const cars = parked();
  cars[4] = { x: 3, y: 5, timer: 0, speed: 1 };
  const g = game({ chickenY: 5, cars, moveTimer: 2 });
  assert.deepEqual(g.step(NOOP, new Rng(0)), { reward: 0, terminal: false });
  assert.equal(g.state.chickenY, 9);
  assert.equal(g.state.cars[4].x, 4);
  // The chicken walking into a car standing in its column.
  const cars2 = cars.map((c) => ({ ...c }));
  cars2[3] = { x: 4, y: 4, timer: 3, speed: -2 };
  const h = game({ chickenY: 5, cars: cars2 });
  h.step(UP, new Rng(0));
  assert.equal(h.state.chickenY, 9);
});

test("cars wrap around and move every |speed| + 1 steps; the speed channel trails them", () => {
  const cars = parked();
  cars[0] = { x: 0, y: 1, timer: 0, speed: -2 };
  const g = game({ cars });
  const xs: number[] = [];
  for (let t = 0; t < 7; t++) {
    g.step(NOOP, new Rng(0));
    xs.push(g.state.cars[0].x);
  }
  assert.deepEqual(xs, [9, 9, 9, 8, 8, 8, 7]);
  const obs = observe(g);
  assert.equal(obs[cell(7, 1, 1, C)], 1, "car");
  assert.equal(obs[cell(8, 1, 2 + 1, C)], 1, "speed2 behind it (it drives left)");
  assert.equal(obs[cell(4, 9, 0, C)], 1, "chicken");
});

test("the game ends at the time limit", () => {
  const g = game();
  for (let t = 1; t <= FREEWAY_TIME_LIMIT; t++) {
    assert.equal(g.step(NOOP, new Rng(t)).terminal, false, `step ${t}`);
  }
  assert.equal(g.step(NOOP, new Rng(0)).terminal, true);
  assert.deepEqual(g.step(UP, new Rng(0)), { reward: 0, terminal: true });
  // Through the env: MinAtar's 2,501 steps.
  const env = makeEnv("MinAtar/Freeway-v1");
  env.reset(1);
  let t = 0;
  for (;;) {
    t += 1;
    const r = env.step([NOOP]);
    if (r.terminated) break;
    assert.equal(r.truncated, false);
  }
  assert.equal(t, FREEWAY_TIME_LIMIT + 1);
});

test("Freeway: the same seed gives the same observations and rewards over 500 steps", () => {
  const run = (seed: number) =>
    seededPlay("MinAtar/Freeway-v1", seed, {
      // Mostly up, so that the chicken crosses and the speeds get re-drawn.
      choose: (rng, n) => (rng.random() < 0.8 ? UP : rng.int(n)),
    });
  const a = run(7);
  assert.deepEqual(run(7), a);
  assert.ok(
    a.rewards.some((r) => r > 0),
    "the chicken crosses at least once",
  );
  assert.notDeepEqual(run(8).obs, a.obs);
});

test("Freeway-pref: fixed horizon, never terminates, flags the time-limit end, no score in view", () => {
  const env = makeEnv("MinAtar/Freeway-pref-v1");
  assert.equal(env.spec.maxEpisodeSteps, 2000);
  // The registered horizon ends before the clock; a longer one shows the restart.
  const long = new GridGameEnv(new Freeway(), { preferenceReady: true, horizon: 3000 });
  long.reset(2);
  const actions = new Rng(3);
  let crossed = 0;
  for (let t = 1; t <= 3000; t++) {
    const r = long.step([actions.random() < 0.8 ? UP : actions.int(3)]);
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, t === 3000);
    assert.equal(r.info.unhealthy, t === FREEWAY_TIME_LIMIT + 1, `step ${t}`);
    assert.equal(r.reward >= 0, true, "end penalty 0 for the time limit (see index.ts)");
    crossed += r.reward;
    for (const v of r.obs) assert.ok(v === 0 || v === 1);
    // Only the chicken, the cars and their trails: one chicken, 8 cars, 8 trails.
    let count = 0;
    for (const v of r.obs) count += v;
    assert.equal(count, 17);
  }
  assert.ok(crossed > 10);
});
