import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import { box, type DiscreteSpace, discrete } from "../../src/core/spaces.ts";
import type { Frame } from "../../src/core/types.ts";
import type { Env, EnvSpec, StepResult } from "../../src/envs/env.ts";
import { makeEnv, makeVecEnv } from "../../src/envs/index.ts";
import { SyncVecEnv } from "../../src/envs/vec_env.ts";
import { liveBufferCounter } from "../../src/nn/live_buffers.ts";
import { PpoAgent, ppoPreset } from "../../src/rl/index.ts";

/**
 * A tiny env of our own: the observation counts the steps (a random start plus t), a signal
 * echoes it, the true reward is always 0, and episodes are truncated after `horizon` steps.
 */
class CounterEnv implements Env {
  readonly spec: EnvSpec;
  readonly observationSpace = box([-100, -1], [100, 1]);
  readonly actionSpace;
  private t = 0;
  private start = 0;
  private rng = new Rng(0);

  constructor(
    actionSpace: DiscreteSpace | ReturnType<typeof box>,
    readonly horizon: number,
  ) {
    this.actionSpace = actionSpace;
    this.spec = {
      id: "Counter-v0",
      maxEpisodeSteps: horizon,
      fps: 10,
      dt: 0.1,
      preferenceReady: false,
    };
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.t = 0;
    this.start = this.rng.int(10);
    return this.obs();
  }

  step(_action: ArrayLike<number>): StepResult {
    this.t++;
    return {
      obs: this.obs(),
      reward: 0,
      terminated: false,
      truncated: this.t >= this.horizon,
      info: { signals: { count: this.start + this.t } },
    };
  }

  frame(): Frame {
    return { kind: "pendulum", theta: this.start + this.t, torque: 0 };
  }

  close(): void {}

  private obs(): Float32Array {
    return Float32Array.from([this.start + this.t, 1]);
  }
}

function counterVecEnv(
  numEnvs: number,
  actionSpace: DiscreteSpace | ReturnType<typeof box>,
  horizon: number,
): SyncVecEnv {
  return new SyncVecEnv(
    Array.from({ length: numEnvs }, () => new CounterEnv(actionSpace, horizon)),
  );
}

test("collect fills every field of the rollout and carries on where it stopped", () => {
  const venv = counterVecEnv(2, discrete(3), 3);
  const agent = new PpoAgent(
    { numEnvs: 2, nSteps: 4, minibatches: 2 },
    venv.observationSpace,
    venv.actionSpace,
    7,
  );
  const first = agent.collect(venv, { recordFrames: true });
  assert.equal(first.envId, "Counter-v0");
  assert.deepEqual([first.steps, first.numEnvs, first.obsSize, first.actSize], [4, 2, 2, 1]);
  assert.equal(first.envStepStart, 0);
  assert.equal(first.policyVersion, 0);
  // Raw observations, time-major: env e at step t is at index t * 2 + e.
  for (let e = 0; e < 2; e++) {
    const start = first.obs[e * 2];
    const counts = [0, 1, 2, 3].map((t) => first.obs[(t * 2 + e) * 2]);
    assert.deepEqual(counts, [start, start + 1, start + 2, first.obs[(3 * 2 + e) * 2]]);
    assert.deepEqual(
      [0, 1, 2, 3].map((t) => first.truncated[t * 2 + e]),
      [0, 0, 1, 0],
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((t) => first.signals.count[t * 2 + e]),
      counts.map((c) => c + 1),
    );
  }
  const frames = first.frames ?? [];
  assert.equal(frames.length, 8);
  assert.equal((frames[2] as { theta: number }).theta, first.obs[4], "frames match obs");
  assert.ok(first.actions.every((a) => a >= 0 && a < 3 && Number.isInteger(a)));
  assert.deepEqual([...first.terminated], new Array(8).fill(0));
  assert.equal(first.unhealthy.length, 8);

  agent.update(first, first.rewards);
  const second = agent.collect(venv);
  assert.equal(second.envStepStart, 8);
  assert.equal(second.policyVersion, 1);
  assert.equal(second.frames, null);
  for (let e = 0; e < 2; e++) {
    assert.equal(second.obs[e * 2], first.obs[(3 * 2 + e) * 2] + 1, "continues the episode");
  }
  agent.dispose();
});

test("update learns from the rewards it is given, not the env's (discrete)", () => {
  // The env pays nothing; the rewards we pass pay 1 for action 2 only.
  const venv = counterVecEnv(8, discrete(3), 5);
  const agent = new PpoAgent(
    { numEnvs: 8, nSteps: 32, minibatches: 1, epochs: 10, lr: 3e-3, entCoef: 0 },
    venv.observationSpace,
    venv.actionSpace,
    1,
  );
  for (let i = 0; i < 15; i++) {
    const rollout = agent.collect(venv);
    const paid = rollout.actions.map((a) => (a === 2 ? 1 : 0));
    agent.update(rollout, paid);
  }
  const obs = Float32Array.from([0, 1, 3, 1, 7, 1]);
  assert.deepEqual([...agent.act(obs, true)], [2, 2, 2]);
  const sampled = agent.act(new Float32Array(200).fill(1), false);
  assert.ok(sampled.filter((a) => a === 2).length > 90, "most samples pick the paid action");
  agent.dispose();
});

test("update learns from the rewards it is given, not the env's (continuous)", () => {
  // The rewards we pass pay −(a − 0.7)²: the Gaussian's mean should move to 0.7. (γ = 0 keeps
  // the advantages free of later steps' noise.)
  const venv = counterVecEnv(8, box([-2], [2]), 5);
  const agent = new PpoAgent(
    { numEnvs: 8, nSteps: 32, minibatches: 1, epochs: 10, lr: 1e-3, entCoef: 0, gamma: 0 },
    venv.observationSpace,
    venv.actionSpace,
    2,
  );
  for (let i = 0; i < 25; i++) {
    const rollout = agent.collect(venv);
    agent.update(
      rollout,
      rollout.actions.map((a) => -((a - 0.7) ** 2)),
    );
  }
  const a = agent.act(Float32Array.from([1, 1, 3, 1]), true);
  for (const x of a) assert.ok(Math.abs(x - 0.7) < 0.15, `deterministic action ${x}`);
  agent.dispose();
});

test("a saved agent loads back and acts identically", () => {
  const dir = mkdtempSync(join(tmpdir(), "backflip-ppo-"));
  for (const id of ["Pendulum-v1", "CartPole-v1"]) {
    const config = { ...ppoPreset(id), numEnvs: 2, nSteps: 64, minibatches: 2, epochs: 2 };
    config.normalizeObs = true; // so that the normaliser's statistics round-trip too
    const venv = makeVecEnv(id, 2);
    const agent = new PpoAgent(config, venv.observationSpace, venv.actionSpace, 3);
    const rollout = agent.collect(venv);
    agent.update(rollout, rollout.rewards);
    agent.save(join(dir, id));
    const loaded = PpoAgent.load(join(dir, id));
    const obs = new Float32Array(rollout.obs.subarray(0, 20 * rollout.obsSize));
    assert.deepEqual(loaded.act(obs, true), agent.act(obs, true), `${id}: deterministic actions`);
    assert.equal(loaded.policyVersion, 1);
    assert.equal(loaded.envSteps, 128);
    assert.deepEqual(loaded.config, agent.config);
    assert.deepEqual(loaded.params, agent.params);
    const json = JSON.parse(readFileSync(join(dir, id, "agent.json"), "utf8"));
    assert.equal(json.obsRms.mean.length, rollout.obsSize);
    assert.equal(
      loaded.evaluate(() => makeEnv(id), 1, 5).mean,
      agent.evaluate(() => makeEnv(id), 1, 5).mean,
    );
    agent.dispose();
    loaded.dispose();
  }
});

test("the update keeps the number of live jax-js buffers flat", async () => {
  const live = await liveBufferCounter();
  const venv = counterVecEnv(4, box([-1], [1]), 5);
  const agent = new PpoAgent(
    { numEnvs: 4, nSteps: 16, minibatches: 2, epochs: 2 },
    venv.observationSpace,
    venv.actionSpace,
    4,
  );
  const run = () => {
    const rollout = agent.collect(venv);
    agent.update(rollout, rollout.rewards);
  };
  run();
  const before = live();
  for (let i = 0; i < 20; i++) run();
  const after = live();
  agent.dispose();
  assert.ok(after - before <= 2, `live buffers went from ${before} to ${after}`);
});

test("a rollout from another agent is refused with a clear error", () => {
  const venv = counterVecEnv(1, discrete(2), 3);
  const config = { numEnvs: 1, nSteps: 4, minibatches: 1 };
  const a = new PpoAgent(config, venv.observationSpace, venv.actionSpace, 1);
  const b = new PpoAgent(config, venv.observationSpace, venv.actionSpace, 1);
  const rollout = a.collect(venv);
  assert.throws(() => b.update(rollout, rollout.rewards), /did not come from this agent/);
  assert.throws(() => a.update(rollout, new Float32Array(3)), /expected 4 rewards/);
  a.dispose();
  b.dispose();
});

/** Largest absolute difference between two agents' parameters. */
function paramGap(a: PpoAgent, b: PpoAgent): number {
  let gap = 0;
  for (const [k, { data }] of Object.entries(a.params)) {
    const other = b.params[k].data;
    for (let i = 0; i < data.length; i++) gap = Math.max(gap, Math.abs(data[i] - other[i]));
  }
  return gap;
}

/** One collect + update on a fresh vec-env (every fresh one is reset with the agent's seed). */
function nextUpdate(agent: PpoAgent, id: string): Float32Array {
  const venv = makeVecEnv(id, 2);
  const rollout = agent.collect(venv);
  agent.update(rollout, rollout.rewards);
  venv.close();
  return rollout.actions;
}

function trainedAgent(id: string): PpoAgent {
  const config = {
    ...ppoPreset(id),
    numEnvs: 2,
    nSteps: 64,
    minibatches: 2,
    epochs: 2,
    normalizeObs: true,
    rewardScaling: true,
  };
  const venv = makeVecEnv(id, 2);
  const agent = new PpoAgent(config, venv.observationSpace, venv.actionSpace, 5);
  for (let i = 0; i < 3; i++) {
    const rollout = agent.collect(venv);
    agent.update(rollout, rollout.rewards);
  }
  venv.close();
  return agent;
}

test("a loaded agent resumes training as the saved one continues: same actions, same parameters", () => {
  for (const id of ["Pendulum-v1", "CartPole-v1"]) {
    const dir = mkdtempSync(join(tmpdir(), "backflip-ppo-resume-"));
    const agent = trainedAgent(id);
    agent.save(dir);
    const json = JSON.parse(readFileSync(join(dir, "agent.json"), "utf8"));
    assert.equal(json.adamStep, 3 * 2 * 2, "3 updates × 2 epochs × 2 minibatches");
    const loaded = PpoAgent.load(dir);
    assert.deepEqual(loaded.params, agent.params);

    const actions = nextUpdate(agent, id);
    const loadedActions = nextUpdate(loaded, id);
    assert.deepEqual(loadedActions, actions, `${id}: the same sampled actions`);
    const gap = paramGap(agent, loaded);
    assert.ok(gap < 1e-6, `${id}: parameters differ by ${gap} after the next update`);
    assert.equal(loaded.policyVersion, agent.policyVersion);
    assert.equal(loaded.envSteps, agent.envSteps);
    agent.dispose();
    loaded.dispose();
  }
});

test("a checkpoint without optimiser or generator state still loads, with both afresh", () => {
  const id = "Pendulum-v1";
  const dir = mkdtempSync(join(tmpdir(), "backflip-ppo-old-"));
  const agent = trainedAgent(id);
  agent.save(dir);
  // What save wrote before it kept the training state.
  rmSync(join(dir, "optimizer.safetensors"));
  const json = JSON.parse(readFileSync(join(dir, "agent.json"), "utf8"));
  delete json.adamStep;
  delete json.sampleRng;
  delete json.shuffleRng;
  writeFileSync(join(dir, "agent.json"), JSON.stringify(json));

  const old = PpoAgent.load(dir);
  assert.deepEqual(old.params, agent.params);
  const obs = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i));
  assert.deepEqual(old.act(obs, true), agent.act(obs, true), "it acts as the saved agent");
  assert.equal(old.policyVersion, 3);
  assert.equal(
    old.evaluate(() => makeEnv(id), 1, 9).mean,
    agent.evaluate(() => makeEnv(id), 1, 9).mean,
  );
  // Without the saved state, the next update is not the one the saved agent makes: the
  // restore in the test above is what made them agree.
  const actions = nextUpdate(agent, id);
  assert.notDeepEqual(nextUpdate(old, id), actions, "the sampler starts again from the seed");
  assert.ok(paramGap(agent, old) > 1e-4, "Adam starts afresh");
  agent.dispose();
  old.dispose();
});

test("a checkpoint that records Adam's state without its file is refused clearly", () => {
  const dir = mkdtempSync(join(tmpdir(), "backflip-ppo-partial-"));
  const agent = trainedAgent("CartPole-v1");
  agent.save(dir);
  agent.dispose();
  rmSync(join(dir, "optimizer.safetensors"));
  assert.throws(
    () => PpoAgent.load(dir),
    /records Adam's state but optimizer\.safetensors is missing/,
  );
});
