/**
 * True-reward PPO solves the classic tasks with their presets. Each run is deterministic for its
 * seed (seeded envs, sampling and shuffling; single-threaded jax-js). More seeds, with timings:
 * experiments/ppo_true_reward.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { makeEnv, makeVecEnv } from "../../src/envs/index.ts";
import { learn, PpoAgent, ppoPreset } from "../../src/rl/index.ts";

function trainAndEvaluate(envId: string, seed: number): number {
  const config = ppoPreset(envId);
  const venv = makeVecEnv(envId, config.numEnvs ?? 1);
  const agent = new PpoAgent(config, venv.observationSpace, venv.actionSpace, seed);
  learn(agent, venv, config.totalTimesteps ?? 100_000);
  const { mean } = agent.evaluate(() => makeEnv(envId), 20, 1_000_000 + seed);
  venv.close();
  agent.dispose();
  return mean;
}

test("PPO solves CartPole-v1 (deterministic eval return ≥ 475)", () => {
  const mean = trainAndEvaluate("CartPole-v1", 1);
  assert.ok(mean >= 475, `mean eval return ${mean}`);
});

test("PPO swings up and holds Pendulum-v1 (deterministic eval return ≥ −250)", () => {
  const mean = trainAndEvaluate("Pendulum-v1", 1);
  assert.ok(mean >= -250, `mean eval return ${mean}`);
});

test("PPO drives MountainCarContinuous-v0 to the flag (deterministic eval return ≥ 90)", () => {
  const mean = trainAndEvaluate("MountainCarContinuous-v0", 1);
  assert.ok(mean >= 90, `mean eval return ${mean}`);
});
