/**
 * The whole preference loop in env steps per second: Pendulum-v1 with the oracle, 500 labels'
 * schedule over 100k steps, run for the first 30k steps (pretraining included).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeEnv } from "../src/envs/index.ts";
import { buildLoop } from "../src/loop/build_loop.ts";
import { defaultClipSteps, runConfigSchema } from "../src/loop/run_config.ts";
import { ppoPreset } from "../src/rl/presets.ts";
import { PreferenceStore } from "../src/store/index.ts";

const envId = "Pendulum-v1";
const steps = 30_000;
const dt = makeEnv(envId).spec.dt;
const config = runConfigSchema.parse({
  envId,
  teacher: "oracle",
  noise: {},
  labels: 150,
  steps,
  seed: 1,
  selection: "disagreement",
  clipSteps: defaultClipSteps(envId, dt, false),
  pretrainFraction: 0.25,
  respawn: false,
  scheduleC: 2e6,
  pretrainRewardSteps: 100,
  rewardStepsPerUpdate: 4,
  evalEnvId: envId,
  evalEpisodes: 1,
  rubric: "",
  repeatShare: 0,
  ppo: ppoPreset(envId),
});
const dir = mkdtempSync(join(tmpdir(), "backflip-bench-loop-"));
const store = await PreferenceStore.open(join(dir, "store.sqlite"));
const loop = buildLoop(config, dir, store);
const t0 = performance.now();
const result = await loop.run();
const seconds = (performance.now() - t0) / 1000;
loop.dispose();
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    bench: "preference_loop",
    env: envId,
    teacher: "oracle",
    steps: result.steps,
    labels: result.labels,
    seconds: Number(seconds.toFixed(2)),
    envStepsPerSec: Math.round(result.steps / seconds),
  }),
);
