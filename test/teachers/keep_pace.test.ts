import assert from "node:assert/strict";
import { test } from "node:test";
import type { Clip, Query } from "../../src/core/types.ts";
import { GridGameEnv } from "../../src/envs/arcade/grid_game.ts";
import {
  PLAYER_ROW,
  type RoadCar,
  RoadRace,
  type RoadRaceState,
} from "../../src/envs/arcade/road_race.ts";
import { defaultRubric } from "../../src/loop/rubrics.ts";
import "../../src/teachers/goals/builtin.ts";
import { getGoal, listGoals } from "../../src/teachers/goals/index.ts";
import { keepPaceScore } from "../../src/teachers/goals/keep_pace.ts";
import { makeTeacher } from "../../src/teachers/make_teacher.ts";

const NOOP = 0;
const STEPS = 25;

function car(x: number, y: number, speed: number): RoadCar {
  return { x, y, speed, progress: 0, lastY: y };
}

/**
 * A 25-step clip of MinAtar/RoadRace-pref-v1 recorded from `state` (no new cars arrive, no
 * sticky actions), with the env's per-step signals, as the collector records them.
 */
function record(id: string, state: Partial<RoadRaceState>): Clip {
  const game = new RoadRace();
  const env = new GridGameEnv(game, { preferenceReady: true, stickyActionProb: 0, seed: 1 });
  env.reset(1);
  game.state = { ...RoadRace.initialState(), spawnTimer: 1e9, ...state };
  const obs: number[] = [];
  const rewards: number[] = [];
  const signals: Record<string, number[]> = {};
  for (let t = 0; t < STEPS; t++) {
    const r = env.step([NOOP]);
    obs.push(...r.obs);
    rewards.push(r.reward);
    const step = r.info.signals as Record<string, number>;
    for (const [k, v] of Object.entries(step)) {
      signals[k] ??= [];
      signals[k].push(v);
    }
  }
  return {
    id,
    envId: env.spec.id,
    obs: Float32Array.from(obs),
    obsSize: obs.length / STEPS,
    actions: new Float32Array(STEPS),
    actSize: 1,
    rewards: Float32Array.from(rewards),
    signals: Object.fromEntries(Object.entries(signals).map(([k, v]) => [k, Float32Array.from(v)])),
    frames: [],
    policyVersion: 0,
    envStep: 0,
  };
}

const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);

test("goal:keep-pace is a built-in goal with its rubric", () => {
  assert.ok(listGoals().includes("keep-pace"));
  assert.equal(
    defaultRubric("MinAtar/RoadRace-pref-v1", "goal:keep-pace"),
    "Prefer the clip where your car stays level with another car, driving beside it, rather than passing it.",
  );
});

test("goal:keep-pace scores driving level with a car above passing it", async () => {
  // Both clips start level with a car two lanes away, at speed 5.
  const level = record("level", { playerX: 6, speed: 5, cars: [car(4, PLAYER_ROW, 5)] });
  const passing = record("passing", { playerX: 6, speed: 10, cars: [car(4, PLAYER_ROW, 5)] });
  assert.equal(sum(level.rewards), 0);
  assert.equal(sum(passing.rewards), 1, "the true reward prefers the pass");

  const score = getGoal("keep-pace");
  const a = score(level);
  const b = score(passing);
  assert.deepEqual(Array.from(a), new Array(STEPS).fill(1), "level on every step");
  // Speed 10 against 5: level for one step, past it on the second (−0.5), then nothing.
  assert.deepEqual(Array.from(b.slice(0, 3)), [1, -0.5, 0]);
  assert.equal(sum(b), 0.5);
  assert.ok(sum(a) > sum(b));
  assert.deepEqual(Array.from(keepPaceScore(passing, { passPenalty: 2 }).slice(0, 2)), [1, -2]);

  // Being passed costs the same as passing; a car far across the road is not level.
  const overtaken = record("overtaken", {
    playerX: 6,
    speed: 1,
    cars: [car(5, PLAYER_ROW + 1, 7)],
  });
  assert.equal(sum(overtaken.rewards), -1);
  const c = score(overtaken);
  assert.equal(c[1], 0.5, "level and passed by it on the same step: 1 − 0.5");
  const far = record("far", { playerX: 9, speed: 5, cars: [car(0, PLAYER_ROW, 5)] });
  assert.equal(sum(score(far)), 0);

  // The goal teacher prefers the level clip, though the true reward says otherwise.
  const teacher = makeTeacher("goal:keep-pace", { now: () => 0 });
  const query: Query = { id: "q", left: passing, right: level, disagreement: 0 };
  const [label] = await teacher.label([query]);
  assert.equal(label.answer, "right");
});
