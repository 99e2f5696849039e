import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../src/core/rng.ts";
import { cell, GRID } from "../../../src/envs/arcade/grid_game.ts";
import {
  CAR_MAX_SPEED,
  CAR_MIN_SPEED,
  CRASH_RECOVERY,
  DAY_LENGTH,
  MAX_SPEED,
  MIN_SPEED,
  PLAYER_ROW,
  ROAD_RACE_DAYS,
  ROW_UNITS,
  type RoadCar,
  RoadRace,
  type RoadRaceState,
  SPAWN_INTERVALS,
} from "../../../src/envs/arcade/road_race.ts";
import { makeEnv } from "../../../src/envs/index.ts";
import { seededPlay } from "./helpers.ts";

const NOOP = 0;
const LEFT = 1;
const RIGHT = 2;
const ACCELERATE = 3;
const BRAKE = 4;
const C = 5;
const NEVER = 1e9;

/** A game with no arrivals (unless `patch` sets a spawn timer), the start state plus `patch`. */
function game(patch: Partial<RoadRaceState> = {}): RoadRace {
  const g = new RoadRace();
  g.state = { ...RoadRace.initialState(), spawnTimer: NEVER, ...patch };
  return g;
}

function car(x: number, y: number, speed: number, progress = 0): RoadCar {
  return { x, y, speed, progress, lastY: y };
}

function observe(g: RoadRace): Float32Array {
  const grid = new Float32Array(GRID * GRID * C);
  g.render(grid);
  return grid;
}

const rng = () => new Rng(0);

test("RoadRace: channels, the minimal actions, the start and the view", () => {
  const g = new RoadRace();
  assert.deepEqual([...g.channels], ["player", "car", "trail", "speed", "day"]);
  assert.deepEqual([...g.actions], ["noop", "left", "right", "accelerate", "brake"]);
  const env = makeEnv("MinAtar/RoadRace-v1");
  assert.equal(env.reset(0).length, GRID * GRID * C);
  assert.deepEqual(env.actionSpace, { kind: "discrete", n: 5 });
  g.reset();
  assert.deepEqual(g.state, { ...RoadRace.initialState() });
  assert.deepEqual([g.state.playerX, g.state.speed, g.state.day, g.state.time], [4, 1, 1, 0]);

  const h = game({ playerX: 2, speed: 3, time: DAY_LENGTH / 2 });
  h.state.cars = [{ x: 7, y: 3, speed: 5, progress: 0, lastY: 2 }];
  const obs = observe(h);
  assert.equal(obs[cell(2, PLAYER_ROW, 0, C)], 1, "player");
  assert.equal(obs[cell(7, 3, 1, C)], 1, "car");
  assert.equal(obs[cell(7, 2, 2, C)], 1, "trail: the car came down from row 2");
  for (let x = 0; x < GRID; x++) {
    assert.equal(obs[cell(x, 8, 3, C)], x < 3 ? 1 : 0, "speed gauge: 3 cells");
    assert.equal(obs[cell(x, 9, 4, C)], x < 6 ? 1 : 0, "day gauge: half the day gone");
  }
  assert.equal(
    obs.reduce((a, b) => a + b, 0),
    3 + 3 + 6,
  );
});

test("the player steers one lane per step, and speeds up and slows down between 1 and 10", () => {
  const g = game({ playerX: 1 });
  g.step(LEFT, rng());
  g.step(LEFT, rng());
  assert.equal(g.state.playerX, 0);
  g.step(RIGHT, rng());
  assert.equal(g.state.playerX, 1);
  const h = game({ playerX: 9, speed: MAX_SPEED - 1 });
  h.step(RIGHT, rng());
  assert.equal(h.state.playerX, 9);
  h.step(ACCELERATE, rng());
  h.step(ACCELERATE, rng());
  assert.equal(h.state.speed, MAX_SPEED);
  for (let i = 0; i < 12; i++) h.step(BRAKE, rng());
  assert.equal(h.state.speed, MIN_SPEED);
});

test("cars move by the difference in speed, one row per ROW_UNITS of it", () => {
  // Player at 5, car at 3: it comes down a row every 4 steps.
  const g = game({ speed: 5, cars: [car(0, 1, 3)] });
  for (let t = 1; t <= 8; t++) {
    g.step(NOOP, rng());
    assert.equal(g.state.cars[0].y, 1 + Math.floor((2 * t) / ROW_UNITS), `step ${t}`);
  }
  assert.equal(g.state.cars[0].lastY, 2);
  // A faster car climbs; one as fast stays put.
  const h = game({ speed: 5, cars: [car(0, 5, 7), car(9, 2, 5)] });
  for (let t = 0; t < 4; t++) h.step(NOOP, rng());
  assert.deepEqual(
    h.state.cars.map((c) => c.y),
    [4, 2],
  );
  // Off the road at the top, gone.
  const k = game({ speed: 1, cars: [car(0, 0, 7, -5)] });
  assert.equal(k.step(NOOP, rng()).reward, 0);
  assert.equal(k.state.cars.length, 0);
});

test("passing a car gives +1, being passed −1", () => {
  const g = game({ playerX: 5, speed: MAX_SPEED, cars: [car(2, PLAYER_ROW, 3, 7)] });
  assert.equal(g.signals().level_with_car, 1);
  assert.deepEqual(g.step(NOOP, rng()), { reward: 1, terminal: false });
  assert.equal(g.state.cars[0].y, PLAYER_ROW + 1);
  assert.equal(g.signals().passed, 1);
  assert.equal(g.signals().passed_by, 0);
  assert.equal(g.signals().level_with_car, 0);
  // Off the bottom of the road: gone, nothing more.
  for (let t = 0; t < 3; t++) assert.equal(g.step(NOOP, rng()).reward, 0);
  assert.equal(g.state.cars.length, 0);

  const h = game({ playerX: 5, speed: MIN_SPEED, cars: [car(6, PLAYER_ROW + 1, 7, -7)] });
  assert.deepEqual(h.step(NOOP, rng()), { reward: -1, terminal: false });
  assert.equal(h.state.cars[0].y, PLAYER_ROW);
  assert.deepEqual([h.signals().passed, h.signals().passed_by], [0, 1]);
  // It drives on ahead: no more reward.
  for (let t = 0; t < 10; t++) assert.equal(h.step(NOOP, rng()).reward, 0);
  // Coming down a row that is not the player's is no pass.
  const k = game({ speed: MAX_SPEED, cars: [car(0, 2, 3, 7)] });
  assert.equal(k.step(NOOP, rng()).reward, 0);
});

test("a crash drops the speed to the minimum and blocks accelerating for a while", () => {
  // Steering into a car beside the player.
  const g = game({ playerX: 5, speed: 8, cars: [car(4, PLAYER_ROW, 8)] });
  assert.deepEqual(g.step(LEFT, rng()), { reward: 0, terminal: false });
  assert.equal(g.signals().crash, 1);
  assert.deepEqual([g.state.playerX, g.state.speed, g.state.recovery], [4, MIN_SPEED, 10]);
  assert.equal(g.state.cars.length, 0, "the car is gone");
  for (let t = 1; t < CRASH_RECOVERY; t++) {
    g.step(ACCELERATE, rng());
    assert.equal(g.state.speed, MIN_SPEED, `step ${t} after the crash`);
  }
  g.step(ACCELERATE, rng());
  assert.equal(g.state.speed, MIN_SPEED, "the last step of recovery");
  g.step(ACCELERATE, rng());
  assert.equal(g.state.speed, MIN_SPEED + 1);
  assert.equal(g.signals().crash, 0);

  // Running into a car ahead: no pass counted, and the slow car now pulls away.
  const h = game({ playerX: 3, speed: 9, cars: [car(3, PLAYER_ROW - 1, 4, 3), car(8, 3, 5)] });
  assert.deepEqual(h.step(NOOP, rng()), { reward: 0, terminal: false });
  assert.equal(h.signals().crash, 1);
  assert.equal(h.state.speed, MIN_SPEED);
  assert.deepEqual(
    h.state.cars.map((c) => c.x),
    [8],
  );
  // A car from behind runs into the player: a crash too, and no pass.
  const k = game({ playerX: 3, speed: 2, cars: [car(3, PLAYER_ROW + 1, 7, -5)] });
  assert.deepEqual(k.step(NOOP, rng()), { reward: 0, terminal: false });
  assert.equal(k.signals().crash, 1);
  assert.equal(k.state.cars.length, 0);
});

test("cars arrive ahead when slower, behind when faster, more often each day", () => {
  const g = game({ spawnTimer: 1, speed: 5 });
  const r = new Rng(3);
  const seen = new Set<number>();
  let arrivals = 0;
  for (let t = 0; t < 400; t++) {
    const before = new Set(g.state.cars);
    const wasTimer = g.state.spawnTimer;
    g.step(t % 50 < 25 ? NOOP : t % 2 === 0 ? ACCELERATE : BRAKE, r);
    const fresh = g.state.cars.filter((c) => !before.has(c));
    assert.ok(fresh.length <= 1);
    if (fresh.length === 1) {
      arrivals += 1;
      assert.equal(wasTimer, 1);
      const c = fresh[0];
      assert.ok(c.speed >= CAR_MIN_SPEED && c.speed <= CAR_MAX_SPEED);
      assert.equal(c.y, c.speed > g.state.speed ? 7 : 0, "behind if faster, else ahead");
      assert.equal(c.progress, 0);
      seen.add(c.speed);
    }
  }
  assert.ok(arrivals >= 45, `a car every 8 steps on the first day (${arrivals})`);
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6, 7]);
  // After an arrival, the timer is the day's interval.
  for (let day = 1; day <= ROAD_RACE_DAYS; day++) {
    const h = game({ spawnTimer: 1, day });
    h.step(NOOP, new Rng(day));
    assert.equal(h.state.spawnTimer, SPAWN_INTERVALS[day - 1]);
  }
  assert.deepEqual([...SPAWN_INTERVALS], [8, 7, 6, 5]);
});

test("the day counter advances every 250 steps, and the race ends after the fourth day", () => {
  const g = game();
  const gauge = () => {
    const obs = observe(g);
    let n = 0;
    for (let x = 0; x < GRID; x++) n += obs[cell(x, 9, 4, C)];
    return n;
  };
  assert.equal(gauge(), 1);
  for (let t = 0; t < DAY_LENGTH - 1; t++) g.step(NOOP, rng());
  assert.deepEqual([g.state.day, g.state.time, gauge()], [1, DAY_LENGTH - 1, 10]);
  g.step(NOOP, rng());
  assert.deepEqual([g.state.day, g.state.time, gauge()], [2, 0, 1]);
  assert.equal(g.signals().day, 2);
  let steps = DAY_LENGTH;
  let end = 0;
  for (;;) {
    steps += 1;
    if (g.step(NOOP, rng()).terminal) {
      end = steps;
      break;
    }
  }
  assert.equal(end, ROAD_RACE_DAYS * DAY_LENGTH);
  assert.deepEqual(g.step(ACCELERATE, rng()), { reward: 0, terminal: true });
  assert.equal(g.state.speed, MIN_SPEED, "a finished race stays finished");
});

test("signals: level with a car within 3 lanes, and the rows to the nearest car", () => {
  const g = game({ playerX: 5, cars: [car(9, PLAYER_ROW, 3), car(1, 2, 3)] });
  assert.deepEqual(g.signals(), {
    level_with_car: 0,
    car_distance: 0,
    passed: 0,
    passed_by: 0,
    crash: 0,
    speed: 1,
    day: 1,
  });
  g.state.cars = [car(8, PLAYER_ROW, 3), car(1, 2, 3)];
  assert.equal(g.signals().level_with_car, 1);
  g.state.cars = [car(5, 3, 3), car(1, PLAYER_ROW + 1, 3)];
  assert.deepEqual([g.signals().level_with_car, g.signals().car_distance], [0, 1]);
  g.state.cars = [];
  assert.equal(g.signals().car_distance, 8);
});

test("RoadRace: the same seed gives the same observations and rewards over 500 steps", () => {
  const run = (seed: number) => seededPlay("MinAtar/RoadRace-v1", seed);
  const a = run(7);
  const b = run(7);
  assert.deepEqual(a.obs, b.obs);
  assert.deepEqual(a.rewards, b.rewards);
  assert.ok(a.rewards.some((r) => r > 0));
  assert.ok(a.rewards.some((r) => r < 0));
  assert.notDeepEqual(run(8).obs, a.obs);
});

test("RoadRace-pref: fixed horizon, never terminates, flags the race's end, no score in view", () => {
  const env = makeEnv("MinAtar/RoadRace-pref-v1");
  assert.equal(env.spec.preferenceReady, true);
  const horizon = env.spec.maxEpisodeSteps;
  assert.equal(horizon, 2000);
  const start = observe(game());
  env.reset(3);
  const actions = new Rng(4);
  let passed = 0;
  for (let t = 1; t <= horizon; t++) {
    const r = env.step([actions.random() < 0.4 ? ACCELERATE : actions.int(5)]);
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, t === horizon);
    assert.equal(r.info.unhealthy, t % (ROAD_RACE_DAYS * DAY_LENGTH) === 0, `step ${t}`);
    if (r.info.unhealthy) {
      assert.deepEqual(Array.from(r.obs), Array.from(start), "the race starts afresh");
    }
    assert.ok(Number.isInteger(r.reward), "no end penalty: only passes");
    if (r.reward > 0) passed += r.reward;
    for (const v of r.obs) assert.ok(v === 0 || v === 1);
  }
  assert.ok(passed > 10);
});
