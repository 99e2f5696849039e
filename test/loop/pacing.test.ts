import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { buildLoop } from "../../src/loop/build_loop.ts";
import { readCheckpoint } from "../../src/loop/checkpoint.ts";
import { RESULT_FILE, writeConfig } from "../../src/loop/preference_loop.ts";
import type { RunConfig } from "../../src/loop/run_config.ts";
import { META, type TrainerState } from "../../src/store/index.ts";
import { config, openRun, scriptedPerson, sleep } from "./helpers.ts";

/** A human run on Pendulum, with a scripted person; returns what the trainer said it was doing. */
async function humanRun(
  c: RunConfig,
  person: { everyMs: number; limit?: number },
  during?: (store: Awaited<ReturnType<typeof openRun>>["store"]) => Promise<void>,
) {
  const { dir, store } = await openRun();
  writeConfig(dir, c);
  const states: TrainerState[] = [];
  const loop = buildLoop(c, dir, store, {
    events: { onStatus: (s) => states.at(-1) !== s.state && states.push(s.state) },
  });
  const labeller = scriptedPerson(store, person);
  try {
    const [result] = await Promise.all([loop.run(), during?.(store)]);
    await labeller.stop();
    return { dir, result, states, progress: await store.labelProgress(), store };
  } finally {
    loop.dispose();
  }
}

const human = (overrides: Partial<RunConfig>) =>
  config({ teacher: "human", labels: 20, steps: 8_000, pretrainRewardSteps: 20, ...overrides });

test("a paced run waits for a slow teacher and trains on every label it asked for", async () => {
  const { result, states, progress, store } = await humanRun(human({ pace: "wait" }), {
    everyMs: 60,
  });
  assert.deepEqual(progress, { asked: 20, answered: 20 }, "every question asked was answered");
  assert.equal(result.labels, 20);
  assert.equal(result.stopped, false);
  assert.ok(result.waitedSeconds > 0, "RL paused for the answers");
  assert.ok(states.includes("waiting") && states.includes("training"), states.join(" → "));
  assert.equal(states.at(-1), "finished");
  const status = await store.getMeta(META.trainer);
  assert.equal(status?.state, "finished");
  await store.close();
});

test("with pace free, RL waits only for the first labels and the run ends without the rest", async () => {
  // The person answers the 5 pretraining questions and then walks away.
  const { result, progress, store } = await humanRun(human({ pace: "free" }), {
    everyMs: 20,
    limit: 5,
  });
  assert.equal(progress.answered, 5);
  assert.equal(progress.asked, 20, "the schedule still asked every question");
  assert.equal(result.labels, 5);
  assert.ok(result.steps >= 8_000);
  await store.close();
});

test("the owner's stop request ends the run with the policy, the reward model and a checkpoint saved", async () => {
  const { dir, result, states, store } = await humanRun(
    human({ pace: "free", steps: 200_000 }),
    { everyMs: 10 },
    async (s) => {
      while ((await s.getMeta(META.trainer))?.state !== "training") {
        await sleep(50);
      }
      await s.setMeta(META.control, { stopAt: Date.now() });
    },
  );
  assert.equal(result.stopped, true);
  assert.ok(result.steps < 200_000);
  assert.equal(states.at(-1), "stopped");
  for (const part of ["policy/agent.json", "reward/reward.json"]) {
    assert.ok(existsSync(join(dir, part)), `${part} is saved`);
  }
  assert.equal(readCheckpoint(dir)?.state.envSteps, result.steps, "a checkpoint to resume from");
  assert.ok(!existsSync(join(dir, RESULT_FILE)), "a stopped run is not marked finished");
  await store.close();
});

test("ending labelling early stops the questions but not the training", async () => {
  const { result, progress, store } = await humanRun(
    human({ pace: "wait", labels: 40 }),
    { everyMs: 10, limit: 12 },
    async (s) => {
      while ((await s.labelProgress()).answered < 12) await sleep(50);
      await s.setMeta(META.control, { endLabellingAt: Date.now() });
    },
  );
  assert.equal(result.stopped, false);
  assert.ok(result.steps >= 8_000);
  assert.equal(progress.answered, 12);
  assert.ok(progress.asked < 40, `no questions after the end (${progress.asked} asked)`);
  await store.close();
});
