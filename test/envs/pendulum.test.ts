import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import { angleNormalize, PendulumEnv } from "../../src/envs/classic/pendulum.ts";

function close(actual: number, expected: number, tol = 1e-12) {
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);
}

test("pendulum upright at rest with full torque: thetaDot 0.3, theta 0.015, reward -0.004", () => {
  // newThetaDot = 0 + (15 sin 0 + 3 * 2) * 0.05 = 0.3; newTheta = 0.3 * 0.05; cost = 0.001 * 2².
  const env = new PendulumEnv();
  env.setState([0, 0]);
  const r = env.step([2]);
  const [theta, thetaDot] = env.getState();
  close(thetaDot, 0.3);
  close(theta, 0.015);
  close(r.reward, -0.004);
  assert.deepEqual(Array.from(r.obs), [
    Math.fround(Math.cos(0.015)),
    Math.fround(Math.sin(0.015)),
    Math.fround(0.3),
  ]);
  assert.equal(r.terminated, false);
  assert.equal(r.truncated, false);
});

test("pendulum held horizontal falls with gravity 3g/2l and pays the squared angle", () => {
  const env = new PendulumEnv();
  env.setState([Math.PI / 2, 0]);
  const r = env.step([0]);
  const [theta, thetaDot] = env.getState();
  close(thetaDot, 15 * 0.05); // 3 * 10 / 2 * sin(π/2) * dt
  close(theta, Math.PI / 2 + 0.75 * 0.05);
  close(r.reward, -((Math.PI / 2) ** 2));
});

test("pendulum angular speed is clipped to 8 and the cost uses the speed before the step", () => {
  const env = new PendulumEnv();
  env.setState([Math.PI / 2, 7.9]); // 7.9 + (15 + 6) * 0.05 = 8.95 -> 8
  const r = env.step([2]);
  const [theta, thetaDot] = env.getState();
  assert.equal(thetaDot, 8);
  close(theta, Math.PI / 2 + 8 * 0.05);
  close(r.reward, -((Math.PI / 2) ** 2 + 0.1 * 7.9 ** 2 + 0.001 * 4));
  env.setState([-Math.PI / 2, -7.9]);
  env.step([-2]);
  assert.equal(env.getState()[1], -8);
});

test("pendulum cost normalises the angle into [-pi, pi)", () => {
  const env = new PendulumEnv();
  env.setState([(3 * Math.PI) / 2, 0]); // same as -π/2
  close(env.step([0]).reward, -((Math.PI / 2) ** 2));
  env.setState([2 * Math.PI + 0.1, 0]);
  close(env.step([0]).reward, -(0.1 ** 2), 1e-12);
  close(angleNormalize(-0.1 - 4 * Math.PI), -0.1, 1e-12);
  assert.equal(angleNormalize(Math.PI), -Math.PI);
});

test("pendulum clips torque to [-2, 2] before the dynamics and the cost", () => {
  const a = new PendulumEnv();
  const b = new PendulumEnv();
  a.setState([0.3, -1]);
  b.setState([0.3, -1]);
  const ra = a.step([5]);
  const rb = b.step([2]);
  assert.deepEqual(a.getState(), b.getState());
  assert.equal(ra.reward, rb.reward);
  assert.deepEqual(a.frame(), {
    kind: "pendulum",
    theta: angleNormalize(a.getState()[0]),
    torque: 2,
  });
  a.step(Float32Array.of(-7));
  assert.equal((a.frame() as { torque: number }).torque, -2);
});

test("pendulum reset draws theta from U(-pi, pi) and thetaDot from U(-1, 1)", () => {
  const env = new PendulumEnv();
  let minTheta = Infinity;
  let maxTheta = -Infinity;
  for (let seed = 0; seed < 200; seed++) {
    const o = env.reset(seed);
    const [theta, thetaDot] = env.getState();
    assert.ok(theta >= -Math.PI && theta < Math.PI);
    assert.ok(thetaDot >= -1 && thetaDot < 1);
    close(o[0], Math.cos(theta), 1e-7);
    close(o[1], Math.sin(theta), 1e-7);
    close(o[2], thetaDot, 1e-7);
    minTheta = Math.min(minTheta, theta);
    maxTheta = Math.max(maxTheta, theta);
  }
  assert.ok(minTheta < -2.5 && maxTheta > 2.5, "reset angles should cover the circle");
});

test("pendulum never terminates and truncates at exactly 200 steps", () => {
  const env = new PendulumEnv();
  env.reset(4);
  const rng = new Rng(1);
  for (let t = 1; t <= 200; t++) {
    const r = env.step([rng.uniform(-2, 2)]);
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, t === 200);
    assert.ok(r.reward <= 0 && r.reward >= -(Math.PI ** 2 + 6.4 + 0.004));
  }
  assert.equal(env.spec.fps, 20);
  assert.equal(env.spec.dt, 0.05);
});

test("pendulum gives the same trajectory for the same seed", () => {
  const run = (seed: number) => {
    const env = new PendulumEnv();
    const rng = new Rng(7);
    const out: number[] = Array.from(env.reset(seed));
    for (let t = 0; t < 250; t++) {
      const r = env.step([rng.uniform(-3, 3)]);
      out.push(...r.obs, r.reward);
      if (r.truncated) out.push(...env.reset());
    }
    return out;
  };
  assert.deepEqual(run(11), run(11));
  assert.notDeepEqual(run(11), run(12));
});

test("pendulum-pref drops the control cost and reports every step healthy", () => {
  const pref = new PendulumEnv({ preferenceReady: true });
  const std = new PendulumEnv();
  assert.equal(pref.spec.id, "Pendulum-pref-v1");
  assert.equal(pref.spec.preferenceReady, true);
  assert.equal(std.spec.preferenceReady, false);
  pref.setState([0.5, 1]);
  std.setState([0.5, 1]);
  const rp = pref.step([2]);
  const rs = std.step([2]);
  close(rp.reward, -(0.25 + 0.1));
  close(rs.reward, -(0.25 + 0.1 + 0.004));
  assert.deepEqual(pref.getState(), std.getState());
  assert.equal(rp.info.unhealthy, false);
  assert.equal(rs.info.unhealthy, undefined);
  pref.reset(0);
  for (let t = 1; t <= 200; t++) {
    const r = pref.step([1]);
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, t === 200);
  }
});
