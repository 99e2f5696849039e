/**
 * MuJoCo env throughput, one JSON line per task:
 *   {"bench":"mujoco_env_steps","env":id,"rawStepsPerSec":…,"physicsStepsPerSec":…,"ratioToPhysics":…}
 *
 * raw: `env.step` with uniform random actions, resetting when an episode ends.
 * physics: the same trajectory (same seed, actions and episode boundaries) with only ctrl writes
 * and bare mj_step × frame skip, so the ratio is what the env layer (observation, reward,
 * checks, allocation) costs on top of MuJoCo. Both count env steps; `mjStepsPerSec` is the
 * physics rate in mj_step calls. Each phase runs three times, interleaved, and the fastest run
 * counts.
 *
 * Run: node --import tsx bench/mujoco.bench.ts [seconds per run, default 0.45]
 */
import { Rng } from "../src/core/rng.ts";
import { makeMujocoEnv } from "../src/envs/mujoco/envs.ts";
import type { MujocoEnv } from "../src/envs/mujoco/mujoco_env.ts";

const PHASE_SECONDS = Number(process.argv[2] ?? 0.45);
const REPS = 3;
const IDS = [
  "Hopper-v5",
  "Walker2d-v5",
  "HalfCheetah-v5",
  "Swimmer-v5",
  "Ant-v5",
  "Reacher-v5",
  "InvertedPendulum-v5",
  "InvertedDoublePendulum-v5",
];
const ACTION_POOL = 4096;

function actionPool(env: MujocoEnv): Float32Array[] {
  const rng = new Rng(1);
  const { low, high } = env.actionSpace;
  return Array.from({ length: ACTION_POOL }, () => {
    const a = new Float32Array(env.actSize);
    for (let i = 0; i < a.length; i++) a[i] = rng.uniform(low[i], high[i]);
    return a;
  });
}

/** Env steps per second of `env.step`, and the episode lengths it saw. */
function raw(
  env: MujocoEnv,
  actions: Float32Array[],
  steps: number,
): { rate: number; lengths: number[] } {
  const lengths: number[] = [];
  env.reset(0);
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    const r = env.step(actions[t % ACTION_POOL]);
    if (r.terminated || r.truncated) {
      lengths.push(env.elapsedSteps);
      env.reset();
    }
  }
  return { rate: steps / ((performance.now() - t0) / 1000), lengths };
}

/** The same trajectory with bare physics: ctrl, mj_step × frame skip, resets at the same steps. */
function physics(
  env: MujocoEnv,
  actions: Float32Array[],
  steps: number,
  lengths: number[],
): number {
  const sim = env.sim;
  const scratch = new Float32Array(env.obsSize);
  env.reset(0);
  let episode = 0;
  let elapsed = 0;
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    const h = sim.heap;
    const a = actions[t % ACTION_POOL];
    for (let i = 0; i < a.length; i++) h[sim.ctrl + i] = a[i];
    sim.step(env.frameSkip);
    if (++elapsed === lengths[episode]) {
      episode++;
      elapsed = 0;
      env.resetInto(scratch, 0);
    }
  }
  return steps / ((performance.now() - t0) / 1000);
}

for (const id of IDS) {
  const env = makeMujocoEnv(id);
  const actions = actionPool(env);
  raw(env, actions, 300); // warm up the JIT
  const calibration = raw(env, actions, 1000);
  const steps = Math.max(500, Math.round(calibration.rate * PHASE_SECONDS));
  let rawBest = 0;
  let physicsBest = 0;
  // The trajectory is the same every time (seed 0, the same actions), so the episode lengths of
  // the first raw run serve every physics run; later reps alternate which phase goes first.
  const first = raw(env, actions, steps);
  rawBest = first.rate;
  for (let rep = 0; rep < REPS; rep++) {
    physicsBest = Math.max(physicsBest, physics(env, actions, steps, first.lengths));
    if (rep < REPS - 1) rawBest = Math.max(rawBest, raw(env, actions, steps).rate);
  }
  console.log(
    JSON.stringify({
      bench: "mujoco_env_steps",
      env: id,
      rawStepsPerSec: Math.round(rawBest),
      physicsStepsPerSec: Math.round(physicsBest),
      ratioToPhysics: Number((rawBest / physicsBest).toFixed(3)),
      frameSkip: env.frameSkip,
      mjStepsPerSec: Math.round(physicsBest * env.frameSkip),
      steps,
    }),
  );
  env.close();
}
