/**
 * What a checkpoint costs: writing and reading one (policy, reward ensemble, and a full pool of
 * 600 clips with their frames) for Pendulum-v1 and Hopper-pref-v5, whose 188-step clips are the
 * largest. Checkpoints are written every 30 s by default, so this is the share of a run they take.
 */

import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../src/core/rng.ts";
import type { Clip } from "../src/core/types.ts";
import { makeEnv, makeVecEnv } from "../src/envs/index.ts";
import { readCheckpoint, writeCheckpoint } from "../src/loop/checkpoint.ts";
import { defaultClipSteps } from "../src/loop/run_config.ts";
import { cutClips } from "../src/queries/index.ts";
import { RewardEnsemble } from "../src/reward/index.ts";
import { PpoAgent } from "../src/rl/ppo.ts";
import { ppoPreset } from "../src/rl/presets.ts";

const POOL = 600;

/** Bytes of the files under `path`. */
function du(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, entry) => sum + du(join(path, entry)), 0);
}

for (const [envId, mujoco] of [
  ["Pendulum-v1", false],
  ["Hopper-pref-v5", true],
] as const) {
  const venv = makeVecEnv(envId, ppoPreset(envId).numEnvs ?? 1);
  const agent = new PpoAgent(ppoPreset(envId), venv.observationSpace, venv.actionSpace, 1);
  const reward = new RewardEnsemble(venv.observationSpace, venv.actionSpace, { seed: 2 });
  const clipSteps = defaultClipSteps(envId, makeEnv(envId).spec.dt, mujoco);
  const rng = new Rng(3);
  const pool: Clip[] = [];
  while (pool.length < POOL) {
    const rollout = agent.collect(venv, { recordFrames: true });
    pool.push(...cutClips(rollout, { length: clipSteps, rng, maxClips: POOL - pool.length }));
  }
  const dir = mkdtempSync(join(tmpdir(), "backflip-bench-ckpt-"));
  const state = {
    phase: "rl" as const,
    envSteps: 0,
    policyVersion: 0,
    wallSeconds: 0,
    waitedSeconds: 0,
    metricsRows: 0,
    rng: rng.getState(),
    teacher: null,
  };
  const saveModels = (to: string) => {
    agent.save(join(to, "policy"));
    reward.save(join(to, "reward"));
  };
  const writes: number[] = [];
  const reads: number[] = [];
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    writeCheckpoint(dir, { state: { ...state, policyVersion: i }, pool, saveModels });
    writes.push(performance.now() - t);
    t = performance.now();
    readCheckpoint(dir);
    reads.push(performance.now() - t);
  }
  console.log(
    JSON.stringify({
      bench: "checkpoint",
      env: envId,
      clipSteps,
      poolClips: pool.length,
      writeMs: Math.round(Math.min(...writes)),
      readMs: Math.round(Math.min(...reads)),
      megabytes: Number((du(join(dir, "checkpoints")) / 1e6).toFixed(2)),
      shareOf30s: Number((Math.min(...writes) / 30_000).toFixed(4)),
    }),
  );
  rmSync(dir, { recursive: true, force: true });
  agent.dispose();
  reward.dispose();
  venv.close();
}
