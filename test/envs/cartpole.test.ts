import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import { contains } from "../../src/core/spaces.ts";
import {
  CARTPOLE_THETA_THRESHOLD,
  CARTPOLE_WALL,
  CartPoleEnv,
} from "../../src/envs/classic/cartpole.ts";

/** Gymnasium's CartPole equations, written out independently of the env. */
function gymStep(s: number[], action: number): number[] {
  const [x, xDot, theta, thetaDot] = s;
  const g = 9.8;
  const mc = 1.0;
  const mp = 0.1;
  const total = mc + mp;
  const l = 0.5;
  const f = action === 1 ? 10 : -10;
  const c = Math.cos(theta);
  const sn = Math.sin(theta);
  const temp = (f + mp * l * thetaDot ** 2 * sn) / total;
  const thetaAcc = (g * sn - c * temp) / (l * (4 / 3 - (mp * c ** 2) / total));
  const xAcc = temp - (mp * l * thetaAcc * c) / total;
  return [x + 0.02 * xDot, xDot + 0.02 * xAcc, theta + 0.02 * thetaDot, thetaDot + 0.02 * thetaAcc];
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `index ${i}: ${actual[i]} is not within ${tol} of ${expected[i]}`,
    );
  }
}

/** A linear state-feedback controller that balances the pole for 500 steps. */
function balance(o: Float32Array): number {
  return 0.1 * o[0] + 0.5 * o[1] + 10 * o[2] + 2 * o[3] > 0 ? 1 : 0;
}

test("cartpole pushed right from rest gains x' = 8/41 and theta' = -12/41 in one step", () => {
  // From rest: temp = 10/1.1, thetaAcc = -600/41, xAcc = 400/41; euler with tau = 0.02.
  const env = new CartPoleEnv();
  env.setState([0, 0, 0, 0]);
  const r = env.step([1]);
  assertClose(env.getState(), [0, 8 / 41, 0, -12 / 41], 1e-12);
  assert.deepEqual(Array.from(r.obs), [0, Math.fround(8 / 41), 0, Math.fround(-12 / 41)]);
  assert.equal(r.reward, 1);
  assert.equal(r.terminated, false);
  assert.equal(r.truncated, false);
});

test("cartpole single step from a tilted moving state matches Gymnasium's euler equations", () => {
  const env = new CartPoleEnv();
  const s = [0.1, -0.3, 0.05, 0.4];
  for (const action of [0, 1]) {
    env.setState(s);
    env.step([action]);
    assertClose(env.getState(), gymStep(s, action), 1e-14);
  }
  // Left push on a pole tilting right: the cart accelerates left, the pole falls faster.
  env.setState(s);
  env.step([0]);
  const [, xDot, , thetaDot] = env.getState();
  assert.ok(xDot < -0.3);
  assert.ok(thetaDot > 0.4);
});

test("cartpole reset draws every state variable from U(-0.05, 0.05)", () => {
  const env = new CartPoleEnv();
  const seen = new Set<number>();
  for (let seed = 0; seed < 50; seed++) {
    const o = env.reset(seed);
    assert.equal(o.length, 4);
    for (const v of o) {
      assert.ok(v >= -0.05 && v <= 0.05, `reset value ${v} out of range`);
      seen.add(v);
    }
    assert.ok(contains(env.observationSpace, o));
  }
  assert.ok(seen.size > 190, "reset values should differ across seeds");
});

test("cartpole terminates when the pole passes 12 degrees, and the last step still earns 1", () => {
  const env = new CartPoleEnv();
  // Euler moves theta by tau * thetaDot: 0.2090 + 0.02 * 0.5 = 0.2190 > 0.2094.
  env.setState([0, 0, 0.209, 0.5]);
  const r = env.step([1]);
  assert.ok(env.getState()[2] > CARTPOLE_THETA_THRESHOLD);
  assert.equal(r.terminated, true);
  assert.equal(r.reward, 1);
  // Stepping past the end is allowed, as in Gymnasium, but earns nothing.
  assert.equal(env.step([1]).reward, 0);

  env.setState([0, 0, -0.209, -0.5]);
  assert.equal(env.step([0]).terminated, true);
});

test("cartpole does not terminate while the pole stays inside 12 degrees", () => {
  const env = new CartPoleEnv();
  env.setState([0, 0, 0.2, 0]); // theta moves with the old velocity 0
  const r = env.step([1]);
  assert.equal(r.terminated, false);
  assert.equal(r.reward, 1);
});

test("cartpole terminates when the cart passes x = 2.4", () => {
  const env = new CartPoleEnv();
  env.setState([2.39, 1, 0, 0]); // x = 2.39 + 0.02 = 2.41
  assert.equal(env.step([1]).terminated, true);
  env.setState([-2.39, -1, 0, 0]);
  assert.equal(env.step([0]).terminated, true);
  env.setState([2.37, 1, 0, 0]);
  assert.equal(env.step([0]).terminated, false);
});

test("cartpole truncates at exactly 500 steps when the pole is balanced", () => {
  const env = new CartPoleEnv();
  let o = env.reset(0);
  let total = 0;
  for (let t = 1; t <= 500; t++) {
    const r = env.step([balance(o)]);
    o = r.obs;
    total += r.reward;
    assert.equal(r.terminated, false, `fell at step ${t}`);
    assert.equal(r.truncated, t === 500, `truncated flag at step ${t}`);
  }
  assert.equal(total, 500);
  assert.equal(env.spec.maxEpisodeSteps, 500);
});

test("cartpole rejects actions other than 0 and 1 and stepping before reset", () => {
  assert.throws(() => new CartPoleEnv().step([1]), /reset/);
  const env = new CartPoleEnv();
  env.reset(1);
  assert.throws(() => env.step([2]), /0 or 1/);
  assert.throws(() => env.step([0.5]), /0 or 1/);
  assert.throws(() => env.step([]), /one action/);
});

test("cartpole gives the same trajectory for the same seed, and reset() continues the stream", () => {
  const run = (seed: number) => {
    const env = new CartPoleEnv();
    const rng = new Rng(99);
    const out: number[] = Array.from(env.reset(seed));
    for (let t = 0; t < 300; t++) {
      const r = env.step([rng.int(2)]);
      out.push(...r.obs, r.reward);
      if (r.terminated || r.truncated) out.push(...env.reset());
    }
    return out;
  };
  assert.deepEqual(run(5), run(5));
  assert.notDeepEqual(run(5), run(6));

  const a = new CartPoleEnv();
  const b = new CartPoleEnv();
  const first = a.reset(3);
  b.reset(3);
  const second = a.reset();
  assert.deepEqual(b.reset(), second);
  assert.notDeepEqual(first, second);
});

test("cartpole frame reports the cart position and pole angle", () => {
  const env = new CartPoleEnv();
  env.setState([1.5, 0, -0.1, 0]);
  assert.deepEqual(env.frame(), { kind: "cartpole", x: 1.5, theta: -0.1 });
  assert.equal(env.spec.fps, 50);
  assert.equal(env.spec.dt, 0.02);
});

test("cartpole-pref never terminates, pays 1 only inside the thresholds and flags falls unhealthy", () => {
  const env = new CartPoleEnv({ preferenceReady: true });
  assert.equal(env.spec.id, "CartPole-pref-v1");
  assert.equal(env.spec.preferenceReady, true);
  env.reset(0);
  let unhealthySteps = 0;
  for (let t = 1; t <= 500; t++) {
    const r = env.step([1]); // pushing right always drops the pole within a few dozen steps
    const [x, , theta] = env.getState();
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, t === 500);
    assert.equal(typeof r.info.unhealthy, "boolean");
    assert.equal(r.reward, r.info.unhealthy ? 0 : 1);
    const outside = Math.abs(x) > 2.4 || Math.abs(theta) > CARTPOLE_THETA_THRESHOLD;
    assert.equal(r.info.unhealthy, outside);
    assert.ok(Math.abs(x) <= CARTPOLE_WALL);
    assert.ok(Math.abs(theta) <= Math.PI / 2);
    assert.ok(contains(env.observationSpace, r.obs));
    if (r.info.unhealthy) unhealthySteps++;
  }
  assert.ok(unhealthySteps > 400, `only ${unhealthySteps} unhealthy steps`);
});

test("cartpole-pref: a pole that reaches the track stays down for the rest of the episode", () => {
  const env = new CartPoleEnv({ preferenceReady: true });
  env.setState([0, 0, 1.56, 3]);
  env.step([0]);
  assert.deepEqual(env.getState().slice(2), [Math.PI / 2, 0]);
  for (let t = 0; t < 50; t++) {
    const r = env.step([t % 2]);
    assert.equal(r.reward, 0);
    assert.equal(r.info.unhealthy, true);
    assert.equal(r.obs[2], Math.fround(Math.PI / 2));
  }
  env.reset(1);
  assert.ok(Math.abs(env.getState()[2]) < 0.05, "reset stands the pole up again");
});

test("cartpole-pref wall stops the cart at x = 4.8 and zeroes its velocity", () => {
  const env = new CartPoleEnv({ preferenceReady: true });
  env.setState([4.79, 2, 0.3, 0]);
  const r = env.step([1]);
  const [x, xDot] = env.getState();
  assert.equal(x, 4.8);
  assert.equal(xDot, 0);
  assert.equal(r.info.unhealthy, true);
  assert.equal(r.reward, 0);
  env.setState([-4.79, -2, 0, 0]);
  env.step([0]);
  assert.deepEqual(env.getState().slice(0, 2), [-4.8, 0]);
});

test("cartpole-pref pays 1 and reports healthy on an upright step", () => {
  const env = new CartPoleEnv({ preferenceReady: true });
  env.setState([0, 0, 0, 0]);
  const r = env.step([0]);
  assert.equal(r.reward, 1);
  assert.equal(r.info.unhealthy, false);
});
