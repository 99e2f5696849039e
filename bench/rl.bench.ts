/**
 * PPO speed. Prints JSON lines:
 *   {"bench":"ppo_update", …, "samplesPerSec"}: one `update` on a 2048-sample rollout;
 *     samplesPerSec = 2048 × epochs / seconds (samples passed through a gradient step).
 *   {"bench":"env_steps_with_policy","env", …, "stepsPerSec"}: `collect` on each classic and MuJoCo task
 *     with its preset's envs: the policy acting (host MLP), env steps, the rollout's values.
 * Run: node --import tsx bench/rl.bench.ts
 */
import { makeVecEnv } from "../src/envs/index.ts";
import { MUJOCO_ENV_IDS } from "../src/envs/mujoco/index.ts";
import { standardEnvId } from "../src/loop/run_config.ts";
import { mujocoPreset, PpoAgent, type PpoConfig, ppoPreset } from "../src/rl/index.ts";

const MEASURE_MS = 2000;

function benchUpdate(label: string, config: Partial<PpoConfig>): void {
  const venv = makeVecEnv("Pendulum-v1", config.numEnvs ?? 1);
  const agent = new PpoAgent(config, venv.observationSpace, venv.actionSpace, 1);
  const rollout = agent.collect(venv);
  const samples = rollout.steps * rollout.numEnvs;
  agent.update(rollout, rollout.rewards); // compiles the jitted step
  let updates = 0;
  const start = performance.now();
  while (performance.now() - start < MEASURE_MS) {
    agent.update(rollout, rollout.rewards);
    updates++;
  }
  const seconds = (performance.now() - start) / 1000 / updates;
  const { epochs, minibatches } = agent.config;
  console.log(
    JSON.stringify({
      bench: "ppo_update",
      config: label,
      samples,
      epochs,
      minibatchSize: samples / minibatches,
      secondsPerUpdate: Number(seconds.toFixed(4)),
      samplesPerSec: Math.round((samples * epochs) / seconds),
    }),
  );
  agent.dispose();
}

function benchCollect(envId: string): void {
  const config = ppoPreset(envId);
  const venv = makeVecEnv(envId, config.numEnvs ?? 1);
  const agent = new PpoAgent(config, venv.observationSpace, venv.actionSpace, 1);
  agent.collect(venv);
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < MEASURE_MS) {
    const rollout = agent.collect(venv);
    steps += rollout.steps * rollout.numEnvs;
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    JSON.stringify({
      bench: "env_steps_with_policy",
      env: envId,
      numEnvs: agent.config.numEnvs,
      stepsPerSec: Math.round(steps / seconds),
    }),
  );
  agent.dispose();
}

benchUpdate("Pendulum-v1 preset, 2048 samples", {
  ...ppoPreset("Pendulum-v1"),
  numEnvs: 8,
  nSteps: 256,
});
benchUpdate("MuJoCo preset (minibatch 256)", { ...mujocoPreset, numEnvs: 1, nSteps: 2048 });
benchUpdate("MuJoCo with 64-sample minibatches", {
  ...mujocoPreset,
  numEnvs: 1,
  nSteps: 2048,
  minibatches: 32,
});
const classic = ["CartPole-v1", "Pendulum-v1", "MountainCarContinuous-v0"];
const mujoco = MUJOCO_ENV_IDS.filter((id) => standardEnvId(id) === id);
for (const id of [...classic, ...mujoco]) benchCollect(id);
