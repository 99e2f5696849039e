import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import { MountainCarContinuousEnv } from "../../src/envs/classic/mountain_car_continuous.ts";

function close(actual: number, expected: number, tol = 1e-12) {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);
}

/** Pushes in the direction of motion: pumps energy until the car reaches the goal. */
function pump(o: Float32Array): number {
  return o[1] >= 0 ? 1 : -1;
}

test("mountain car full throttle at -0.5: velocity 0.0015 - 0.0025 cos(-1.5), reward -0.1", () => {
  const env = new MountainCarContinuousEnv();
  env.setState([-0.5, 0]);
  const r = env.step([1]);
  const v = 0.0015 - 0.0025 * Math.cos(-1.5); // ≈ 0.0013232
  close(v, 0.0013232, 1e-7);
  // Gymnasium keeps the state in float32.
  assert.deepEqual(env.getState(), [Math.fround(-0.5 + v), Math.fround(v)]);
  assert.deepEqual(Array.from(r.obs), [Math.fround(-0.5 + v), Math.fround(v)]);
  close(r.reward, -0.1);
  assert.equal(r.terminated, false);
});

test("mountain car terminates at the goal with +100 minus the control cost", () => {
  const env = new MountainCarContinuousEnv();
  env.setState([0.44, 0.02]); // v = 0.02 + 0.00075 - 0.0025 cos(1.32) > 0, x ≈ 0.4596
  const r = env.step([0.5]);
  assert.ok(env.getState()[0] >= 0.45);
  assert.equal(r.terminated, true);
  close(r.reward, 100 - 0.1 * 0.25);
});

test("mountain car does not terminate past the goal while moving backwards", () => {
  const env = new MountainCarContinuousEnv();
  env.setState([0.46, -0.005]);
  const r = env.step([0]);
  const [x, v] = env.getState();
  assert.ok(x >= 0.45 && v < 0);
  assert.equal(r.terminated, false);
  assert.equal(r.reward, 0);
});

test("mountain car stops dead at the left wall", () => {
  const env = new MountainCarContinuousEnv();
  env.setState([-1.19, -0.02]);
  env.step([-1]);
  assert.deepEqual(env.getState(), [Math.fround(-1.2), 0]);
});

test("mountain car velocity is clipped to 0.07", () => {
  const env = new MountainCarContinuousEnv();
  env.setState([-0.8, 0.069]); // 0.069 + 0.0015 - 0.0025 cos(-2.4) ≈ 0.0723 -> 0.07
  env.step([1]);
  const [x, v] = env.getState();
  assert.equal(v, Math.fround(0.07));
  close(x, -0.8 + 0.07, 1e-7);
});

test("mountain car clips the action to [-1, 1], in the dynamics and the control cost", () => {
  const a = new MountainCarContinuousEnv();
  const b = new MountainCarContinuousEnv();
  a.setState([-0.3, 0.01]);
  b.setState([-0.3, 0.01]);
  const ra = a.step([3]);
  const rb = b.step([1]);
  assert.deepEqual(a.getState(), b.getState());
  assert.equal(ra.reward, rb.reward);
  close(ra.reward, -0.1);
  assert.deepEqual(a.frame(), { kind: "mountaincar", position: a.getState()[0], force: 1 });
  a.step(Float32Array.of(-4));
  assert.equal((a.frame() as { force: number }).force, -1);
});

test("mountain car reset puts the car at rest in [-0.6, -0.4]", () => {
  const env = new MountainCarContinuousEnv();
  const positions = new Set<number>();
  for (let seed = 0; seed < 100; seed++) {
    const o = env.reset(seed);
    assert.ok(o[0] >= Math.fround(-0.6) && o[0] <= Math.fround(-0.4), `${o[0]}`);
    assert.equal(o[1], 0);
    positions.add(o[0]);
  }
  assert.ok(positions.size > 90);
});

test("mountain car coasting in the valley truncates at exactly 999 steps", () => {
  const env = new MountainCarContinuousEnv();
  env.reset(2);
  for (let t = 1; t <= 999; t++) {
    const r = env.step([0]);
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, t === 999);
    assert.equal(r.reward, 0);
  }
  assert.equal(env.spec.fps, 30);
  close(env.spec.dt, 1 / 30);
});

test("mountain car pumping energy reaches the goal and ends the episode", () => {
  const env = new MountainCarContinuousEnv();
  let o = env.reset(0);
  let steps = 0;
  for (;;) {
    const r = env.step([pump(o)]);
    o = r.obs;
    steps++;
    if (r.terminated || r.truncated) {
      assert.equal(r.terminated, true);
      assert.ok(o[0] >= 0.45);
      break;
    }
  }
  assert.ok(steps < 300, `took ${steps} steps`);
});

test("mountain car gives the same trajectory for the same seed", () => {
  const run = (seed: number) => {
    const env = new MountainCarContinuousEnv();
    const rng = new Rng(3);
    const out: number[] = Array.from(env.reset(seed));
    for (let t = 0; t < 200; t++) {
      const r = env.step([rng.uniform(-1.5, 1.5)]);
      out.push(...r.obs, r.reward);
    }
    return out;
  };
  assert.deepEqual(run(8), run(8));
  assert.notDeepEqual(run(8), run(9));
});

test("mountaincar-pref keeps driving past the goal and pays 1 per step there, with no control cost", () => {
  const env = new MountainCarContinuousEnv({ preferenceReady: true });
  assert.equal(env.spec.id, "MountainCarContinuous-pref-v0");
  assert.equal(env.spec.preferenceReady, true);
  let o = env.reset(0);
  let atGoal = 0;
  for (let t = 1; t <= 999; t++) {
    const r = env.step([pump(o)]);
    o = r.obs;
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, t === 999);
    assert.equal(r.info.unhealthy, false);
    assert.equal(r.reward, o[0] >= 0.45 ? 1 : 0);
    atGoal += r.reward;
  }
  assert.ok(atGoal > 10, `only ${atGoal} steps at the goal`);
});
