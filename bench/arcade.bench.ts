/**
 * MinAtar speed, one JSON line per game (and one for CartPole-v1's MLP preset, measured the
 * same way, for comparison), each with its preset's envs (16 for the games, 8 for CartPole):
 *   rawStepsPerSec:     a SyncVecEnv stepped with pre-drawn random actions (env steps, all envs);
 *   collectStepsPerSec: `agent.collect` with the policy acting (the jitted CNN forward at batch
 *                       numEnvs for the games, the host MLP for CartPole) and the rollout's values;
 *   trainStepsPerSec:   env steps per second of whole PPO iterations, `collect` then `update`;
 *   updateMs, gradSamplesPerSec: the mean `update` within those iterations, and samples × epochs
 *                       through a gradient step per second of it (as bench/rl.bench.ts counts).
 * The CNN's train step against `lax.conv` is in bench/conv.bench.ts. Kept to a few iterations per
 * game so that the whole bench takes about a minute. Run: node --import tsx bench/arcade.bench.ts
 */
import { Rng } from "../src/core/rng.ts";
import { listEnvIds, makeVecEnv } from "../src/envs/index.ts";
import { gridOf, PpoAgent, ppoPreset } from "../src/rl/index.ts";

const RAW_MS = 400;
const COLLECT_MS = 1000;
const TRAIN_ITERATIONS = 3;

/** Env steps per second of a VecEnv of `numEnvs` stepped with random actions. */
function rawSteps(envId: string, numEnvs: number): number {
  const venv = makeVecEnv(envId, numEnvs);
  const space = venv.actionSpace;
  if (space.kind !== "discrete") throw new Error(`${envId}: expected discrete actions`);
  const rng = new Rng(1);
  const ring = 256;
  const actions: Float32Array[] = [];
  for (let j = 0; j < ring; j++) {
    actions.push(Float32Array.from({ length: numEnvs }, () => rng.int(space.n)));
  }
  venv.reset(0);
  for (let j = 0; j < ring; j++) venv.step(actions[j]); // warm-up
  let steps = 0;
  const start = performance.now();
  let now = start;
  while (now - start < RAW_MS) {
    for (let j = 0; j < ring; j++) venv.step(actions[j]);
    steps += ring;
    now = performance.now();
  }
  venv.close();
  return (steps * numEnvs) / ((now - start) / 1000);
}

function bench(envId: string): void {
  const config = ppoPreset(envId);
  const numEnvs = config.numEnvs ?? 1;
  const raw = rawSteps(envId, numEnvs);

  const venv = makeVecEnv(envId, numEnvs);
  const agent = new PpoAgent(config, venv.observationSpace, venv.actionSpace, 1);
  const { nSteps, epochs, network } = agent.config;
  const perRollout = nSteps * numEnvs;
  // One untimed iteration compiles the forward and the train step.
  const first = agent.collect(venv);
  agent.update(first, first.rewards);

  let collected = 0;
  let start = performance.now();
  while (performance.now() - start < COLLECT_MS) {
    agent.collect(venv);
    collected += perRollout;
  }
  const collectSeconds = (performance.now() - start) / 1000;

  let updateSeconds = 0;
  start = performance.now();
  for (let i = 0; i < TRAIN_ITERATIONS; i++) {
    const r = agent.collect(venv);
    const u = performance.now();
    agent.update(r, r.rewards);
    updateSeconds += (performance.now() - u) / 1000;
  }
  const trainSeconds = (performance.now() - start) / 1000;
  updateSeconds /= TRAIN_ITERATIONS;
  agent.dispose();
  venv.close();

  console.log(
    JSON.stringify({
      bench: "arcade_ppo",
      env: envId,
      network,
      ...(network === "minatar-cnn"
        ? { channels: gridOf(venv.observationSpace, agent.config.grid)[2] }
        : {}),
      numEnvs,
      nSteps,
      rawStepsPerSec: Math.round(raw),
      collectStepsPerSec: Math.round(collected / collectSeconds),
      trainStepsPerSec: Math.round((perRollout * TRAIN_ITERATIONS) / trainSeconds),
      updateMs: Math.round(updateSeconds * 1000),
      gradSamplesPerSec: Math.round((perRollout * epochs) / updateSeconds),
    }),
  );
}

const games = listEnvIds().filter((id) => id.startsWith("MinAtar/") && !id.includes("-pref-"));
for (const id of [...games, "CartPole-v1"]) bench(id);
