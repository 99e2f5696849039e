import assert from "node:assert/strict";
import { test } from "node:test";
import { gae } from "../../src/rl/ppo.ts";
import { RewardScaler, RunningMeanStd } from "../../src/rl/running_stats.ts";

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) < tol,
      `[${i}]: ${actual[i]} instead of ${expected[i]}`,
    );
  }
}

test("GAE matches a hand-computed example with a truncation bootstrap and a termination", () => {
  // Two envs, three steps, time-major (index t * 2 + e); γ = 0.9, λ = 0.8, so γλ = 0.72.
  // Env 0: step 1 is truncated (bootstrap from V(final obs) = 4), step 2 terminates.
  //   δ2 = 3 − 1.5 = 1.5                  Â2 = 1.5
  //   δ1 = 2 + 0.9·4 − 1 = 4.6            Â1 = 4.6 (the episode ended: no carry from t = 2)
  //   δ0 = 1 + 0.9·1 − 0.5 = 1.4          Â0 = 1.4 + 0.72·4.6 = 4.712
  // Env 1: one episode running on past the rollout, bootstrapped with V = 2 after the last step.
  //   δ2 = 1 + 0.9·2 = 2.8, Â1 = 0.72·2.8 = 2.016, Â0 = 0.72·2.016 = 1.45152
  const { advantages, returns } = gae({
    rewards: Float32Array.from([1, 0, 2, 0, 3, 1]),
    values: Float32Array.from([0.5, 0, 1.0, 0, 1.5, 0]),
    nextValues: Float32Array.from([1.0, 0, 4.0, 0, 9.0, 2]),
    terminated: Uint8Array.from([0, 0, 0, 0, 1, 0]),
    done: Uint8Array.from([0, 0, 1, 0, 1, 0]),
    numEnvs: 2,
    gamma: 0.9,
    lambda: 0.8,
  });
  close(advantages, [4.712, 1.45152, 4.6, 2.016, 1.5, 2.8]);
  close(returns, [5.212, 1.45152, 5.6, 2.016, 3.0, 2.8]);
});

test("GAE with λ = 1 gives discounted returns minus the baseline", () => {
  const { advantages, returns } = gae({
    rewards: Float32Array.from([1, 1, 1]),
    values: Float32Array.from([0.3, 0.2, 0.1]),
    nextValues: Float32Array.from([0.2, 0.1, 0]),
    terminated: Uint8Array.from([0, 0, 1]),
    done: Uint8Array.from([0, 0, 1]),
    numEnvs: 1,
    gamma: 0.5,
    lambda: 1,
  });
  close(returns, [1.75, 1.5, 1]);
  close(advantages, [1.45, 1.3, 0.9]);
});

test("running mean and variance agree with the batch statistics", () => {
  const rms = new RunningMeanStd(2);
  const data = [1, 10, 2, 20, 3, 30, 4, 40, 5, 50];
  rms.update(data.slice(0, 4));
  rms.update(data.slice(4));
  close(rms.mean, [3, 30], 1e-3);
  close(rms.var, [2, 200], 0.05); // the tiny prior count (1e-4) shifts them slightly
  const z = rms.normalize(Float32Array.from([3 + Math.SQRT2, 1000]), 5);
  close(z, [1, 5], 1e-3);
});

test("reward scaling divides by the std of the discounted return and keeps the sign", () => {
  const scaler = new RewardScaler(1, 0.5);
  const rewards = Float32Array.from([-2, -2, -2, -2]);
  const scaled = scaler.scale(rewards, Uint8Array.from([0, 1, 0, 1]), 1);
  // Returns seen: −2, −3, −2, −3 (reset after each done): std 0.5 (the prior count is tiny).
  close(scaled, [-4, -4, -4, -4], 1e-2);
});
