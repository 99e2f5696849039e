import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../src/core/rng.ts";
import { Breakout, type BreakoutState } from "../../../src/envs/arcade/breakout.ts";
import { cell, GRID } from "../../../src/envs/arcade/grid_game.ts";
import { makeEnv } from "../../../src/envs/index.ts";
import { seededPlay } from "./helpers.ts";

const NOOP = 0;
const LEFT = 1;
const RIGHT = 2;

/** A game in its start state, with `patch` applied. */
function game(patch: Partial<BreakoutState> = {}): Breakout {
  const g = new Breakout();
  g.state = { ...Breakout.initialState(0), ...patch };
  return g;
}

function observe(g: Breakout): Float32Array {
  const grid = new Float32Array(GRID * GRID * g.channels.length);
  g.render(grid);
  return grid;
}

test("Breakout has MinAtar's channels and minimal actions", () => {
  const g = new Breakout();
  assert.deepEqual([...g.channels], ["paddle", "ball", "trail", "brick"]);
  assert.deepEqual([...g.actions], ["noop", "left", "right"]);
  const env = makeEnv("MinAtar/Breakout-v1");
  assert.equal(env.observationSpace.kind, "box");
  assert.equal(env.reset(0).length, GRID * GRID * 4);
  assert.deepEqual(env.actionSpace, { kind: "discrete", n: 3 });
});

test("the start state: three rows of bricks, paddle in the middle, ball on row 3 heading down", () => {
  const starts = new Set<string>();
  for (let seed = 0; seed < 20; seed++) {
    const g = new Breakout();
    g.reset(new Rng(seed));
    const s = g.state;
    assert.equal(g.bricksLeft(), 30);
    for (let x = 0; x < GRID; x++)
      for (const y of [1, 2, 3]) assert.equal(s.bricks[y * GRID + x], 1);
    assert.equal(s.paddleX, 4);
    assert.equal(s.ballY, 3);
    assert.equal(s.ballDy, 1);
    starts.add(`${s.ballX},${s.ballDx}`);
  }
  assert.deepEqual([...starts].sort(), ["0,1", "9,-1"]);
});

test("the paddle moves one cell per step and stops at the walls", () => {
  const g = game({ paddleX: 1 });
  g.step(LEFT);
  assert.equal(g.state.paddleX, 0);
  g.step(LEFT);
  assert.equal(g.state.paddleX, 0);
  g.step(RIGHT);
  assert.equal(g.state.paddleX, 1);
});

test("a brick breaks for +1 and sends the ball back down", () => {
  const g = game({ ballX: 4, ballY: 4, ballDx: 1, ballDy: -1, lastX: 3, lastY: 5 });
  const { reward, terminal } = g.step(NOOP);
  assert.equal(reward, 1);
  assert.equal(terminal, false);
  const s = g.state;
  assert.equal(s.bricks[3 * GRID + 5], 0, "the brick at (5, 3) is gone");
  assert.equal(g.bricksLeft(), 29);
  assert.deepEqual([s.ballX, s.ballY, s.ballDx, s.ballDy], [5, 4, 1, 1]);
  assert.deepEqual([s.lastX, s.lastY], [4, 4]);
  // Observation: ball at (5, 4), its trail at (4, 4), no brick at (5, 3).
  const obs = observe(g);
  assert.equal(obs[cell(5, 4, 1, 4)], 1);
  assert.equal(obs[cell(4, 4, 2, 4)], 1);
  assert.equal(obs[cell(5, 3, 3, 4)], 0);
  assert.equal(obs[cell(4, 9, 0, 4)], 1, "paddle");
});

test("the ball cannot break two bricks on consecutive steps: it passes into the second", () => {
  const g = game({ ballX: 4, ballY: 4, ballDx: 1, ballDy: -1, strike: true });
  const { reward } = g.step(NOOP);
  assert.equal(reward, 0);
  assert.deepEqual([g.state.ballX, g.state.ballY], [5, 3]);
  assert.equal(g.state.bricks[3 * GRID + 5], 1);
  assert.equal(g.state.strike, true);
});

test("walls and the ceiling reflect the ball", () => {
  const empty = new Uint8Array(GRID * GRID);
  const g = game({ ballX: 9, ballY: 5, ballDx: 1, ballDy: -1, bricks: empty });
  g.step(NOOP);
  assert.deepEqual([g.state.ballX, g.state.ballY, g.state.ballDx, g.state.ballDy], [9, 4, -1, -1]);
  const h = game({ ballX: 3, ballY: 0, ballDx: -1, ballDy: -1, bricks: empty.slice() });
  h.step(NOOP);
  assert.deepEqual([h.state.ballX, h.state.ballY, h.state.ballDx, h.state.ballDy], [2, 0, -1, 1]);
});

test("the ball bounces off the paddle", () => {
  // Straight above the paddle: it goes back up, still heading right.
  const above = game({ ballX: 3, ballY: 8, ballDx: 1, ballDy: 1, paddleX: 3 });
  assert.deepEqual(above.step(NOOP), { reward: 0, terminal: false });
  const a = above.state;
  assert.deepEqual([a.ballX, a.ballY, a.ballDx, a.ballDy], [4, 8, 1, -1]);
  // Onto the paddle from the side: it goes back the way it came.
  const side = game({ ballX: 3, ballY: 8, ballDx: 1, ballDy: 1, paddleX: 4 });
  assert.deepEqual(side.step(NOOP), { reward: 0, terminal: false });
  const b = side.state;
  assert.deepEqual([b.ballX, b.ballY, b.ballDx, b.ballDy], [4, 8, -1, -1]);
  // The paddle moves before the ball: stepping under it in time saves it.
  const saved = game({ ballX: 3, ballY: 8, ballDx: 1, ballDy: 1, paddleX: 2 });
  assert.equal(saved.step(RIGHT).terminal, false);
});

test("missing the ball ends the game", () => {
  const g = game({ ballX: 3, ballY: 8, ballDx: 1, ballDy: 1, paddleX: 7 });
  assert.deepEqual(g.step(NOOP), { reward: 0, terminal: true });
  assert.equal(g.state.ballY, 9);
  // A finished game stays finished.
  assert.deepEqual(g.step(RIGHT), { reward: 0, terminal: true });
});

test("clearing the bricks brings three new rows when the ball next comes down", () => {
  const bricks = new Uint8Array(GRID * GRID);
  bricks[3 * GRID + 5] = 1;
  const g = game({ ballX: 4, ballY: 4, ballDx: 1, ballDy: -1, bricks, paddleX: 9 });
  assert.equal(g.step(NOOP).reward, 1);
  assert.equal(g.bricksLeft(), 0);
  // (5,4) → (6,5) → (7,6) → (8,7) → (9,8), then off the right wall onto the paddle's row.
  for (let i = 0; i < 4; i++) g.step(NOOP);
  assert.equal(g.bricksLeft(), 0, "no new bricks before the ball comes down");
  assert.equal(g.step(NOOP).terminal, false);
  assert.equal(g.bricksLeft(), 30);
  for (let x = 0; x < GRID; x++)
    for (const y of [1, 2, 3]) assert.equal(g.state.bricks[y * GRID + x], 1);
});

test("Breakout: the same seed gives the same observations and rewards over 500 steps", () => {
  const run = (seed: number) => seededPlay("MinAtar/Breakout-v1", seed);
  const a = run(7);
  const b = run(7);
  assert.deepEqual(a.obs, b.obs);
  assert.deepEqual(a.rewards, b.rewards);
  assert.ok(a.ends > 0, "random play loses the ball");
  assert.notDeepEqual(run(8).obs, a.obs);
});

test("Breakout-pref: fixed horizon, never terminates, flags the lost ball, no score in view", () => {
  const env = makeEnv("MinAtar/Breakout-pref-v1");
  assert.equal(env.spec.preferenceReady, true);
  const horizon = env.spec.maxEpisodeSteps;
  assert.equal(horizon, 2000);
  const starts = [0, 1].map((side) => {
    const g = new Breakout();
    g.state = Breakout.initialState(side);
    return Array.from(observe(g));
  });
  env.reset(3);
  const actions = new Rng(4);
  let unhealthy = 0;
  let score = 0;
  for (let t = 1; t <= horizon; t++) {
    const r = env.step([actions.int(3)]);
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, t === horizon);
    for (const v of r.obs) assert.ok(v === 0 || v === 1);
    if (r.info.unhealthy) {
      unhealthy += 1;
      assert.equal(r.reward, -5, "the lost ball's step carries the end penalty");
      // The game starts afresh: the view is a start state, whatever was scored before.
      assert.ok(starts.some((s) => s.every((v, i) => v === r.obs[i])));
    } else {
      assert.ok(r.reward === 0 || r.reward === 1);
      score += r.reward;
    }
  }
  assert.ok(unhealthy > 5, `random play loses the ball often (${unhealthy})`);
  assert.ok(score > 0);
});
