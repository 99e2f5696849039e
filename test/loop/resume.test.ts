import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { Query } from "../../src/core/types.ts";
import { buildLoop } from "../../src/loop/build_loop.ts";
import type { LoopEvents } from "../../src/loop/preference_loop.ts";
import { writeConfig } from "../../src/loop/preference_loop.ts";
import type { RunConfig } from "../../src/loop/run_config.ts";
import type { PreferenceStore } from "../../src/store/index.ts";
import { config, openRun, scriptedPerson } from "./helpers.ts";

class Crash extends Error {}

/** Runs a loop until `events` throw a Crash: like kill -9, nothing after it is saved. */
async function runUntilCrash(
  c: RunConfig,
  dir: string,
  store: PreferenceStore,
  events: LoopEvents,
) {
  const loop = buildLoop(c, dir, store, { events });
  try {
    await assert.rejects(loop.run(), Crash);
  } finally {
    loop.dispose();
  }
}

async function resume(c: RunConfig, dir: string, store: PreferenceStore) {
  const loop = buildLoop(c, dir, store, { resume: true });
  try {
    return await loop.run();
  } finally {
    loop.dispose();
  }
}

function metricSteps(dir: string): number[] {
  return readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line).steps as number);
}

test("a run that crashes mid-way resumes from its checkpoint and ends with every label once", async () => {
  // Checkpoints only when the first labels are in: the crash loses several updates' work.
  const c = config({ checkpointSeconds: 1000, labels: 100, steps: 30_000 });
  const { dir, store } = await openRun();
  writeConfig(dir, c);
  let rows = 0;
  await runUntilCrash(c, dir, store, {
    onProgress: () => {
      if (++rows === 12) throw new Crash();
    },
  });
  const before = await store.labelProgress();
  assert.ok(before.answered > 25 && before.answered < 100, `crashed mid-run (${before.answered})`);

  // Every question the resumed run asks must be stored with the very clips its teacher judged.
  // Its random stream is restored from the checkpoint, so drawing ids from it again would name
  // other clips with the ids of clips stored in the lost stretch, which the store would keep.
  const asked: Query[] = [];
  const addQueries = store.addQueries.bind(store);
  store.addQueries = (queries, ...rest) => {
    asked.push(...queries);
    return addQueries(queries, ...rest);
  };
  const result = await resume(c, dir, store);
  for (const query of asked) {
    const stored = await store.getQuery(query.id);
    assert.deepEqual(
      [stored?.left.obs, stored?.right.obs],
      [query.left.obs, query.right.obs],
      `query ${query.id} is stored with the clips that were asked about`,
    );
  }
  assert.ok(result.steps >= c.steps);
  assert.equal(result.labels, 100);
  assert.deepEqual(await store.labelProgress(), { asked: 100, answered: 100 });
  assert.equal(await store.countAnswers(), 100, "no answer was given twice");
  const steps = metricSteps(dir);
  assert.ok(
    steps.every((s, i) => i === 0 || s > steps[i - 1]),
    "the rows written after the last checkpoint were dropped, so steps still increase",
  );
  await store.close();
});

test("answers given while the trainer was down count when it resumes", async () => {
  const c = config({ teacher: "human", labels: 20, steps: 8_000, pretrainRewardSteps: 20 });
  const { dir, store } = await openRun();
  writeConfig(dir, c);
  // The trainer dies while it waits for the first 5 labels...
  await runUntilCrash(c, dir, store, {
    onStatus: (s) => {
      if (s.state === "waiting") throw new Crash();
    },
  });
  // ...and the labeller answers them all while it is down.
  const early = scriptedPerson(store, { everyMs: 1, limit: 5 });
  while (early.given < 5) await new Promise((r) => setTimeout(r, 10));
  await early.stop();
  assert.deepEqual(await store.labelProgress(), { asked: 5, answered: 5 });

  const later = scriptedPerson(store, { everyMs: 20, name: "bob" });
  const result = await resume(c, dir, store);
  await later.stop();
  assert.equal(result.labels, 20);
  assert.deepEqual(await store.labelProgress(), { asked: 20, answered: 20 });
  await store.close();
});

test("a fresh policy trains on a saved reward model, frozen, asking nothing", async () => {
  const source = await openRun();
  const c = config({ labels: 30, steps: 6_000 });
  writeConfig(source.dir, c);
  const trained = buildLoop(c, source.dir, source.store);
  await trained.run();
  trained.dispose();
  await source.store.close();

  const { dir, store } = await openRun();
  const frozen = config({ teacher: "none", labels: 0, rewardModel: source.dir, seed: 8 });
  writeConfig(dir, frozen);
  const loop = buildLoop(frozen, dir, store);
  const result = await loop.run();
  loop.dispose();
  assert.ok(result.steps >= frozen.steps);
  assert.equal(await store.countQueries(), 0);
  const weights = (run: string) => readFileSync(join(run, "reward", "reward.safetensors"));
  assert.ok(weights(dir).equals(weights(source.dir)), "the reward model did not change");
  await store.close();
});
