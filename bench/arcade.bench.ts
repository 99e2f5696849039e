/**
 * MinAtar speed, one JSON line per game (and one for CartPole-v1's MLP preset, measured the
 * same way, for comparison), each with its preset's envs (16 for the games, 8 for CartPole):
 *   rawStepsPerSec:     a SyncVecEnv stepped with pre-drawn random actions (env steps, all envs);
 *   collectStepsPerSec: `agent.collect` with the policy acting (the jitted CNN forward at batch
 *                       numEnvs for the games, the host MLP for CartPole) and the rollout's values;
 *   trainStepsPerSec:   env steps per second of whole PPO iterations, `collect` then `update`;
 *   updateMs, gradSamplesPerSec: the mean `update` within those iterations, and samples × epochs
 *                       through a gradient step per second of it (as bench/rl.bench.ts counts).
 *   trainStepMs, laxTrainStepMs: one Adam step of the game's policy CNN (its channel count and
 *                       actions) on a 256-sample minibatch, PPO's, with our `conv2d` and with
 *                       jax-js's `lax.conv`; bench/conv.bench.ts has the layer alone.
 * Kept to a few iterations per game so that the whole bench takes about two minutes.
 * Run: node --import tsx bench/arcade.bench.ts
 */
import { Rng } from "../src/core/rng.ts";
import { listEnvIds, makeVecEnv } from "../src/envs/index.ts";
import { cnn, conv2d, initCnn, laxConv2d, minatarCnnSpec, np, Trainer } from "../src/nn/index.ts";
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

/** Mean ms of one Adam step of MinAtar's CNN with `channels` and `actions` on 256 samples. */
function cnnStepMs(channels: number, actions: number, conv: typeof conv2d, reps: number): number {
  const spec = minatarCnnSpec(channels, actions);
  const rng = new Rng(2);
  const n = 256;
  const x = Float32Array.from({ length: n * 100 * channels }, () =>
    rng.uniform(0, 1) < 0.1 ? 1 : 0,
  );
  const y = Float32Array.from({ length: n * actions }, () => rng.normal());
  const batch = { x: { data: x, shape: [n, 100 * channels] }, y: { data: y, shape: [n, actions] } };
  const trainer = new Trainer(
    initCnn(spec, new Rng(1), "q"),
    (p, b) => ({
      loss: np.square(cnn(p, "q", spec, b.x, null, conv).sub(b.y)).mean(),
      metrics: {},
    }),
    { lr: 1e-4 },
  );
  trainer.step(batch); // compiles
  const start = performance.now();
  for (let i = 0; i < reps; i++) trainer.step(batch);
  const ms = (performance.now() - start) / reps;
  trainer.dispose();
  return ms;
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
  const cnnSteps =
    network === "minatar-cnn" && venv.actionSpace.kind === "discrete"
      ? {
          trainStepMs: round(cnnStepMs(channelsOf(envId), venv.actionSpace.n, conv2d, 10)),
          laxTrainStepMs: round(cnnStepMs(channelsOf(envId), venv.actionSpace.n, laxConv2d, 2)),
        }
      : {};

  console.log(
    JSON.stringify({
      bench: "arcade_ppo",
      env: envId,
      network,
      ...(network === "minatar-cnn" ? { channels: channelsOf(envId) } : {}),
      numEnvs,
      nSteps,
      rawStepsPerSec: Math.round(raw),
      collectStepsPerSec: Math.round(collected / collectSeconds),
      trainStepsPerSec: Math.round((perRollout * TRAIN_ITERATIONS) / trainSeconds),
      updateMs: Math.round(updateSeconds * 1000),
      gradSamplesPerSec: Math.round((perRollout * epochs) / updateSeconds),
      ...cnnSteps,
    }),
  );
}

function channelsOf(envId: string): number {
  const venv = makeVecEnv(envId, 1);
  const channels = gridOf(venv.observationSpace, [10, 10])[2];
  venv.close();
  return channels;
}

const round = (ms: number) => +ms.toFixed(1);
const games = listEnvIds().filter((id) => id.startsWith("MinAtar/") && !id.includes("-pref-"));
for (const id of [...games, "CartPole-v1"]) bench(id);
