import assert from "node:assert/strict";
import { test } from "node:test";
import { np } from "../../src/nn/index.ts";
import {
  bradleyTerryLoss,
  bradleyTerryLossHost,
  preferenceProbability,
} from "../../src/reward/bradley_terry.ts";

const close = (a: number, b: number, tol = 1e-6) =>
  assert.ok(Math.abs(a - b) < tol, `${a} is not within ${tol} of ${b}`);

test("the Bradley–Terry loss matches a value computed by hand", () => {
  // σ¹ has r̂ = (0.5, 1.0), σ² has r̂ = (0.2, 0.3): sums 1.5 and 0.5.
  // P̂ = e^1.5 / (e^1.5 + e^0.5) = 1 / (1 + e^−1) = 0.7310586
  // P′ = 0.9 · 0.7310586 + 0.05 = 0.7079527
  // left:  −ln 0.7079527 = 0.3453780
  // right: −ln (0.9 · 0.2689414 + 0.05) = −ln 0.2920473 = 1.2308396
  // equal: ½ (0.3453780 + 1.2308396) = 0.7881088
  const d = 0.5 + 1.0 - (0.2 + 0.3);
  close(preferenceProbability(d, 0.1), 0.7079527);
  close(bradleyTerryLossHost(d, 1, 0.1), 0.345378);
  close(bradleyTerryLossHost(d, 0, 0.1), 1.2308396);
  close(bradleyTerryLossHost(d, 0.5, 0.1), 0.7881088);
  // Without the 10% uniform answers it is the plain logistic loss: −ln σ(1) = 0.3132617.
  close(bradleyTerryLossHost(d, 1, 0), 0.3132617);
});

test("the 10% uniform answers bound the loss, however confident the model", () => {
  // P′ ∈ [0.05, 0.95]: the loss of a wrong answer is at most −ln 0.05.
  close(bradleyTerryLossHost(1e4, 0, 0.1), -Math.log(0.05), 1e-9);
  close(bradleyTerryLossHost(1e4, 1, 0.1), -Math.log(0.95), 1e-9);
  assert.ok(Number.isFinite(bradleyTerryLossHost(-1e4, 1, 0)));
});

test("the traced loss computes what the plain-JS reference computes", () => {
  const ds = [-30, -2.5, -1, 0, 0.3, 1, 4, 30];
  const mus = [1, 0, 0.5, 1, 0, 0.5, 1, 0];
  for (const eps of [0.1, 0]) {
    const out = bradleyTerryLoss(np.array(ds), np.array(mus), eps).dataSync() as Float32Array;
    ds.forEach((d, i) => {
      const want = bradleyTerryLossHost(d, mus[i], eps);
      close(out[i], want, 1e-4 * Math.max(1, want));
    });
  }
});
