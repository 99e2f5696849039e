/** Loop tests' shared pieces: a small Pendulum config, a run folder, and a scripted person. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunConfig, runConfigSchema } from "../../src/loop/run_config.ts";
import { ppoPreset } from "../../src/rl/presets.ts";
import { PreferenceStore } from "../../src/store/index.ts";
import { clipReturn } from "../../src/teachers/index.ts";

export function config(overrides: Partial<RunConfig>): RunConfig {
  return runConfigSchema.parse({
    envId: "Pendulum-v1",
    teacher: "oracle",
    noise: {},
    labels: 60,
    steps: 12_000,
    seed: 7,
    selection: "disagreement",
    clipSteps: 30,
    pretrainFraction: 0.25,
    respawn: false,
    scheduleC: 2e6,
    pretrainRewardSteps: 60,
    rewardStepsPerUpdate: 4,
    evalEnvId: "Pendulum-v1",
    evalEpisodes: 2,
    rubric: "",
    repeatShare: 0,
    ppo: ppoPreset("Pendulum-v1"),
    ...overrides,
  });
}

export async function openRun(): Promise<{ dir: string; store: PreferenceStore }> {
  const dir = mkdtempSync(join(tmpdir(), "backflip-loop-"));
  return { dir, store: await PreferenceStore.open(join(dir, "store.sqlite")) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A person on the labelling page, through the store as the server would: answers one question
 * every `everyMs`, preferring the clip with the higher true return, until `stop()` or `limit`.
 */
export function scriptedPerson(
  store: PreferenceStore,
  options: { everyMs: number; limit?: number; name?: string },
) {
  const name = options.name ?? "alice";
  let running = true;
  let given = 0;
  const done = (async () => {
    while (running && given < (options.limit ?? Number.POSITIVE_INFINITY)) {
      const lease = await store.leaseNextQuery(name, 60_000);
      if (lease) {
        const { left, right } = lease.query;
        await store.submitLeased({
          leaseId: lease.leaseId,
          labeller: name,
          answer: clipReturn(left.rewards) >= clipReturn(right.rewards) ? "left" : "right",
          requestId: `${name}-${given}`,
        });
        given += 1;
      }
      await sleep(options.everyMs);
    }
  })();
  return {
    get given() {
      return given;
    },
    async stop() {
      running = false;
      await done;
    },
  };
}
