import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../src/core/rng.ts";
import { cell, GRID } from "../../../src/envs/arcade/grid_game.ts";
import {
  nextRow,
  PONG_OPPONENT_MOVE_PROB,
  PONG_POINTS_TO_WIN,
  Pong,
  type PongState,
} from "../../../src/envs/arcade/pong.ts";
import { makeEnv } from "../../../src/envs/index.ts";
import { seededPlay } from "./helpers.ts";

const NOOP = 0;
const UP = 1;
const DOWN = 2;
const C = 4;

/** A game whose opponent moves with probability `prob` (0: never), in a start state plus `patch`. */
function game(patch: Partial<PongState> = {}, prob = 0): Pong {
  const g = new Pong({ opponentMoveProb: prob });
  g.state = { ...Pong.initialState(1, 4, 1), ...patch };
  return g;
}

function observe(g: Pong): Float32Array {
  const grid = new Float32Array(GRID * GRID * C);
  g.render(grid);
  return grid;
}

/** An agent that meets every ball: it moves its paddle to cover the ball's next row. */
function tracker(s: PongState): number {
  const y = nextRow(s);
  return y < s.paddleY ? UP : y > s.paddleY + 1 ? DOWN : NOOP;
}

test("Pong: channels, the minimal actions, and the start of a match", () => {
  const g = new Pong();
  assert.deepEqual([...g.channels], ["paddle", "opponent", "ball", "trail"]);
  assert.deepEqual([...g.actions], ["noop", "up", "down"]);
  assert.equal(g.opponentMoveProb, PONG_OPPONENT_MOVE_PROB);
  const env = makeEnv("MinAtar/Pong-v1");
  assert.equal(env.reset(0).length, GRID * GRID * C);
  assert.deepEqual(env.actionSpace, { kind: "discrete", n: 3 });
  const serves = new Set<string>();
  for (let seed = 0; seed < 30; seed++) {
    g.reset(new Rng(seed));
    const s = g.state;
    assert.deepEqual([s.paddleY, s.opponentY, s.agentPoints, s.opponentPoints], [4, 4, 0, 0]);
    assert.ok(s.ballY >= 2 && s.ballY <= 7);
    assert.equal(s.ballX, s.ballDx > 0 ? 4 : 5);
    serves.add(`${s.ballDx}`);
  }
  assert.deepEqual([...serves].sort(), ["-1", "1"]);
  // Two-cell paddles at the sides, the ball and its trail.
  const obs = observe(game({ ballX: 6, ballY: 2, lastX: 5, lastY: 1 }));
  for (const y of [4, 5]) {
    assert.equal(obs[cell(9, y, 0, C)], 1);
    assert.equal(obs[cell(0, y, 1, C)], 1);
  }
  assert.equal(obs[cell(6, 2, 2, C)], 1);
  assert.equal(obs[cell(5, 1, 3, C)], 1);
  assert.equal(
    obs.reduce((a, b) => a + b, 0),
    6,
  );
});

test("the paddle moves one cell per step and stops at the walls", () => {
  const g = game({ paddleY: 1 });
  g.step(UP, new Rng(0));
  assert.equal(g.state.paddleY, 0);
  g.step(UP, new Rng(0));
  assert.equal(g.state.paddleY, 0);
  const h = game({ paddleY: 7 });
  h.step(DOWN, new Rng(0));
  assert.equal(h.state.paddleY, 8, "a two-cell paddle's top stops at row 8");
  h.step(DOWN, new Rng(0));
  assert.equal(h.state.paddleY, 8);
});

test("the ball moves diagonally and the top and bottom walls reflect it", () => {
  const g = game({ ballX: 5, ballY: 1, ballDx: 1, ballDy: -1 });
  g.step(NOOP, new Rng(0));
  assert.deepEqual([g.state.ballX, g.state.ballY, g.state.lastX, g.state.lastY], [6, 0, 5, 1]);
  g.step(NOOP, new Rng(0));
  assert.deepEqual([g.state.ballX, g.state.ballY, g.state.ballDy], [7, 1, 1]);
  const h = game({ ballX: 3, ballY: 9, ballDx: -1, ballDy: 1 });
  h.step(NOOP, new Rng(0));
  assert.deepEqual([h.state.ballX, h.state.ballY, h.state.ballDy], [2, 8, -1]);
});

test("the paddle returns the ball, aimed by the cell it meets", () => {
  // Into the upper cell (row 4): back left, heading up, staying in column 8.
  const upper = game({ ballX: 8, ballY: 3, ballDx: 1, ballDy: 1, paddleY: 4 });
  assert.deepEqual(upper.step(NOOP, new Rng(0)), { reward: 0, terminal: false });
  const a = upper.state;
  assert.deepEqual([a.ballX, a.ballY, a.ballDx, a.ballDy], [8, 4, -1, -1]);
  // Into the lower cell (row 5): back left, heading down.
  const lower = game({ ballX: 8, ballY: 4, ballDx: 1, ballDy: 1, paddleY: 4 });
  lower.step(NOOP, new Rng(0));
  const b = lower.state;
  assert.deepEqual([b.ballX, b.ballY, b.ballDx, b.ballDy], [8, 5, -1, 1]);
  // The paddle moves before the ball: stepping under it in time returns it.
  const saved = game({ ballX: 8, ballY: 5, ballDx: 1, ballDy: 1, paddleY: 4 });
  assert.equal(saved.step(DOWN, new Rng(0)).reward, 0);
  assert.equal(saved.state.ballDx, -1);
  // The opponent's paddle returns it the same way.
  const opp = game({ ballX: 1, ballY: 6, ballDx: -1, ballDy: -1, opponentY: 4 });
  assert.equal(opp.step(NOOP, new Rng(0)).reward, 0);
  assert.deepEqual(
    [opp.state.ballX, opp.state.ballY, opp.state.ballDx, opp.state.ballDy],
    [1, 5, 1, 1],
  );
});

test("a point each way: +1 when the opponent misses, −1 when the agent misses, then a serve", () => {
  const won = game({ ballX: 1, ballY: 1, ballDx: -1, ballDy: -1, opponentY: 6 });
  assert.deepEqual(won.step(NOOP, new Rng(0)), { reward: 1, terminal: false });
  let s = won.state;
  assert.deepEqual([s.agentPoints, s.opponentPoints], [1, 0]);
  assert.deepEqual([s.ballX, s.ballDx], [5, -1], "served from the middle towards the opponent");
  assert.ok(s.ballY >= 2 && s.ballY <= 7);
  assert.deepEqual([s.lastX, s.lastY], [s.ballX, s.ballY]);
  assert.deepEqual(won.signals(), { point: 1, agent_points: 1, opponent_points: 0 });

  const lost = game({ ballX: 8, ballY: 1, ballDx: 1, ballDy: 1, paddleY: 6 });
  assert.deepEqual(lost.step(NOOP, new Rng(0)), { reward: -1, terminal: false });
  s = lost.state;
  assert.deepEqual([s.agentPoints, s.opponentPoints], [0, 1]);
  assert.deepEqual([s.ballX, s.ballDx], [4, 1], "served from the middle towards the agent");
  assert.equal(lost.signals().point, -1);
  lost.step(NOOP, new Rng(0));
  assert.equal(lost.signals().point, 0);
});

test("the opponent tracks the ball's next row, moving with its probability", () => {
  // Always moving: one cell towards the row the ball goes to (row 2 here).
  const keen = game({ ballX: 5, ballY: 3, ballDx: -1, ballDy: -1, opponentY: 6 }, 1);
  keen.step(NOOP, new Rng(0));
  assert.equal(keen.state.opponentY, 5);
  keen.step(NOOP, new Rng(0));
  assert.equal(keen.state.opponentY, 4);
  // Never moving.
  const still = game({ ballX: 5, ballY: 3, ballDx: -1, ballDy: -1, opponentY: 6 }, 0);
  for (let i = 0; i < 3; i++) still.step(NOOP, new Rng(0));
  assert.equal(still.state.opponentY, 6);
  // A perfect opponent never misses a ball against the tracker; the real one misses sometimes.
  const count = (prob: number) => {
    const g = new Pong({ opponentMoveProb: prob });
    const rng = new Rng(5);
    g.reset(rng);
    let won = 0;
    let lost = 0;
    let returned = 0;
    for (let t = 0; t < 5000; t++) {
      const dx = g.state.ballDx;
      const { reward, terminal } = g.step(tracker(g.state), rng);
      if (reward > 0) won += 1;
      if (reward < 0) lost += 1;
      if (reward === 0 && dx < 0 && g.state.ballDx > 0) returned += 1;
      if (terminal) g.reset(rng);
    }
    return { won, lost, returned };
  };
  const perfect = count(1);
  assert.equal(perfect.won, 0);
  assert.equal(perfect.lost, 0);
  const real = count(PONG_OPPONENT_MOVE_PROB);
  assert.equal(real.lost, 0, "the tracker meets every ball");
  const missRate = real.won / (real.won + real.returned);
  assert.ok(missRate > 0.15 && missRate < 0.45, `the opponent misses ${missRate}`);
});

test("a match ends when a side reaches 21 points, and stays ended", () => {
  const win = game({
    ballX: 1,
    ballY: 1,
    ballDx: -1,
    ballDy: -1,
    opponentY: 6,
    agentPoints: PONG_POINTS_TO_WIN - 1,
    opponentPoints: 20,
  });
  assert.deepEqual(win.step(NOOP, new Rng(0)), { reward: 1, terminal: true });
  assert.equal(win.state.agentPoints, 21);
  assert.deepEqual(win.step(NOOP, new Rng(0)), { reward: 0, terminal: true });
  const loss = game({ ballX: 8, ballY: 1, ballDx: 1, ballDy: 1, paddleY: 6, opponentPoints: 20 });
  assert.deepEqual(loss.step(NOOP, new Rng(0)), { reward: -1, terminal: true });
  // Random play: a match is 21 points to one side.
  const env = makeEnv("MinAtar/Pong-v1");
  env.reset(1);
  const actions = new Rng(2);
  let won = 0;
  let lost = 0;
  for (;;) {
    const r = env.step([actions.int(3)]);
    if (r.reward > 0) won += 1;
    if (r.reward < 0) lost += 1;
    if (r.terminated) break;
    assert.equal(r.truncated, false);
  }
  assert.equal(Math.max(won, lost), 21);
  assert.ok(won > 0, "random play wins a point now and then");
});

test("Pong: the same seed gives the same observations and rewards over 500 steps", () => {
  const run = (seed: number) => seededPlay("MinAtar/Pong-v1", seed);
  const a = run(7);
  const b = run(7);
  assert.deepEqual(a.obs, b.obs);
  assert.deepEqual(a.rewards, b.rewards);
  assert.ok(a.rewards.some((r) => r !== 0));
  assert.notDeepEqual(run(8).obs, a.obs);
});

test("Pong-pref: fixed horizon, never terminates, no end penalty, no score in view", () => {
  const env = makeEnv("MinAtar/Pong-pref-v1");
  assert.equal(env.spec.preferenceReady, true);
  const horizon = env.spec.maxEpisodeSteps;
  assert.equal(horizon, 2000);
  env.reset(3);
  const actions = new Rng(4);
  let ends = 0;
  let points = 0;
  for (let t = 1; t <= horizon; t++) {
    const r = env.step([actions.int(3)]);
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, t === horizon);
    assert.ok(r.reward === 0 || r.reward === 1 || r.reward === -1, "no end penalty in Pong");
    points += Math.abs(r.reward);
    if (r.info.unhealthy) ends += 1;
    // Only the two paddles, the ball and its trail are ever in view.
    let count = 0;
    for (const v of r.obs) {
      assert.ok(v === 0 || v === 1);
      count += v;
    }
    assert.equal(count, 6);
  }
  assert.ok(ends >= 3, `random play finishes several matches (${ends})`);
  assert.ok(points > 60);
});
