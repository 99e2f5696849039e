/**
 * examples/point_reacher: a custom TS env, registered from outside src/, taught by the oracle
 * through the full preference loop, beats a random policy by a clear margin on the true return;
 * its goal module scores holding at the target above passing through it.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import makePointReacher, {
  POINT_REACHER_ID,
  PointReacher,
} from "../../examples/point_reacher/env.ts";
import pointReacherGoal, { holdAtTarget } from "../../examples/point_reacher/goal.ts";
import type { Clip } from "../../src/core/types.ts";
import { hasEnv, makeEnv, registerEnv } from "../../src/envs/index.ts";
import { buildLoop } from "../../src/loop/build_loop.ts";
import { evaluatePolicy } from "../../src/loop/evaluate.ts";
import { writeConfig } from "../../src/loop/preference_loop.ts";
import { PpoAgent } from "../../src/rl/ppo.ts";
import { config, openRun } from "../loop/helpers.ts";

if (!hasEnv(POINT_REACHER_ID)) registerEnv(POINT_REACHER_ID, makePointReacher);

const EVAL_EPISODES = 20;
const EVAL_SEED = 1_000;

/** Mean true return of uniformly random actions over the evaluation episodes. */
function randomReturn(): number {
  const env = makeEnv(POINT_REACHER_ID, {});
  let rng = 12345;
  const u = () => {
    rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
    return (rng / 4294967296) * 2 - 1;
  };
  let total = 0;
  for (let ep = 0; ep < EVAL_EPISODES; ep++) {
    env.reset(EVAL_SEED + ep);
    for (;;) {
      const step = env.step([u(), u()]);
      total += step.reward;
      if (step.terminated || step.truncated) break;
    }
  }
  return total / EVAL_EPISODES;
}

test("the env keeps its declared spaces and draws shapes frames", () => {
  const env = new PointReacher({ seed: 3 });
  const obs = env.reset(3);
  assert.equal(obs.length, 6);
  assert.deepEqual(Array.from(env.reset(3)), Array.from(obs), "the seed fixes start and target");
  let steps = 0;
  for (;;) {
    const step = env.step([5, -5]);
    steps++;
    for (let i = 0; i < 6; i++) {
      const { low, high } = env.observationSpace;
      assert.ok(step.obs[i] >= low[i] && step.obs[i] <= high[i], `obs[${i}] in its bounds`);
    }
    if (step.truncated) break;
  }
  assert.equal(steps, 100);
  const frame = env.frame();
  assert.equal(frame.kind, "shapes");
  if (frame.kind === "shapes") {
    assert.deepEqual(
      frame.shapes.map((s) => s.type),
      ["box", "circle", "circle"],
      "arena, target, agent (resting in a corner: no velocity line)",
    );
  }
});

/**
 * Measured (seed 1, 30,720 steps, 300 labels, about 18 s): trained −28.0 against random −87.4
 * on 20 episodes (the run's own eval: −25.3; seed 2: −20.9). With the loop tests' defaults
 * (disagreement selection, 4 reward steps per update) PPO ended worse than random (−112) even
 * though the reward model ranked a go-to-target controller first, above random and zero actions;
 * its r̂ kept a bias by action that the policy followed into a corner. Random pairs and 30 reward
 * steps per update gave the figures above; why disagreement selection hurts here is not settled.
 */
test("the oracle teaches the point reacher to beat a random policy", async () => {
  const c = config({
    envId: POINT_REACHER_ID,
    evalEnvId: POINT_REACHER_ID,
    evalEpisodes: EVAL_EPISODES,
    teacher: "oracle",
    labels: 300,
    steps: 30_000,
    clipSteps: 25,
    seed: 1,
    selection: "random",
    pretrainRewardSteps: 500,
    rewardStepsPerUpdate: 30,
    ppo: {
      numEnvs: 8,
      nSteps: 256,
      epochs: 10,
      minibatches: 4,
      lr: 2e-3,
      annealLr: false,
      gamma: 0.95,
      gaeLambda: 0.95,
      entCoef: 0.01,
      hidden: [32, 32],
      normalizeObs: true,
      rewardScaling: true,
    },
  });
  const { dir, store } = await openRun();
  writeConfig(dir, c);
  const loop = buildLoop(c, dir, store);
  const started = Date.now();
  try {
    const result = await loop.run();
    const agent = PpoAgent.load(join(dir, "policy"));
    const trained = evaluatePolicy(agent, POINT_REACHER_ID, EVAL_EPISODES, EVAL_SEED);
    agent.dispose();
    const random = randomReturn();
    console.log(
      JSON.stringify({
        steps: result.steps,
        labels: result.labels,
        seed: c.seed,
        trained: Number(trained.mean.toFixed(1)),
        random: Number(random.toFixed(1)),
        seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
      }),
    );
    assert.equal(result.labels, 300);
    assert.ok(random < -60, `a random policy stays far from the target (${random})`);
    assert.ok(
      trained.mean > random / 2,
      `trained ${trained.mean.toFixed(1)} beats random ${random.toFixed(1)} by a clear margin`,
    );
  } finally {
    loop.dispose();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the goal module prefers holding at the target to rushing past it", () => {
  const clip = (rows: number[][]): Clip => ({
    id: "c",
    envId: POINT_REACHER_ID,
    obs: Float32Array.from(rows.flat()),
    obsSize: 6,
    actions: new Float32Array(rows.length * 2),
    actSize: 2,
    rewards: new Float32Array(rows.length),
    frames: [],
    policyVersion: 0,
    envStep: 0,
  });
  const hold = holdAtTarget(
    clip([
      [0.5, 0.5, 0, 0, 0.5, 0.5],
      [0.5, 0.5, 0, 0, 0.5, 0.5],
    ]),
  );
  const pass = holdAtTarget(
    clip([
      [0.4, 0.4, 2, 2, 0.5, 0.5],
      [0.6, 0.6, 2, 2, 0.5, 0.5],
    ]),
  );
  const sum = (a: Float32Array) => a.reduce((x, y) => x + y, 0);
  assert.equal(sum(hold), 0);
  assert.ok(sum(pass) < sum(hold));
  assert.equal(pointReacherGoal.scorer, holdAtTarget, "the default export is {name, scorer}");
  assert.match(pointReacherGoal.name, /^[a-z0-9][a-z0-9._-]*$/);
  assert.throws(() => holdAtTarget({ ...clip([[0, 0, 0, 0, 0, 0]]), obsSize: 3 }), /obs size 3/);
});
