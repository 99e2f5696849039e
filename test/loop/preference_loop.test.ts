import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildLoop } from "../../src/loop/build_loop.ts";
import type { MetricsRow } from "../../src/loop/metrics.ts";
import { writeConfig } from "../../src/loop/preference_loop.ts";
import type { RunConfig } from "../../src/loop/run_config.ts";
import { PpoAgent } from "../../src/rl/ppo.ts";
import { PreferenceStore } from "../../src/store/index.ts";
import { registerGoal, registerGoalMeasure } from "../../src/teachers/index.ts";
import { config } from "./helpers.ts";

async function runLoop(c: RunConfig) {
  const dir = mkdtempSync(join(tmpdir(), "backflip-loop-"));
  writeConfig(dir, c);
  const store = await PreferenceStore.open(join(dir, "store.sqlite"));
  const loop = buildLoop(c, dir, store);
  try {
    const result = await loop.run();
    const answers = await store.countAnswers();
    const pairs = await store.answeredPairs();
    const rows = readFileSync(join(dir, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as MetricsRow);
    return { dir, result, answers, pairs, rows };
  } finally {
    loop.dispose();
    await store.close();
  }
}

test("a short run asks for every label, stores every answer and learns a reward that tracks the true one", async () => {
  const { dir, result, answers, pairs, rows } = await runLoop(config({}));
  assert.equal(answers, 60, "the oracle answered every query the schedule asked for");
  assert.equal(result.labels, 60);
  assert.equal(pairs.filter((p) => p.phase === "pretrain").length, 15, "25% before RL");
  assert.ok(result.steps >= 12_000);
  const last = rows.at(-1)!;
  for (const key of [
    "steps",
    "labels",
    "predictedReturn",
    "trueReturn",
    "rewardValAccuracy",
    "rewardCorrelation",
  ]) {
    assert.ok(key in last, `metrics rows carry ${key}`);
  }
  assert.ok(
    rows.every((r, i) => i === 0 || r.steps > rows[i - 1].steps),
    "steps increase row by row",
  );
  assert.ok(
    (last.rewardCorrelation ?? 0) > 0.6,
    `r̂ correlates with the true reward (${last.rewardCorrelation})`,
  );
  // The saved policy evaluates to the same return as the run reported.
  const agent = PpoAgent.load(join(dir, "policy"));
  assert.equal(agent.envSteps, result.steps);
  agent.dispose();
});

test("a synthetic teacher's first labels train r̂ before RL starts", async () => {
  // The oracle answers inside the pretraining phase, so there is nothing to wait for; r̂ must
  // still be fitted on those answers before the first policy update (it once started RL after
  // 0 of its pretraining steps, and so taught the policy noise for tens of thousands of steps).
  const { rows } = await runLoop(config({ steps: 4_096, labels: 60, pretrainRewardSteps: 200 }));
  const first = rows[0];
  assert.ok(
    (first.rewardClipCorrelation ?? 0) > 0.7,
    `r̂ already tracks the true reward over clips at the first update (${first.rewardClipCorrelation})`,
  );
});

test("the same seed and config give the same run", async () => {
  const a = await runLoop(config({ steps: 6_000, labels: 30 }));
  const b = await runLoop(config({ steps: 6_000, labels: 30 }));
  assert.deepEqual(
    a.pairs.map((p) => [p.left.envStep, p.right.envStep, p.answer]),
    b.pairs.map((p) => [p.left.envStep, p.right.envStep, p.answer]),
  );
  assert.equal(a.result.evalReturn.mean, b.result.evalReturn.mean);
});

test("a goal with a measure has it counted per episode in the metrics rows and the evaluation", async () => {
  registerGoal("test-upright", (clip) =>
    Float32Array.from({ length: clip.rewards.length }, (_, t) => clip.obs[t * clip.obsSize]),
  );
  let counted = 0;
  registerGoalMeasure("test-upright", {
    label: "steps counted",
    counter: () => {
      let n = 0;
      return {
        step: () => {
          n += 1;
          counted += 1;
        },
        get value() {
          return n;
        },
      };
    },
  });
  const { result, rows } = await runLoop(
    config({ teacher: "goal:test-upright", labels: 20, steps: 8192 }),
  );
  const counts = rows.map((r) => r.goalCount).filter((v) => v !== null && v !== undefined);
  assert.ok(counts.length > 0, "some rollout finished an episode");
  // Every Pendulum episode is 200 steps, so each finished episode counted 200.
  for (const c of counts) assert.equal(c, 200);
  assert.ok(counted >= 4096, `the counters saw every step (${counted})`);
  assert.deepEqual(result.evalReturn.count?.perEpisode, [200, 200]);
  assert.equal(result.evalReturn.count?.label, "steps counted");
});

test("with PEBBLE's exploration and RUNE's bonus a run first explores, then asks and learns", async () => {
  const { result, pairs, rows } = await runLoop(
    config({
      labels: 30,
      steps: 12_288,
      unsupervisedSteps: 4096,
      explorationBonus: { beta: 0.05, decay: 1e-5 },
    }),
  );
  assert.equal(result.labels, 30);
  // The first questions are about clips from after the exploration.
  const firstClips = pairs.filter((p) => p.phase === "pretrain").flatMap((p) => [p.left, p.right]);
  assert.ok(firstClips.length > 0);
  for (const clip of firstClips) assert.ok(clip.envStep >= 4096, `clip from step ${clip.envStep}`);
  assert.ok(rows.length > 0 && rows.every((r) => Number.isFinite(r.predictedReturn)));
});
