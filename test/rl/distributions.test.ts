import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import { initMlp, mlpHost, np } from "../../src/nn/index.ts";
import { HostMlp } from "../../src/rl/host_mlp.ts";
import {
  categoricalLogProb,
  categoricalLogProbHost,
  gaussianEntropy,
  gaussianLogProb,
  gaussianLogProbHost,
} from "../../src/rl/ppo.ts";

const LOG_2PI = Math.log(2 * Math.PI);

function near(actual: number, expected: number, what: string, tol = 1e-5): void {
  assert.ok(Math.abs(actual - expected) < tol, `${what}: ${actual} instead of ${expected}`);
}

test("the diagonal Gaussian's log-density and entropy match the closed forms", () => {
  // Two rows, two action dims; σ = (2, 1).
  const mean = [0.5, -1, 0, 0];
  const logStd = [Math.log(2), 0];
  const actions = [1.5, 0, -2, 3];
  const expected = [0, 1].map((r) => {
    let s = 0;
    for (let j = 0; j < 2; j++) {
      const sigma = Math.exp(logStd[j]);
      const z = (actions[r * 2 + j] - mean[r * 2 + j]) / sigma;
      s += -0.5 * z * z - Math.log(sigma) - 0.5 * LOG_2PI;
    }
    return s;
  });
  const traced = gaussianLogProb(
    np.array(Float32Array.from(mean)).reshape([2, 2]),
    np.array(Float32Array.from(logStd)),
    np.array(Float32Array.from(actions)).reshape([2, 2]),
  ).dataSync() as Float32Array;
  for (let r = 0; r < 2; r++) {
    near(traced[r], expected[r], `jax-js log-density, row ${r}`);
    near(gaussianLogProbHost(mean, logStd, actions, r), expected[r], `host log-density, row ${r}`);
  }
  // H = Σ ½ log(2πe σ²)
  const entropy = 0.5 * Math.log(2 * Math.PI * Math.E * 4) + 0.5 * Math.log(2 * Math.PI * Math.E);
  const h = (gaussianEntropy(np.array(Float32Array.from(logStd))).dataSync() as Float32Array)[0];
  near(h, entropy, "entropy");
});

test("the categorical log-probability and entropy match the closed forms", () => {
  const logits = [1, 2, 3, 0, 0, 0];
  const actions = [2, 0];
  const oneHot = [0, 0, 1, 1, 0, 0];
  const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
  const p = [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z];
  const expectedLogp = [3 - Math.log(z), -Math.log(3)];
  const expectedEntropy = [-p.reduce((s, q) => s + q * Math.log(q), 0), Math.log(3)];
  const { logp, entropy } = categoricalLogProb(
    np.array(Float32Array.from(logits)).reshape([2, 3]),
    np.array(Float32Array.from(oneHot)).reshape([2, 3]),
  );
  const lp = logp.dataSync() as Float32Array;
  const h = entropy.dataSync() as Float32Array;
  for (let r = 0; r < 2; r++) {
    near(lp[r], expectedLogp[r], `jax-js log-probability, row ${r}`);
    near(categoricalLogProbHost(logits, 3, actions[r], r), expectedLogp[r], `host, row ${r}`);
    near(h[r], expectedEntropy[r], `entropy, row ${r}`);
  }
});

test("the agent's host MLP computes what src/nn's mlpHost computes", () => {
  for (const activation of ["tanh", "relu"] as const) {
    const spec = { sizes: [3, 32, 17, 2], activation };
    const params = initMlp(spec, new Rng(5), "pi");
    const x = Float32Array.from({ length: 5 * 3 }, (_, i) => Math.sin(i) * 3);
    const fast = new HostMlp(params, "pi", spec).forward(x);
    const reference = mlpHost(params, "pi", spec, x);
    assert.equal(fast.length, reference.length);
    for (let i = 0; i < fast.length; i++) near(fast[i], reference[i], `${activation} [${i}]`, 1e-5);
  }
});
