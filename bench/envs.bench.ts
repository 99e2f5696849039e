/**
 * Raw env stepping speed with random actions: one env alone, and a SyncVecEnv of 16. Prints one
 * JSON line per env id (the classic ids, or those named on the command line). Run:
 *   node --import tsx bench/envs.bench.ts [id ...]
 * `stepsPerSec` and `vecStepsPerSec` both count env steps (a VecEnv step of 16 envs is 16).
 */
import { Rng } from "../src/core/rng.ts";
import type { Space } from "../src/core/spaces.ts";
import { flatSize } from "../src/core/spaces.ts";
import { listEnvIds, makeEnv, makeVecEnv } from "../src/envs/index.ts";
import { isMujocoEnvId } from "../src/envs/mujoco/index.ts";

const VEC_ENVS = 16;
const WARMUP_MS = 50;
const MEASURE_MS = 350;
const RING = 4096;

/** A ring of pre-drawn random actions, so the timing covers stepping only. */
function randomActions(space: Space, count: number, rng: Rng): Float32Array {
  const size = flatSize(space);
  const out = new Float32Array(count * size);
  for (let j = 0; j < count; j++) {
    for (let k = 0; k < size; k++) {
      out[j * size + k] =
        space.kind === "discrete" ? rng.int(space.n) : rng.uniform(space.low[k], space.high[k]);
    }
  }
  return out;
}

/** Calls `fn(iteration)` in blocks until `ms` have passed; returns [iterations, seconds]. */
function timed(ms: number, fn: (i: number) => void): [number, number] {
  const start = performance.now();
  let i = 0;
  let now = start;
  while (now - start < ms) {
    for (let b = 0; b < 256; b++) fn(i++);
    now = performance.now();
  }
  return [i, (now - start) / 1000];
}

function benchSingle(id: string): number {
  const env = makeEnv(id);
  const size = flatSize(env.actionSpace);
  const actions = randomActions(env.actionSpace, RING, new Rng(1));
  const views: Float32Array[] = [];
  for (let j = 0; j < RING; j++) views.push(actions.subarray(j * size, (j + 1) * size));
  env.reset(0);
  const step = (i: number) => {
    const r = env.step(views[i % RING]);
    if (r.terminated || r.truncated) env.reset();
  };
  timed(WARMUP_MS, step);
  const [n, s] = timed(MEASURE_MS, step);
  return n / s;
}

function benchVec(id: string): number {
  const venv = makeVecEnv(id, VEC_ENVS);
  const ring = 256;
  const actions = randomActions(venv.actionSpace, ring * VEC_ENVS, new Rng(1));
  const batch = VEC_ENVS * venv.actSize;
  const views: Float32Array[] = [];
  for (let j = 0; j < ring; j++) views.push(actions.subarray(j * batch, (j + 1) * batch));
  venv.reset(0);
  const step = (i: number) => {
    venv.step(views[i % ring]);
  };
  timed(WARMUP_MS, step);
  const [n, s] = timed(MEASURE_MS, step);
  return (n * VEC_ENVS) / s;
}

// MuJoCo ids have their own bench (bench/mujoco.bench.ts, against the bare physics step).
const ids =
  process.argv.length > 2 ? process.argv.slice(2) : listEnvIds().filter((id) => !isMujocoEnvId(id));
for (const id of ids) {
  const stepsPerSec = Math.round(benchSingle(id));
  const vecStepsPerSec = Math.round(benchVec(id));
  console.log(
    JSON.stringify({ bench: "env_steps", env: id, stepsPerSec, vecEnvs: VEC_ENVS, vecStepsPerSec }),
  );
}
