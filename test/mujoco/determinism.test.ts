import assert from "node:assert/strict";
import { test } from "node:test";
import { MUJOCO_ENV_IDS, makeMujocoEnv } from "../../src/envs/mujoco/envs.ts";
import type { MujocoEnv } from "../../src/envs/mujoco/mujoco_env.ts";
import { Rng, randomAction } from "./helpers.ts";

/** Observations and rewards of `steps` steps with actions from Rng(99), resetting as needed. */
function rollout(env: MujocoEnv, seed: number, steps: number): number[] {
  const rng = new Rng(99);
  const out = [...env.reset(seed)];
  for (let t = 0; t < steps; t++) {
    const r = env.step(randomAction(env, rng));
    out.push(...r.obs, r.reward);
    if (r.terminated || r.truncated) out.push(...env.reset());
  }
  return out;
}

test("the same seed gives the same trajectory, bit for bit; another seed another one", () => {
  for (const id of MUJOCO_ENV_IDS) {
    const a = makeMujocoEnv(id);
    const b = makeMujocoEnv(id);
    const first = rollout(a, 11, 60);
    assert.deepEqual(rollout(b, 11, 60), first, id);
    assert.deepEqual(rollout(a, 11, 60), first, `${id} after reuse`);
    assert.notDeepEqual(rollout(b, 12, 60).slice(0, a.obsSize), first.slice(0, a.obsSize), id);
    a.close();
    b.close();
  }
});

test("reset noise has Gymnasium's scale", () => {
  // Hopper: U(±5e-3) around qpos0 = [0, 1.25, 0, 0, 0, 0]; HalfCheetah: U(±0.1) and 0.1·N(0,1).
  const hopper = makeMujocoEnv("Hopper-v5");
  const cheetah = makeMujocoEnv("HalfCheetah-v5");
  let maxHopper = 0;
  let maxCheetahQ = 0;
  let sumSqCheetahV = 0;
  let n = 0;
  for (let s = 0; s < 200; s++) {
    hopper.reset(s);
    const h = hopper.sim.state();
    h.qpos[1] -= 1.25;
    for (const x of [...h.qpos, ...h.qvel]) maxHopper = Math.max(maxHopper, Math.abs(x));
    cheetah.reset(s);
    const c = cheetah.sim.state();
    for (const x of c.qpos) maxCheetahQ = Math.max(maxCheetahQ, Math.abs(x));
    for (const v of c.qvel) {
      sumSqCheetahV += v * v;
      n++;
    }
  }
  assert.ok(maxHopper <= 5e-3 && maxHopper > 4.5e-3, `hopper ${maxHopper}`);
  assert.ok(maxCheetahQ <= 0.1 && maxCheetahQ > 0.09, `cheetah qpos ${maxCheetahQ}`);
  const std = Math.sqrt(sumSqCheetahV / n);
  assert.ok(std > 0.09 && std < 0.11, `cheetah qvel std ${std}`);
  hopper.close();
  cheetah.close();
});

test("Reacher puts its target uniformly inside the 0.2 disc and starts it at rest", () => {
  const env = makeMujocoEnv("Reacher-v5");
  for (let s = 0; s < 100; s++) {
    const obs = env.reset(s);
    assert.ok(Math.hypot(obs[4], obs[5]) < 0.2);
    const { qvel } = env.sim.state();
    assert.equal(qvel[2], 0);
    assert.equal(qvel[3], 0);
  }
  env.close();
});
