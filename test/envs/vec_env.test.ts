import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import type { Env } from "../../src/envs/index.ts";
import { makeEnv, makeVecEnv, SyncVecEnv } from "../../src/envs/index.ts";

function row(buf: Float32Array, i: number, size: number): number[] {
  return Array.from(buf.subarray(i * size, (i + 1) * size));
}

test("vec env reset(seed) gives env i the seed seed + i", () => {
  const venv = makeVecEnv("Pendulum-v1", 3);
  assert.equal(venv.numEnvs, 3);
  assert.equal(venv.obsSize, 3);
  assert.equal(venv.actSize, 1);
  const obs = venv.reset(10);
  assert.equal(obs.length, 9);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(row(obs, i, 3), Array.from(makeEnv("Pendulum-v1").reset(10 + i)));
  }
  assert.notDeepEqual(row(obs, 0, 3), row(obs, 1, 3));
});

test("vec env autoresets finished episodes, keeping the final obs and each env's own stream", () => {
  const n = 4;
  const venv = makeVecEnv("CartPole-v1", n);
  const replicas: Env[] = [];
  for (let i = 0; i < n; i++) replicas.push(makeEnv("CartPole-v1"));
  let obs = venv.reset(100);
  for (let i = 0; i < n; i++) replicas[i].reset(100 + i);
  const rng = new Rng(5);
  const actions = new Float32Array(n);
  let episodesEnded = 0;
  for (let t = 0; t < 300; t++) {
    for (let i = 0; i < n; i++) actions[i] = rng.int(2);
    const r = venv.step(actions);
    obs = r.obs;
    for (let i = 0; i < n; i++) {
      const s = replicas[i].step([actions[i]]);
      assert.equal(r.rewards[i], s.reward);
      assert.equal(r.terminated[i], s.terminated ? 1 : 0);
      assert.equal(r.truncated[i], s.truncated ? 1 : 0);
      if (s.terminated || s.truncated) {
        episodesEnded++;
        assert.deepEqual(r.finalObs[i], s.obs);
        // The reset continues the replica's stream (no reseeding).
        assert.deepEqual(row(obs, i, 4), Array.from(replicas[i].reset()));
      } else {
        assert.equal(r.finalObs[i], null);
        assert.deepEqual(row(obs, i, 4), Array.from(s.obs));
      }
    }
  }
  assert.ok(episodesEnded >= 20, `only ${episodesEnded} episodes ended`);
});

test("vec env truncates every pendulum at 200 steps and returns the reset observation", () => {
  const venv = makeVecEnv("Pendulum-v1", 2);
  venv.reset(0);
  const zeros = new Float32Array(2);
  for (let t = 1; t <= 200; t++) {
    const r = venv.step(zeros);
    const done = t === 200 ? 1 : 0;
    assert.deepEqual(Array.from(r.truncated), [done, done]);
    assert.deepEqual(Array.from(r.terminated), [0, 0]);
    if (t === 200) {
      for (let i = 0; i < 2; i++) {
        const final = r.finalObs[i];
        assert.ok(final instanceof Float32Array);
        assert.notDeepEqual(Array.from(final), row(r.obs, i, 3));
        // A reset pendulum starts with |thetaDot| < 1.
        assert.ok(Math.abs(r.obs[i * 3 + 2]) < 1);
      }
    } else {
      assert.deepEqual(r.finalObs, [null, null]);
    }
  }
});

test("vec env fills unhealthy and infos from each env's step info", () => {
  const venv = makeVecEnv("CartPole-pref-v1", 3);
  venv.reset(0);
  const push = Float32Array.of(1, 0, 1);
  let flagged = 0;
  for (let t = 0; t < 100; t++) {
    const r = venv.step(push);
    for (let i = 0; i < 3; i++) {
      assert.equal(typeof r.infos[i].unhealthy, "boolean");
      assert.equal(r.unhealthy[i], r.infos[i].unhealthy ? 1 : 0);
      assert.equal(r.rewards[i], r.unhealthy[i] ? 0 : 1);
      assert.equal(r.terminated[i], 0);
      flagged += r.unhealthy[i];
    }
  }
  assert.ok(flagged > 100, `only ${flagged} unhealthy steps`);
});

test("vec env passes each env its own slice of a Box action, clipped by the env", () => {
  const venv = makeVecEnv("Pendulum-v1", 3);
  venv.reset(1);
  venv.step(Float32Array.of(5, -0.5, -9));
  const torques = [0, 1, 2].map((i) => (venv.frame(i) as { torque: number }).torque);
  assert.deepEqual(torques, [2, -0.5, -2]);
  assert.throws(() => venv.step(new Float32Array(2)), /expected 3 action values/);
  assert.throws(() => venv.frame(3), /no env 3/);
});

test("a whole vec env run is reproducible from one seed, across autoresets", () => {
  const run = (seed: number) => {
    const venv = makeVecEnv("MountainCarContinuous-v0", 2);
    const rng = new Rng(0);
    const out: number[] = Array.from(venv.reset(seed));
    const a = new Float32Array(2);
    for (let t = 0; t < 1100; t++) {
      a[0] = rng.uniform(-1, 1);
      a[1] = rng.uniform(-1, 1);
      const r = venv.step(a);
      out.push(...r.obs, ...r.rewards, ...r.truncated);
    }
    return out;
  };
  const a = run(42);
  assert.deepEqual(a, run(42));
  assert.notDeepEqual(a, run(43));
});

test("vec env rejects mixed envs and a non-positive env count", () => {
  assert.throws(() => makeVecEnv("CartPole-v1", 0), /positive integer/);
  assert.throws(() => new SyncVecEnv([]), /at least one/);
  assert.throws(
    () => new SyncVecEnv([makeEnv("CartPole-v1"), makeEnv("CartPole-pref-v1")]),
    /envs differ/,
  );
});
