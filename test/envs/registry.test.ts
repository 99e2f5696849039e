import assert from "node:assert/strict";
import { test } from "node:test";
import { CartPoleEnv } from "../../src/envs/classic/cartpole.ts";
import { editDistance, hasEnv, listEnvIds, makeEnv, registerEnv } from "../../src/envs/index.ts";

const CLASSIC: [string, number, number, number][] = [
  // id, maxEpisodeSteps, fps, dt
  ["CartPole-v1", 500, 50, 0.02],
  ["CartPole-pref-v1", 500, 50, 0.02],
  ["Pendulum-v1", 200, 20, 0.05],
  ["Pendulum-pref-v1", 200, 20, 0.05],
  ["MountainCarContinuous-v0", 999, 30, 1 / 30],
  ["MountainCarContinuous-pref-v0", 999, 30, 1 / 30],
];

test("importing the envs module registers the six classic ids with their specs", () => {
  const ids = listEnvIds();
  for (const [id, steps, fps, dt] of CLASSIC) {
    assert.ok(ids.includes(id), `${id} missing from ${ids.join(", ")}`);
    assert.ok(hasEnv(id));
    const env = makeEnv(id);
    assert.equal(env.spec.id, id);
    assert.equal(env.spec.maxEpisodeSteps, steps);
    assert.equal(env.spec.fps, fps);
    assert.equal(env.spec.dt, dt);
    assert.equal(env.spec.preferenceReady, id.includes("-pref-"));
  }
  assert.deepEqual(ids, [...ids].sort());
});

test("makeEnv builds a fresh env on every call", () => {
  const a = makeEnv("CartPole-v1");
  const b = makeEnv("CartPole-v1");
  assert.notEqual(a, b);
  a.reset(1);
  assert.throws(() => b.step([0]), /reset/);
});

test("an unknown env id names the id and suggests the closest registered id", () => {
  assert.throws(
    () => makeEnv("CartPol-v1"),
    (e: Error) =>
      e.message ===
      "unknown env 'CartPol-v1'; did you mean 'CartPole-v1'? Run 'backflip envs' for the list.",
  );
  assert.throws(() => makeEnv("pendulum-pref-v1"), /did you mean 'Pendulum-pref-v1'\?/);
  assert.throws(
    () => makeEnv("MountainCarContinuous-v1"),
    /did you mean 'MountainCarContinuous-v0'/,
  );
  assert.equal(hasEnv("CartPol-v1"), false);
});

test("an unknown env id far from every registered id gets no suggestion", () => {
  assert.throws(
    () => makeEnv("TotallyUnrelatedTask-v9"),
    (e: Error) =>
      e.message.includes("'TotallyUnrelatedTask-v9'") &&
      !e.message.includes("did you mean") &&
      e.message.includes("backflip envs"),
  );
});

test("other modules can register envs, and an id cannot be registered twice", () => {
  let made = 0;
  registerEnv("RegistryTestCartPole-v0", () => {
    made++;
    return new CartPoleEnv({ seed: 1 });
  });
  assert.ok(hasEnv("RegistryTestCartPole-v0"));
  assert.ok(listEnvIds().includes("RegistryTestCartPole-v0"));
  makeEnv("RegistryTestCartPole-v0");
  makeEnv("RegistryTestCartPole-v0");
  assert.equal(made, 2);
  assert.throws(() => registerEnv("RegistryTestCartPole-v0", () => new CartPoleEnv()), /already/);
  assert.throws(() => registerEnv("CartPole-v1", () => new CartPoleEnv()), /already/);
});

test("edit distance counts insertions, deletions and substitutions", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("cartpol-v1", "cartpole-v1"), 1);
  assert.equal(editDistance("same", "same"), 0);
});
