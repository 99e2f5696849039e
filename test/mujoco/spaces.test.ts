import assert from "node:assert/strict";
import { test } from "node:test";
import { MUJOCO_ENV_IDS, makeMujocoEnv } from "../../src/envs/mujoco/envs.ts";
import { mujoco } from "../../src/envs/mujoco/loader.ts";
import { listEnvIds, makeEnv } from "../../src/envs/registry.ts";
import "../../src/envs/mujoco/register.ts";

/** Gymnasium v5's default spaces, timing and limits. */
const V5: Record<
  string,
  { obs: number; act: number; bound: number; dt: number; maxSteps: number; gear: number[] }
> = {
  Hopper: { obs: 11, act: 3, bound: 1, dt: 0.008, maxSteps: 1000, gear: [200, 200, 200] },
  Walker2d: {
    obs: 17,
    act: 6,
    bound: 1,
    dt: 0.008,
    maxSteps: 1000,
    gear: [100, 100, 100, 100, 100, 100],
  },
  HalfCheetah: {
    obs: 17,
    act: 6,
    bound: 1,
    dt: 0.05,
    maxSteps: 1000,
    gear: [120, 90, 60, 120, 60, 30],
  },
  Swimmer: { obs: 8, act: 2, bound: 1, dt: 0.04, maxSteps: 1000, gear: [150, 150] },
  Ant: {
    obs: 105,
    act: 8,
    bound: 1,
    dt: 0.05,
    maxSteps: 1000,
    gear: [150, 150, 150, 150, 150, 150, 150, 150],
  },
  Reacher: { obs: 10, act: 2, bound: 1, dt: 0.02, maxSteps: 50, gear: [200, 200] },
  InvertedPendulum: { obs: 4, act: 1, bound: 3, dt: 0.04, maxSteps: 1000, gear: [100] },
  InvertedDoublePendulum: { obs: 9, act: 1, bound: 1, dt: 0.05, maxSteps: 1000, gear: [500] },
};

test("16 ids: a standard and a preference-ready variant of each of the 8 tasks", () => {
  assert.equal(MUJOCO_ENV_IDS.length, 16);
  for (const name of Object.keys(V5)) {
    assert.ok(MUJOCO_ENV_IDS.includes(`${name}-v5`), name);
    assert.ok(MUJOCO_ENV_IDS.includes(`${name}-pref-v5`), name);
  }
});

test("every env has Gymnasium v5's observation and action spaces, dt, fps and time limit", () => {
  for (const [name, v] of Object.entries(V5)) {
    for (const pref of [false, true]) {
      const env = makeMujocoEnv(pref ? `${name}-pref-v5` : `${name}-v5`);
      try {
        assert.deepEqual(env.observationSpace.shape, [v.obs], name);
        assert.equal(env.observationSpace.low[0], Number.NEGATIVE_INFINITY);
        assert.deepEqual(env.actionSpace.shape, [v.act], name);
        assert.deepEqual([...env.actionSpace.low], new Array(v.act).fill(-v.bound), name);
        assert.deepEqual([...env.actionSpace.high], new Array(v.act).fill(v.bound), name);
        assert.ok(Math.abs(env.spec.dt - v.dt) < 1e-12, `${name} dt ${env.spec.dt}`);
        assert.equal(env.spec.fps, Math.round(1 / v.dt));
        assert.equal(env.spec.preferenceReady, pref);
        assert.equal(env.spec.maxEpisodeSteps, pref ? 1000 : v.maxSteps, name);
        assert.deepEqual(
          Array.from(
            { length: v.act },
            (_, i) => (env.sim.model.actuator_gear as Float64Array)[6 * i],
          ),
          v.gear,
          `${name} gears`,
        );
        const obs = env.reset(0);
        assert.equal(obs.length, v.obs);
        assert.ok(obs.every(Number.isFinite));
        const r = env.step(new Float32Array(v.act));
        assert.equal(r.obs.length, v.obs);
      } finally {
        env.close();
      }
    }
  }
});

test("models carry Gymnasium's masses: HalfCheetah 14 kg in all, the Ant torso a density-5 sphere", () => {
  const cheetah = makeMujocoEnv("HalfCheetah-v5");
  const masses = cheetah.sim.model.body_mass as Float64Array;
  assert.ok(Math.abs(masses.reduce((a, b) => a + b, 0) - 14) < 1e-9);
  cheetah.close();
  const ant = makeMujocoEnv("Ant-v5");
  const torso = (ant.sim.model.body_mass as Float64Array)[1];
  assert.ok(Math.abs(torso - (4 / 3) * Math.PI * 0.25 ** 3 * 5) < 1e-9);
  assert.equal(ant.sim.model.nbody, 14); // so cfrc_ext[1:] gives 13 × 6 = 78 numbers
  ant.close();
  assert.equal(mujoco.mj_version(), 338);
});

test("register.ts adds every id to the env registry", () => {
  for (const id of MUJOCO_ENV_IDS) assert.ok(listEnvIds().includes(id), id);
  const env = makeEnv("Hopper-pref-v5");
  assert.equal(env.spec.id, "Hopper-pref-v5");
  env.close();
});

test("a wrong action size and stepping before reset are errors", () => {
  const env = makeMujocoEnv("Hopper-v5");
  assert.throws(() => env.step(new Float32Array(3)), /reset/);
  env.reset(0);
  assert.throws(() => env.step(new Float32Array(2)), /3 numbers/);
  env.close();
  assert.throws(() => env.reset(0), /closed/);
});
