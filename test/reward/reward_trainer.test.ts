import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import { box } from "../../src/core/spaces.ts";
import type { Clip } from "../../src/core/types.ts";
import { RewardEnsemble } from "../../src/reward/index.ts";
import { memberViews, trainableExamples } from "../../src/reward/reward_trainer.ts";
import { labelledPairs, randomLinearReward, rankingAccuracy } from "./synthetic.ts";

const OBS = box([-5, -5, -5], [5, 5, 5]);
const ACT = box([-1], [1]);

test("a pair keeps its validation role and resample count as more pairs arrive", () => {
  const rng = new Rng(3);
  const reward = randomLinearReward(rng, 3, 1);
  const pairs = labelledPairs(rng, reward, 200);
  const early = memberViews(trainableExamples(pairs.slice(0, 50)), 3, 7, 1 / Math.E);
  const late = memberViews(trainableExamples(pairs), 3, 7, 1 / Math.E);
  for (let m = 0; m < 3; m++) {
    for (let i = 0; i < 50; i++) {
      assert.equal(late[m].heldOut[i], early[m].heldOut[i]);
      assert.equal(late[m].count[i], early[m].count[i]);
    }
    const held = late[m].heldOut.reduce((a, b) => a + b, 0) / 200;
    assert.ok(held > 0.25 && held < 0.5, `member ${m} holds out ${held} of the pairs`);
    // The resample draws each training pair count[i] times, and never a held-out pair.
    for (const i of late[m].draws) assert.equal(late[m].heldOut[i], 0);
    assert.equal(
      late[m].draws.length,
      late[m].count.reduce((a, b) => a + b, 0),
    );
  }
});

test("out of bag, a member validates on the pairs its resample left out, and trains on more of them", () => {
  const rng = new Rng(5);
  const pairs = labelledPairs(rng, randomLinearReward(rng, 3, 1), 400);
  const examples = trainableExamples(pairs);
  const holdout = memberViews(examples, 3, 7, 1 / Math.E, "holdout");
  const outOfBag = memberViews(examples, 3, 7, 1 / Math.E, "out-of-bag");
  const share = (xs: ArrayLike<number>, keep: (x: number) => boolean) =>
    Array.from(xs).filter(keep).length / xs.length;
  for (let m = 0; m < 3; m++) {
    const view = outOfBag[m];
    for (let i = 0; i < examples.length; i++)
      assert.equal(view.heldOut[i], view.count[i] === 0 ? 1 : 0);
    const held = share(view.heldOut, (x) => x === 1);
    assert.ok(held > 0.3 && held < 0.45, `member ${m} validates on ${held} of the pairs`);
    const trained = share(view.count, (c) => c > 0);
    const trainedHoldout = share(holdout[m].count, (c) => c > 0);
    assert.ok(
      trained > 0.55 && trainedHoldout < 0.47,
      `trains on ${trained} against ${trainedHoldout}`,
    );
    // The resample is as large as the labelled set, as the paper's bootstrap is.
    assert.ok(
      Math.abs(view.draws.length / examples.length - 1) < 0.15,
      `${view.draws.length} draws`,
    );
  }
  // A single pair the resample left out is still trained on: a member never has nothing.
  const [lonely] = memberViews(examples.slice(0, 1), 40, 7, 1 / Math.E, "out-of-bag").filter(
    (v) => v.count[0] === 1 && v.heldOut[0] === 0,
  );
  assert.ok(lonely, "some member trains on the one pair");
});

test("an ensemble validated out of bag learns the preference and reports held-out accuracy", () => {
  const rng = new Rng(13);
  const reward = randomLinearReward(rng, 3, 1);
  const train = labelledPairs(rng, reward, 300);
  const heldOut = labelledPairs(rng, reward, 300);
  const ensemble = new RewardEnsemble(OBS, ACT, { seed: 1, validation: "out-of-bag" });
  let result = ensemble.train(train, { steps: 100 });
  result = ensemble.train(train, { steps: 100 });
  const accuracy = rankingAccuracy(ensemble, heldOut);
  ensemble.dispose();
  assert.ok(accuracy >= 0.93, `held-out ranking accuracy ${accuracy}`);
  assert.ok(result.valAccuracy >= 0.85, `out-of-bag accuracy ${result.valAccuracy}`);
  assert.ok(result.valLoss >= result.trainLoss, `val ${result.valLoss} train ${result.trainLoss}`);
});

test("cant_tell answers make no example, and equal answers a non-strict one", () => {
  const rng = new Rng(4);
  const [a, b, c] = labelledPairs(rng, randomLinearReward(rng, 3, 1), 3);
  const examples = trainableExamples([
    { ...a, answer: "cant_tell" },
    { ...b, answer: "equal" },
    { ...c, answer: "right" },
  ]);
  assert.deepEqual(
    examples.map((e) => [e.mu1, e.strict]),
    [
      [0.5, false],
      [0, true],
    ],
  );
});

test("with evalPairs the evaluation pass covers only a sample of the pairs, and the model still learns", () => {
  const rng = new Rng(11);
  const reward = randomLinearReward(rng, 3, 1);
  const train = labelledPairs(rng, reward, 400);
  const heldOut = labelledPairs(rng, reward, 300);
  const ensemble = new RewardEnsemble(OBS, ACT, { seed: 1, evalPairs: 60 });
  const evaluated: number[] = [];
  const rawClipReturns = ensemble.rawClipReturns.bind(ensemble);
  ensemble.rawClipReturns = (clips: readonly Clip[]) => {
    evaluated.push(clips.length);
    return rawClipReturns(clips);
  };
  let result = ensemble.train(train, { steps: 40 });
  result = ensemble.train(train, { steps: 40 });
  assert.equal(evaluated.length, 2);
  for (const n of evaluated) assert.ok(n <= 120, `evaluated ${n} clips`);

  const accuracy = rankingAccuracy(ensemble, heldOut);
  ensemble.dispose();
  assert.ok(accuracy >= 0.93, `held-out ranking accuracy ${accuracy}`);
  assert.ok(result.valAccuracy >= 0.85, `validation accuracy ${result.valAccuracy}`);
  assert.equal(result.pairs, 400);
});

test("temporal cropping trains each pair on a common window of (1 − f)·H to H steps, and still learns", () => {
  const rng = new Rng(12);
  const reward = randomLinearReward(rng, 3, 1);
  const train = labelledPairs(rng, reward, 300, { steps: 20 });
  const heldOut = labelledPairs(rng, reward, 200, { steps: 20 });
  const ensemble = new RewardEnsemble(OBS, ACT, { seed: 1, cropFraction: 0.5 });
  const windows = new Set<number>();
  const step = ensemble.step.bind(ensemble);
  ensemble.step = (batches) => {
    for (const { sign, mu } of batches) {
      const width = sign.length / mu.length; // 2 × 20 rows per pair
      for (let k = 0; k < mu.length; k++) {
        let left = 0;
        let right = 0;
        for (let r = 0; r < width; r++) {
          if (sign[k * width + r] > 0) left += 1;
          if (sign[k * width + r] < 0) right += 1;
        }
        assert.equal(left, right, "both clips cut to the same length");
        windows.add(left);
      }
    }
    step(batches);
  };
  ensemble.train(train, { steps: 40 });
  ensemble.train(train, { steps: 40 });
  assert.ok(Math.min(...windows) >= 10 && Math.max(...windows) <= 20, [...windows].join(","));
  assert.ok(windows.size >= 8, `${windows.size} different lengths`);
  const accuracy = rankingAccuracy(ensemble, heldOut);
  ensemble.dispose();
  assert.ok(accuracy >= 0.9, `held-out ranking accuracy ${accuracy}`);
});

test("pseudo-labels: confident unlabelled pairs of the pool are trained on, as the model predicts them", () => {
  const rng = new Rng(13);
  const reward = randomLinearReward(rng, 3, 1);
  const train = labelledPairs(rng, reward, 60);
  const pool = labelledPairs(rng, reward, 150).flatMap((p) => [p.left, p.right]);
  const confident = new RewardEnsemble(OBS, ACT, {
    seed: 1,
    pseudoLabels: { threshold: 0.95, ratio: 2 },
  });
  confident.train(train, { steps: 60 });
  const result = confident.train(train, { steps: 20, unlabelled: pool });
  // Up to 120 candidates; once the model has learned, many of them are confident.
  assert.ok(
    result.pseudoLabels !== undefined && result.pseudoLabels > 20,
    `${result.pseudoLabels}`,
  );
  assert.ok(result.pseudoLabels <= 120);
  assert.equal(result.pairs, 60, "pseudo-labels are not counted as labels");
  // Without a pool, or with the option off, there are none.
  assert.equal(confident.train(train, { steps: 1 }).pseudoLabels, 0);
  confident.dispose();
  const off = new RewardEnsemble(OBS, ACT, { seed: 1 });
  assert.equal(off.train(train, { steps: 5, unlabelled: pool }).pseudoLabels, 0);
  off.dispose();
});
