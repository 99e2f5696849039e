/**
 * Reward-model speed: one Adam step of the whole ensemble at 64 pairs × 2 clips × 25 steps, and
 * predicting r̂ for a rollout's worth of rows (jitted, and the plain-JS MLP for comparison).
 * Prints one JSON line per measurement. Run: node --import tsx bench/reward.bench.ts
 */
import { Rng } from "../src/core/rng.ts";
import { box } from "../src/core/spaces.ts";
import type { Clip } from "../src/core/types.ts";
import { mlpHost } from "../src/nn/index.ts";
import { type LabelledPair, RewardEnsemble } from "../src/reward/index.ts";

const OBS = 3; // Pendulum: cos θ, sin θ, θ̇; one torque
const ACT = 1;
const STEPS = 25;
const rng = new Rng(7);

function clip(i: number): Clip {
  const obs = new Float32Array(STEPS * OBS).map(() => rng.normal());
  const actions = new Float32Array(STEPS * ACT).map(() => rng.uniform(-2, 2));
  const rewards = new Float32Array(STEPS);
  for (let t = 0; t < STEPS; t++) rewards[t] = obs[t * OBS] - 0.1 * actions[t] ** 2;
  return {
    id: `c${i}`,
    envId: "Bench-v0",
    obs,
    obsSize: OBS,
    actions,
    actSize: ACT,
    rewards,
    frames: [],
    policyVersion: 0,
    envStep: 0,
  };
}

const sum = (a: Float32Array) => a.reduce((x, y) => x + y, 0);
const clips = Array.from({ length: 1000 }, (_, i) => clip(i));
const pairs: LabelledPair[] = Array.from({ length: 500 }, (_, i) => {
  const left = clips[2 * i];
  const right = clips[2 * i + 1];
  return { left, right, answer: sum(left.rewards) > sum(right.rewards) ? "left" : "right" };
});

const ensemble = new RewardEnsemble(box([-1, -1, -8], [1, 1, 8]), box([-2], [2]), {
  members: 3,
});
ensemble.train(pairs, { steps: 5 }); // compile and warm up

function time(fn: () => void, reps: number): number {
  const start = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - start) / reps;
}

// One call of `steps` steps also evaluates all 1,000 clips once; subtract a zero-step call.
const steps = 50;
const callMs = time(() => ensemble.train(pairs, { steps }), 3);
const evalMs = time(() => ensemble.train(pairs, { steps: 0 }), 3);
const ensembleStepMs = (callMs - evalMs) / steps;
console.log(
  JSON.stringify({
    bench: "reward_train_step",
    pairs: 64,
    clipSteps: STEPS,
    members: 3,
    msPerStep: +(ensembleStepMs / 3).toFixed(3),
    msPerEnsembleStep: +ensembleStepMs.toFixed(3),
    msTrainCallOverhead: +evalMs.toFixed(2),
    pairsLabelled: pairs.length,
  }),
);

for (const rows of [1000, 16384, 51200]) {
  const obs = new Float32Array(rows * OBS).map(() => rng.normal());
  const actions = new Float32Array(rows * ACT).map(() => rng.uniform(-2, 2));
  ensemble.predict(obs, actions); // compile this shape
  const reps = rows > 20000 ? 5 : 10;
  const ms = time(() => ensemble.predict(obs, actions), reps);
  console.log(
    JSON.stringify({
      bench: "reward_predict",
      rows,
      members: 3,
      path: "jit",
      rowsPerSec: Math.round((rows / ms) * 1000),
      ms: +ms.toFixed(2),
    }),
  );
}

// The same three members on the host, for choosing between the two paths.
const params = ensemble.params;
for (const rows of [16, 64, 256, 16384]) {
  const x = new Float32Array(rows * (OBS + ACT)).map(() => rng.normal());
  const reps = rows > 1000 ? 5 : 200;
  const ms = time(() => {
    for (let m = 0; m < 3; m++) mlpHost(params, `m${m}`, ensemble.spec, x);
  }, reps);
  console.log(
    JSON.stringify({
      bench: "reward_predict",
      rows,
      members: 3,
      path: "host",
      rowsPerSec: Math.round((rows / ms) * 1000),
      ms: +ms.toFixed(3),
    }),
  );
}
for (const rows of [16, 64, 256]) {
  const obs = new Float32Array(rows * OBS).map(() => rng.normal());
  const actions = new Float32Array(rows * ACT).map(() => rng.uniform(-2, 2));
  ensemble.predict(obs, actions);
  const ms = time(() => ensemble.predict(obs, actions), 100);
  console.log(
    JSON.stringify({
      bench: "reward_predict",
      rows,
      members: 3,
      path: rows <= 64 ? "host (auto)" : "jit (auto)",
      rowsPerSec: Math.round((rows / ms) * 1000),
      ms: +ms.toFixed(3),
    }),
  );
}
ensemble.dispose();

// The reward model's share of a Pendulum preference run: 100k env steps, 500 labels (125 before
// RL), a train call of 50 steps after pretraining and of `stepsPerCall` (10) every 10k env steps,
// and r̂ predicted for every rollout of 2,048 steps (8 envs × 256).
{
  const run = new RewardEnsemble(box([-1, -1, -8], [1, 1, 8]), box([-2], [2]), { seed: 1 });
  const rows = 2048;
  const obs = new Float32Array(rows * OBS).map(() => rng.normal());
  const actions = new Float32Array(rows * ACT).map(() => rng.uniform(-2, 2));
  let trainMs = 0;
  let predictMs = 0;
  let start = performance.now();
  run.train(pairs.slice(0, 125), { steps: 50 });
  trainMs += performance.now() - start;
  for (let envSteps = 0; envSteps < 100_000; envSteps += rows) {
    start = performance.now();
    run.predict(obs, actions);
    predictMs += performance.now() - start;
    const call = Math.floor((envSteps + rows) / 10_000);
    if (call > Math.floor(envSteps / 10_000)) {
      start = performance.now();
      run.train(pairs.slice(0, 125 + Math.round((375 * call) / 10)));
      trainMs += performance.now() - start;
    }
  }
  const heldOut = Array.from({ length: 600 }, (_, i) => clip(10_000 + i));
  const predicted = run.predictReturns(heldOut);
  let correct = 0;
  for (let i = 0; i < 600; i += 2) {
    if (predicted[i] > predicted[i + 1] === sum(heldOut[i].rewards) > sum(heldOut[i + 1].rewards)) {
      correct += 1;
    }
  }
  run.dispose();
  console.log(
    JSON.stringify({
      bench: "reward_pendulum_run",
      envSteps: 100_000,
      labels: 500,
      trainCalls: 11,
      ensembleSteps: 150,
      heldOutRankingAccuracy: correct / 300,
      trainMs: Math.round(trainMs),
      predictMs: Math.round(predictMs),
    }),
  );
}
