import assert from "node:assert/strict";
import { test } from "node:test";
import { pearson, windowedPearson } from "../../src/loop/metrics.ts";

test("over clip-length windows, a reward that ranks clips right correlates though its steps do not", () => {
  // Two envs, 40 steps, windows of 4. The true reward is each window's level plus step noise
  // that cancels within the window; r̂ knows only the level.
  const numEnvs = 2;
  const steps = 40;
  const truth = new Float32Array(steps * numEnvs);
  const predicted = new Float32Array(steps * numEnvs);
  for (let e = 0; e < numEnvs; e++) {
    for (let t = 0; t < steps; t++) {
      const level = Math.sin(1.3 * Math.floor(t / 4) + e);
      predicted[t * numEnvs + e] = level;
      truth[t * numEnvs + e] = level + [5, -10, 15, -10][t % 4]; // sums to 0 over a window
    }
  }
  const perStep = pearson(predicted, truth) ?? 0;
  const perClip = windowedPearson(predicted, truth, numEnvs, 4, () => false) ?? 0;
  assert.ok(Math.abs(perStep) < 0.2, `per step ${perStep}`);
  assert.ok(perClip > 0.999, `per clip ${perClip}`);
});

test("a window cut short by an episode's end is left out", () => {
  // One env: a window of 3 ends after step 1 (its episode ends); only later windows count.
  const a = [100, -100, 1, 2, 3, 4, 5, 6, 7];
  const b = [-100, 50, 1, 2, 3, 4, 5, 6, 7];
  const done = (i: number) => i === 1;
  // Windows kept: steps 2–4 and 5–7 (step 8 starts one that never ends), whose sums agree.
  const kept = windowedPearson(a, b, 1, 3, done);
  assert.ok(kept !== null && kept > 0.9999, `${kept}`);
  // Without the episode's end, the first window mixes the opposed steps in.
  const mixed = windowedPearson(a, b, 1, 3, () => false);
  assert.ok(mixed !== null && mixed < 1, `${mixed}`);
  // Fewer than two windows: no correlation.
  assert.equal(
    windowedPearson([1, 2, 3], [1, 2, 3], 1, 3, () => false),
    null,
  );
});
