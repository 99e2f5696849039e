/**
 * The example MJCF robot taught by its goal module: examples/arm/arm.xml with
 * examples/arm/touch_goal.ts as a synthetic teacher (no noise), through the full preference
 * loop (buildLoop, as `backflip train` runs it). Reports the goal's score per evaluation
 * episode (deterministic policy) against uniformly random actions and against doing nothing
 * (action 0), over the same reset seeds, and writes experiments/results/arm_touch.json.
 *
 * Seed 1, horizon 100 (4 s), the CLI's PPO preset for the id (mujocoPreset), clips of 25 steps:
 * 300k steps and 300 labels in 72 s: goal score −101.8 ± 1.9 per episode (final distance
 * 13.2 cm, 7% of steps touching) against −286.3 ± 44.3 for random actions and −297.2 for
 * action 0. 600k steps and 400 labels: −105.1 (12.8 cm, 5%). The policy swings the fingertip
 * to the target but does not yet hold it there.
 *
 *   node --import tsx experiments/arm_touch.ts [--seed 1] [--labels 300] [--steps 300000]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import touchGoal, { fingertipDistances } from "../examples/arm/touch_goal.ts";
import type { Clip } from "../src/core/types.ts";
import { makeEnv } from "../src/envs/index.ts";
import { registerMjcfEnv } from "../src/envs/mujoco/index.ts";
import { buildLoop } from "../src/loop/build_loop.ts";
import { writeConfig } from "../src/loop/preference_loop.ts";
import { runConfigSchema } from "../src/loop/run_config.ts";
import { PpoAgent } from "../src/rl/ppo.ts";
import { ppoPreset } from "../src/rl/presets.ts";
import { PreferenceStore } from "../src/store/index.ts";
import { registerGoal } from "../src/teachers/goals/index.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    labels: { type: "string", default: "300" },
    steps: { type: "string", default: "300000" },
    horizon: { type: "string", default: "100" },
    out: { type: "string" },
  },
});
const seed = Number(values.seed);
const labels = Number(values.labels);
const steps = Number(values.steps);
const horizon = Number(values.horizon);
const EVAL_EPISODES = 20;
const EVAL_SEED = 1_000;

const envId = await registerMjcfEnv(join(import.meta.dirname, "../examples/arm/arm.xml"), {
  horizon,
});
registerGoal(touchGoal.name, touchGoal.scorer);

type Policy = (obs: Float32Array) => ArrayLike<number>;

/** Per episode: the goal's score summed, the final distance (m), and steps within 2 cm. */
function evaluate(policy: Policy) {
  const env = makeEnv(envId);
  const scores: number[] = [];
  const finalDistances: number[] = [];
  const touching: number[] = [];
  for (let ep = 0; ep < EVAL_EPISODES; ep++) {
    let obs = env.reset(EVAL_SEED + ep);
    const signals: Record<string, number[]> = {};
    let n = 0;
    for (;;) {
      const step = env.step(policy(obs));
      for (const [k, v] of Object.entries(step.info.signals ?? {})) {
        signals[k] = signals[k] ?? [];
        signals[k].push(v);
      }
      obs = step.obs;
      n++;
      if (step.terminated || step.truncated) break;
    }
    const clip: Clip = {
      id: `eval-${ep}`,
      envId,
      obs: new Float32Array(n * 4),
      obsSize: 4,
      actions: new Float32Array(n * 2),
      actSize: 2,
      rewards: new Float32Array(n),
      signals: Object.fromEntries(
        Object.entries(signals).map(([k, v]) => [k, Float32Array.from(v)]),
      ),
      frames: [],
      policyVersion: 0,
      envStep: 0,
    };
    const score = touchGoal.scorer(clip);
    const d = fingertipDistances(clip);
    scores.push(score.reduce((a, b) => a + b, 0));
    finalDistances.push(d[d.length - 1]);
    touching.push(d.filter((x) => x < 0.02).length / n);
  }
  env.close();
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  const std = (a: number[]) => Math.sqrt(mean(a.map((x) => (x - mean(a)) ** 2)));
  return {
    score: Number(mean(scores).toFixed(1)),
    scoreStd: Number(std(scores).toFixed(1)),
    finalDistanceCm: Number((100 * mean(finalDistances)).toFixed(1)),
    touchingShare: Number(mean(touching).toFixed(2)),
  };
}

let state = 12345;
const uniform = () => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return (state / 4294967296) * 2 - 1;
};
const random = evaluate(() => [uniform(), uniform()]);
const still = evaluate(() => [0, 0]);

const config = runConfigSchema.parse({
  envId,
  teacher: `goal:${touchGoal.name}`,
  noise: {},
  labels,
  steps,
  seed,
  selection: "disagreement",
  clipSteps: 25,
  pretrainFraction: 0.25,
  respawn: false,
  scheduleC: 2e6,
  pretrainRewardSteps: 60,
  rewardStepsPerUpdate: 4,
  evalEnvId: envId,
  evalEpisodes: EVAL_EPISODES,
  rubric: touchGoal.rubric,
  repeatShare: 0,
  ppo: ppoPreset(envId),
});
const dir = mkdtempSync(join(tmpdir(), "backflip-arm-"));
const store = await PreferenceStore.open(join(dir, "store.sqlite"));
writeConfig(dir, config);
const started = Date.now();
const loop = buildLoop(config, dir, store);
let trained: ReturnType<typeof evaluate>;
let result: Awaited<ReturnType<typeof loop.run>>;
try {
  result = await loop.run();
  const agent = PpoAgent.load(join(dir, "policy"));
  trained = evaluate((obs) => agent.act(obs, true));
  agent.dispose();
} finally {
  loop.dispose();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
const figures = {
  envId,
  horizon,
  seed,
  labels: result.labels,
  steps: result.steps,
  seconds: Math.round((Date.now() - started) / 1000),
  evalEpisodes: EVAL_EPISODES,
  trained,
  random,
  still,
  runEval: Number(result.evalReturn.mean.toFixed(1)),
  rewardCorrelation: result.final?.rewardCorrelation,
};
console.log(JSON.stringify(figures));
const out = values.out ?? join(import.meta.dirname, "results/arm_touch.json");
mkdirSync(join(out, ".."), { recursive: true });
writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
