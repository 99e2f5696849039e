import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import { box, discrete } from "../../src/core/spaces.ts";
import type { Frame } from "../../src/core/types.ts";
import type { Env, EnvSpec, StepResult } from "../../src/envs/env.ts";
import { makeVecEnv } from "../../src/envs/index.ts";
import { SyncVecEnv } from "../../src/envs/vec_env.ts";
import { liveBufferCounter } from "../../src/nn/live_buffers.ts";
import { gridOf, PpoAgent, type PpoConfig, ppoPreset } from "../../src/rl/index.ts";

/**
 * A one-step grid game of our own: a 10×10×2 grid with one lit cell, at a random place and in a
 * random channel. Action 0 pays 1 when the cell is in the top half, action 1 when it is in the
 * bottom half: only the cell's position matters. Every step ends the episode.
 */
class LitCellEnv implements Env {
  readonly spec: EnvSpec = {
    id: "LitCell-v0",
    maxEpisodeSteps: 1,
    fps: 10,
    dt: 0.1,
    preferenceReady: false,
  };
  readonly observationSpace = box(new Array(200).fill(0), new Array(200).fill(1));
  readonly actionSpace = discrete(2);
  private rng = new Rng(0);
  private row = 0;
  private current = new Float32Array(200);

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.row = this.rng.int(10);
    const col = this.rng.int(10);
    this.current = new Float32Array(200);
    this.current[(this.row * 10 + col) * 2 + this.rng.int(2)] = 1;
    return this.current.slice();
  }

  step(action: ArrayLike<number>): StepResult {
    const top = this.row < 5;
    const reward = (action[0] === 0) === top ? 1 : 0;
    return { obs: this.reset(), reward, terminated: true, truncated: false, info: {} };
  }

  frame(): Frame {
    return { kind: "pendulum", theta: 0, torque: 0 };
  }

  close(): void {}
}

const CNN: Partial<PpoConfig> = {
  network: "minatar-cnn",
  grid: [10, 10],
  numEnvs: 8,
  nSteps: 32,
  epochs: 4,
  minibatches: 4,
  lr: 1e-3,
  normalizeObs: false,
  rewardScaling: false,
};

function litCellVecEnv(n: number): SyncVecEnv {
  return new SyncVecEnv(Array.from({ length: n }, () => new LitCellEnv()));
}

function meanReward(rewards: Float32Array): number {
  return rewards.reduce((a, b) => a + b, 0) / rewards.length;
}

test("the MinAtar preset puts every MinAtar game on the CNN, other ids stay on MLPs", () => {
  for (const id of ["MinAtar/Breakout-v1", "MinAtar/Seaquest-pref-v1"]) {
    const p = ppoPreset(id);
    assert.equal(p.network, "minatar-cnn");
    assert.deepEqual(p.grid, [10, 10]);
    assert.equal(p.normalizeObs, false);
  }
  assert.equal(ppoPreset("CartPole-v1").network, undefined);
  assert.equal(ppoPreset("Hopper-v5").network, undefined);
});

test("the grid comes from a flat Box's size or a 3-D Box's shape, and a misfit is refused", () => {
  assert.deepEqual(
    gridOf(box(new Array(700).fill(0), new Array(700).fill(1)), [10, 10]),
    [10, 10, 7],
  );
  const cube = {
    kind: "box",
    shape: [5, 4, 3],
    low: new Float32Array(60),
    high: new Float32Array(60),
  } as const;
  assert.deepEqual(gridOf(cube, [10, 10]), [5, 4, 3]);
  assert.throws(
    () => new PpoAgent(CNN, box([0, 0, 0], [1, 1, 1]), discrete(2), 1),
    /do not form a 10×10 grid/,
  );
});

test("the CNN agent shares one torso between its heads and learns a grid task that needs position", () => {
  const venv = litCellVecEnv(8);
  const agent = new PpoAgent(CNN, venv.observationSpace, venv.actionSpace, 1);
  const names = Object.keys(agent.params).sort();
  assert.deepEqual(names, [
    "pi.0.b",
    "pi.0.w",
    "torso.0.b",
    "torso.0.w",
    "torso.1.b",
    "torso.1.w",
    "vf.0.b",
    "vf.0.w",
  ]);
  assert.deepEqual(agent.params["torso.0.w"].shape, [3, 3, 2, 16]);
  assert.deepEqual(agent.params["torso.1.w"].shape, [8 * 8 * 16, 128]);
  assert.deepEqual(agent.params["pi.0.w"].shape, [128, 2]);

  let first = 0;
  let last = 0;
  for (let u = 0; u < 25; u++) {
    const rollout = agent.collect(venv);
    if (u === 0) first = meanReward(rollout.rewards);
    last = meanReward(rollout.rewards);
    const stats = agent.update(rollout, rollout.rewards);
    assert.ok(Number.isFinite(stats.policyLoss) && Number.isFinite(stats.valueLoss));
  }
  // Greedy actions on fresh grids: a random policy scores 0.5.
  const env = new LitCellEnv();
  let score = 0;
  let obs = env.reset(123);
  for (let i = 0; i < 200; i++) {
    const res = env.step(agent.act(obs, true));
    score += res.reward / 200;
    obs = res.obs;
  }
  agent.dispose();
  // Measured (seed 1): first rollout 0.53, last 1.00, greedy 1.00.
  assert.ok(first > 0.3 && first < 0.7, `the first rollout is near chance: ${first}`);
  assert.ok(last > 0.8, `the last rollout's mean reward ${last}`);
  assert.ok(score > 0.85, `greedy score on fresh grids ${score}`);
});

test("a saved CNN agent loads with its config and acts exactly as the original", () => {
  const venv = makeVecEnv("MinAtar/Breakout-v1", 4);
  const config = { ...ppoPreset("MinAtar/Breakout-v1"), numEnvs: 4, nSteps: 16, minibatches: 2 };
  const a = new PpoAgent(config, venv.observationSpace, venv.actionSpace, 2);
  const rollout = a.collect(venv);
  a.update(rollout, rollout.rewards);
  const dir = mkdtempSync(join(tmpdir(), "backflip-ppo-cnn-"));
  a.save(dir);
  const saved = JSON.parse(readFileSync(join(dir, "agent.json"), "utf8"));
  assert.equal(saved.config.network, "minatar-cnn");
  const b = PpoAgent.load(dir);
  const obs = rollout.obs.slice(0, 7 * 400); // 7 rows: not a multiple of the acting batch
  assert.deepEqual(b.act(obs, true), a.act(obs, true));
  // The sampling generator was saved too: the same draws follow.
  assert.deepEqual(b.act(obs, false), a.act(obs, false));
  a.dispose();
  b.dispose();
  rmSync(dir, { recursive: true });
});

test("CNN collect/update cycles leave the number of live jax-js buffers flat", async () => {
  const live = await liveBufferCounter();
  const venv = litCellVecEnv(4);
  const agent = new PpoAgent(
    { ...CNN, numEnvs: 4, nSteps: 8, minibatches: 2, epochs: 1 },
    venv.observationSpace,
    venv.actionSpace,
    3,
  );
  const run = () => {
    const rollout = agent.collect(venv);
    agent.update(rollout, rollout.rewards);
    agent.act(rollout.obs.slice(0, 200), true);
  };
  run();
  run();
  const before = live();
  for (let i = 0; i < 20; i++) run();
  const after = live();
  agent.dispose();
  assert.ok(after - before <= 2, `live buffers went from ${before} to ${after}`);
});
