import assert from "node:assert/strict";
import { test } from "node:test";
import { makeMujocoEnv } from "../../src/envs/mujoco/envs.ts";
import { MujocoVecEnv } from "../../src/envs/mujoco/vec_env.ts";
import { Rng } from "./helpers.ts";

test("the VecEnv steps like separate envs seeded seed + i, resetting inside step", () => {
  const n = 4;
  for (const id of ["Hopper-v5", "Reacher-v5"]) {
    const vec = MujocoVecEnv.ofTask(id, n);
    const singles = Array.from({ length: n }, () => makeMujocoEnv(id));
    const { obsSize, actSize } = vec;
    const obs = vec.reset(100);
    for (let i = 0; i < n; i++) {
      assert.deepEqual(
        [...obs.subarray(i * obsSize, (i + 1) * obsSize)],
        [...singles[i].reset(100 + i)],
      );
    }
    const rng = new Rng(1);
    let episodesEnded = 0;
    for (let t = 0; t < 120; t++) {
      const actions = new Float32Array(n * actSize);
      for (let k = 0; k < actions.length; k++) actions[k] = rng.uniform(-1, 1);
      const r = vec.step(actions);
      for (let i = 0; i < n; i++) {
        const s = singles[i].step(actions.subarray(i * actSize, (i + 1) * actSize));
        assert.equal(r.rewards[i], Math.fround(s.reward));
        assert.equal(r.terminated[i], s.terminated ? 1 : 0);
        assert.equal(r.truncated[i], s.truncated ? 1 : 0);
        assert.deepEqual(r.infos[i], s.info);
        assert.equal(r.unhealthy[i], 0);
        let expected = s.obs;
        if (s.terminated || s.truncated) {
          episodesEnded++;
          assert.deepEqual([...(r.finalObs[i] ?? [])], [...s.obs]);
          expected = singles[i].reset();
        } else {
          assert.equal(r.finalObs[i], null);
        }
        assert.deepEqual(
          [...r.obs.subarray(i * obsSize, (i + 1) * obsSize)],
          [...expected],
          `${id} env ${i} t ${t}`,
        );
      }
    }
    assert.ok(episodesEnded >= n, `${id}: ${episodesEnded} episodes ended`);
    vec.close();
    for (const env of singles) env.close();
  }
});

test("a preference-ready VecEnv flags unhealthy steps and never terminates", () => {
  const vec = MujocoVecEnv.ofTask("Hopper-pref-v5", 3);
  vec.reset(0);
  const rng = new Rng(3);
  let flagged = 0;
  for (let t = 0; t < 300; t++) {
    const actions = new Float32Array(9).map(() => rng.uniform(-1, 1));
    const r = vec.step(actions);
    for (let i = 0; i < 3; i++) {
      assert.equal(r.terminated[i], 0);
      assert.equal(r.unhealthy[i], r.infos[i].unhealthy ? 1 : 0);
      flagged += r.unhealthy[i];
    }
  }
  assert.ok(flagged > 0);
  assert.equal(vec.frame(2).kind, "mujoco");
  vec.close();
});

test("the VecEnv checks its inputs", () => {
  assert.throws(() => MujocoVecEnv.ofTask("Hopper-v5", 0), /numEnvs/);
  const vec = MujocoVecEnv.ofTask("Hopper-v5", 2);
  assert.throws(() => vec.step(new Float32Array(6)), /reset/);
  vec.reset(0);
  assert.throws(() => vec.step(new Float32Array(5)), /2×3/);
  vec.close();
});
