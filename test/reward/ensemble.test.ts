import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import { box, discrete } from "../../src/core/spaces.ts";
import type { Clip } from "../../src/core/types.ts";
import { liveBufferCounter } from "../../src/nn/live_buffers.ts";
import { Featurizer, type LabelledPair, RewardEnsemble } from "../../src/reward/index.ts";
import {
  labelledPairs,
  oracle,
  randomLinearReward,
  rankingAccuracy,
  syntheticClip,
  type TrueReward,
  trueReturn,
} from "./synthetic.ts";

const OBS = box([-5, -5, -5], [5, 5, 5]);
const ACT = box([-1], [1]);

function concatRows(clips: Clip[]): { obs: Float32Array; actions: Float32Array } {
  const obs: number[] = [];
  const actions: number[] = [];
  for (const c of clips) {
    obs.push(...c.obs);
    actions.push(...c.actions);
  }
  return { obs: Float32Array.from(obs), actions: Float32Array.from(actions) };
}

test("an ensemble trained on oracle labels ranks held-out pairs of a linear reward ≥ 95% correctly", () => {
  const rng = new Rng(11);
  const reward = randomLinearReward(rng, 3, 1);
  const train = labelledPairs(rng, reward, 300);
  const heldOut = labelledPairs(rng, reward, 400);
  const ensemble = new RewardEnsemble(OBS, ACT, { seed: 1 });
  let result = ensemble.train(train, { steps: 40 });
  result = ensemble.train(train, { steps: 40 });
  const accuracy = rankingAccuracy(ensemble, heldOut);
  ensemble.dispose();
  assert.ok(accuracy >= 0.95, `held-out ranking accuracy ${accuracy}`);
  assert.ok(result.valAccuracy >= 0.9, `validation accuracy ${result.valAccuracy}`);
  assert.ok(result.trainLoss < 0.25 && result.valLoss < 0.35, JSON.stringify(result));
  assert.equal(result.pairs, 300);
});

test("a nonlinear reward and clips of different lengths are learned too", () => {
  const rng = new Rng(12);
  const reward: TrueReward = (o, a) => Math.sin(1.5 * o[0]) + o[1] * o[2] - a[0] * a[0];
  const mixed = (n: number) =>
    Array.from({ length: n }, () => {
      const left = syntheticClip(rng, reward, { steps: 10 + rng.int(21) });
      const right = syntheticClip(rng, reward, { steps: 10 + rng.int(21) });
      return { left, right, answer: oracle(left, right) };
    });
  const train = mixed(300);
  const heldOut = mixed(300);
  const ensemble = new RewardEnsemble(OBS, ACT, { seed: 2 });
  for (let i = 0; i < 3; i++) ensemble.train(train, { steps: 30 });
  const accuracy = rankingAccuracy(ensemble, heldOut);
  ensemble.dispose();
  assert.ok(accuracy >= 0.85, `held-out ranking accuracy ${accuracy}`);
});

test("adaptive L2 rises when a member overfits and falls when it underfits", () => {
  const rng = new Rng(13);
  const reward: TrueReward = (o, a) => Math.sin(2 * o[0]) * o[1] + a[0];
  // Overfitting: a dozen pairs, many steps, almost no regularisation.
  const tiny = labelledPairs(rng, reward, 16, { steps: 10 });
  const overfit = new RewardEnsemble(OBS, ACT, { seed: 3, l2Init: 1e-6 });
  const r1 = overfit.train(tiny, { steps: 150 });
  overfit.dispose();
  const withVal = r1.valLossPerMember.map((v, m) => ({ v, m })).filter(({ v }) => !Number.isNaN(v));
  assert.ok(withVal.length > 0, "some member holds pairs out");
  for (const { m } of withVal) {
    assert.ok(
      r1.valLossPerMember[m] > 1.5 * r1.trainLossPerMember[m],
      `member ${m} overfits: val ${r1.valLossPerMember[m]}, train ${r1.trainLossPerMember[m]}`,
    );
    assert.ok(r1.l2PerMember[m] > 1e-6, `member ${m}: L2 ${r1.l2PerMember[m]} rose from 1e-6`);
  }
  // Underfitting: so much L2 that the model stays near constant; val ≈ train.
  const plenty = labelledPairs(rng, reward, 200, { steps: 10 });
  const underfit = new RewardEnsemble(OBS, ACT, { seed: 4, l2Init: 5 });
  const r2 = underfit.train(plenty, { steps: 20 });
  underfit.dispose();
  for (let m = 0; m < 3; m++) {
    assert.ok(
      r2.valLossPerMember[m] < 1.1 * r2.trainLossPerMember[m],
      `member ${m}: val ${r2.valLossPerMember[m]}, train ${r2.trainLossPerMember[m]}`,
    );
    assert.ok(r2.l2PerMember[m] < 5, `member ${m}: L2 ${r2.l2PerMember[m]} fell from 5`);
  }
});

test("each member is normalised to mean 0 and std targetStd over the training clips' steps", () => {
  const rng = new Rng(14);
  const reward = randomLinearReward(rng, 3, 1);
  const pairs = labelledPairs(rng, reward, 60);
  const ensemble = new RewardEnsemble(OBS, ACT, { seed: 5, targetStd: 0.05 });
  ensemble.train(pairs, { steps: 10 });
  const clips = pairs.flatMap((p) => [p.left, p.right]);
  const { obs, actions } = concatRows(clips);
  const members = ensemble.predictMembers(obs, actions);
  const average = ensemble.predict(obs, actions);
  ensemble.dispose();
  assert.equal(members.length, 3);
  for (const y of members) {
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    const std = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length);
    assert.ok(Math.abs(mean) < 1e-4, `member mean ${mean}`);
    assert.ok(Math.abs(std - 0.05) < 1e-4, `member std ${std}`);
  }
  for (let r = 0; r < average.length; r += 97) {
    const want = (members[0][r] + members[1][r] + members[2][r]) / 3;
    assert.ok(Math.abs(average[r] - want) < 1e-6, `row ${r}: ${average[r]} vs ${want}`);
  }
});

test("cant_tell answers are never trained on", () => {
  const rng = new Rng(15);
  const reward = randomLinearReward(rng, 3, 1);
  const pairs = labelledPairs(rng, reward, 20);
  const cantTell: LabelledPair[] = pairs.map((p) => ({ ...p, answer: "cant_tell" }));
  const ensemble = new RewardEnsemble(OBS, ACT, { seed: 6 });
  const { obs, actions } = concatRows(pairs.map((p) => p.left));
  const before = ensemble.predict(obs, actions);
  const r = ensemble.train(cantTell, { steps: 10 });
  assert.equal(r.pairs, 0);
  assert.ok(Number.isNaN(r.trainLoss));
  assert.deepEqual(ensemble.predict(obs, actions), before, "nothing changed");
  assert.equal(ensemble.inputStats, null, "statistics are not fixed from unlabelled clips");
  const mixed = ensemble.train([...pairs.slice(0, 10), ...cantTell.slice(10)], { steps: 1 });
  ensemble.dispose();
  assert.equal(mixed.pairs, 10);
});

test("equal answers pull two clips' predicted returns together", () => {
  const rng = new Rng(16);
  const reward = randomLinearReward(rng, 3, 1);
  const base = labelledPairs(rng, reward, 100);
  // Pairs with a clear true difference, which the teacher calls equal anyway.
  const contested: LabelledPair[] = [];
  while (contested.length < 60) {
    const [a, b] = [syntheticClip(rng, reward), syntheticClip(rng, reward)];
    if (Math.abs(trueReturn(a) - trueReturn(b)) > 5) {
      contested.push({ left: a, right: b, answer: "equal" });
    }
  }
  /** Mean |P̂ − ½| over members and contested pairs. */
  const gap = (ensemble: RewardEnsemble) => {
    const p = ensemble.preferenceProbabilities(contested);
    let s = 0;
    for (const member of p) for (const x of member) s += Math.abs(x - 0.5);
    return s / (p.length * contested.length);
  };
  const strictOnly = new RewardEnsemble(OBS, ACT, { seed: 7 });
  strictOnly.train(base, { steps: 30 });
  const withEqual = new RewardEnsemble(OBS, ACT, { seed: 7 });
  withEqual.train([...base, ...contested], { steps: 30 });
  const equalOnly = new RewardEnsemble(OBS, ACT, { seed: 7 });
  const untrained = gap(equalOnly);
  equalOnly.train(contested, { steps: 30 });
  const [gStrict, gMixed, gEqual] = [gap(strictOnly), gap(withEqual), gap(equalOnly)];
  for (const e of [strictOnly, withEqual, equalOnly]) e.dispose();
  assert.ok(gStrict > 0.4, `without equal answers the model separates the clips (${gStrict})`);
  assert.ok(gMixed < gStrict - 0.08, `|P̂ − ½| ${gMixed} with equal answers, ${gStrict} without`);
  assert.ok(gEqual < untrained / 2 && gEqual < 0.15, `equal only: ${untrained} → ${gEqual}`);
});

test("preference probabilities come per member and pair, as P̂ of the raw returns", () => {
  const rng = new Rng(17);
  const reward = randomLinearReward(rng, 3, 1);
  const pairs = labelledPairs(rng, reward, 40);
  const ensemble = new RewardEnsemble(OBS, ACT, { seed: 8 });
  ensemble.train(pairs, { steps: 20 });
  const p = ensemble.preferenceProbabilities(pairs.slice(0, 7));
  const swapped = ensemble.preferenceProbabilities(
    pairs.slice(0, 7).map(({ left, right }) => ({ left: right, right: left })),
  );
  ensemble.dispose();
  assert.equal(p.length, 3);
  for (let m = 0; m < 3; m++) {
    assert.equal(p[m].length, 7);
    for (let i = 0; i < 7; i++) {
      assert.ok(p[m][i] > 0 && p[m][i] < 1);
      assert.ok(Math.abs(p[m][i] + swapped[m][i] - 1) < 1e-5, "P(a ≻ b) + P(b ≻ a) = 1");
    }
  }
});

test("a saved ensemble loads into a fresh one and predicts the same", () => {
  const rng = new Rng(18);
  const reward = randomLinearReward(rng, 3, 1);
  const pairs = labelledPairs(rng, reward, 40);
  const a = new RewardEnsemble(OBS, ACT, { seed: 9 });
  a.train(pairs, { steps: 10 });
  const dir = mkdtempSync(join(tmpdir(), "backflip-reward-"));
  a.save(dir);
  const b = new RewardEnsemble(OBS, ACT, { seed: 99 });
  b.load(dir);
  const { obs, actions } = concatRows(pairs.slice(0, 10).map((p) => p.left));
  const ya = a.predict(obs, actions);
  const yb = b.predict(obs, actions);
  assert.deepEqual(b.l2PerMember, a.l2PerMember);
  assert.deepEqual(b.inputStats, a.inputStats);
  for (let i = 0; i < ya.length; i++) assert.ok(Math.abs(ya[i] - yb[i]) < 1e-6);
  a.dispose();
  b.dispose();
  const wrong = new RewardEnsemble(OBS, ACT, { members: 2 });
  assert.throws(() => wrong.load(dir), /holds 3 members .*this ensemble has 2 members/);
  wrong.dispose();
});

test("discrete actions enter the model one-hot, and a reward on the action is learned", () => {
  const f = new Featurizer(box([-1, -1], [1, 1]), discrete(3));
  assert.equal(f.inputSize, 5);
  assert.deepEqual(
    [...f.rows(Float32Array.of(0.5, -0.5), Float32Array.of(2), 1)],
    [0.5, -0.5, 0, 0, 1],
  );
  assert.throws(() => f.rows(Float32Array.of(0, 0), Float32Array.of(3), 1), /outside \[0, 3\)/);

  const rng = new Rng(19);
  const clip = (): Clip => {
    const c = syntheticClip(rng, () => 0, { obsSize: 2 });
    for (let t = 0; t < 25; t++) {
      c.actions[t] = rng.int(3);
      c.rewards[t] = c.actions[t] === 1 ? 1 : 0;
    }
    return c;
  };
  const pairs = (n: number) =>
    Array.from({ length: n }, () => {
      const left = clip();
      const right = clip();
      return { left, right, answer: oracle(left, right) };
    });
  const ensemble = new RewardEnsemble(box([-5, -5], [5, 5]), discrete(3), { seed: 10 });
  ensemble.train(pairs(200), { steps: 60 });
  const heldOut = pairs(200).filter((p) => p.answer !== "equal");
  const accuracy = rankingAccuracy(ensemble, heldOut);
  const y = ensemble.predict(Float32Array.of(0, 0, 0, 0, 0, 0), Float32Array.of(0, 1, 2));
  ensemble.dispose();
  assert.ok(accuracy >= 0.9, `held-out ranking accuracy ${accuracy}`);
  assert.ok(y[1] > y[0] && y[1] > y[2], `action 1 is rewarded: ${[...y]}`);
});

test("training and predicting leave the number of live jax-js buffers flat", async () => {
  const live = await liveBufferCounter();
  const rng = new Rng(20);
  const reward = randomLinearReward(rng, 3, 1);
  const pairs = labelledPairs(rng, reward, 30);
  const ensemble = new RewardEnsemble(OBS, ACT, { seed: 11 });
  const big = { obs: new Float32Array(9000 * 3), actions: new Float32Array(9000) };
  const small = { obs: new Float32Array(30), actions: new Float32Array(10) };
  const cycle = () => {
    ensemble.train(pairs, { steps: 3 });
    ensemble.predict(big.obs, big.actions);
    ensemble.predict(small.obs, small.actions);
    ensemble.preferenceProbabilities(pairs.slice(0, 5));
  };
  cycle();
  const before = live();
  for (let i = 0; i < 5; i++) cycle();
  const after = live();
  ensemble.dispose();
  assert.ok(after - before <= 2, `live buffers went from ${before} to ${after}`);
  assert.ok(live() < before, "dispose frees the ensemble's buffers");
});

/** Largest absolute difference between two ensembles' parameters. */
function paramGap(a: RewardEnsemble, b: RewardEnsemble): number {
  let gap = 0;
  for (const [k, { data }] of Object.entries(a.params)) {
    const other = b.params[k].data;
    for (let i = 0; i < data.length; i++) gap = Math.max(gap, Math.abs(data[i] - other[i]));
  }
  return gap;
}

/** An ensemble with a config unlike the defaults, trained a few calls, and its pairs. */
function trainedEnsemble(seed: number) {
  const rng = new Rng(seed);
  const reward = randomLinearReward(rng, 3, 1);
  const pairs = labelledPairs(rng, reward, 40, { steps: 10 });
  const config = { seed, members: 2, hidden: [16, 16], batchPairs: 16, lr: 1e-2, l2Init: 1e-3 };
  const ensemble = new RewardEnsemble(OBS, ACT, config);
  for (let i = 0; i < 3; i++) ensemble.train(pairs, { steps: 5 });
  return { ensemble, pairs, config };
}

test("a saved ensemble resumes training as the original continues: same parameters and L2", () => {
  const { ensemble: a, pairs, config } = trainedEnsemble(21);
  const dir = mkdtempSync(join(tmpdir(), "backflip-reward-resume-"));
  a.save(dir);
  const b = RewardEnsemble.fromSaved(dir, OBS, ACT);
  assert.deepEqual(b.config, { ...a.config, ...config }, "built with the saved config");
  const resultsA = [];
  const resultsB = [];
  for (let i = 0; i < 3; i++) {
    resultsA.push(a.train(pairs, { steps: 5 }));
    resultsB.push(b.train(pairs, { steps: 5 }));
  }
  const gap = paramGap(a, b);
  assert.ok(gap < 1e-6, `parameters differ by ${gap}`);
  assert.deepEqual(b.l2PerMember, a.l2PerMember);
  assert.notDeepEqual(
    a.l2PerMember,
    [1e-3, 1e-3],
    "the L2 weights moved, so their match means something",
  );
  assert.deepEqual(b.inputStats, a.inputStats);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(resultsA[i].trainLoss - resultsB[i].trainLoss) < 1e-6);
  }
  const { obs, actions } = concatRows(pairs.slice(0, 5).map((p) => p.right));
  const [ya, yb] = [a.predict(obs, actions), b.predict(obs, actions)];
  for (let i = 0; i < ya.length; i++) assert.ok(Math.abs(ya[i] - yb[i]) < 1e-5);
  a.dispose();
  b.dispose();
});

test("an ensemble checkpoint without optimiser or generator state still loads, with both afresh", () => {
  const { ensemble: a, pairs, config } = trainedEnsemble(22);
  const dir = mkdtempSync(join(tmpdir(), "backflip-reward-old-"));
  a.save(dir);
  // What save wrote before it kept the training state.
  rmSync(join(dir, "reward-optimizer.safetensors"));
  const json = JSON.parse(readFileSync(join(dir, "reward.json"), "utf8"));
  delete json.adamStep;
  delete json.rng;
  writeFileSync(join(dir, "reward.json"), JSON.stringify(json));

  const old = new RewardEnsemble(OBS, ACT, config);
  old.load(dir);
  const { obs, actions } = concatRows(pairs.slice(0, 5).map((p) => p.left));
  assert.deepEqual(old.predict(obs, actions), a.predict(obs, actions));
  assert.deepEqual(old.l2PerMember, a.l2PerMember);
  const fromSaved = RewardEnsemble.fromSaved(dir, OBS, ACT);
  assert.deepEqual(fromSaved.predict(obs, actions), a.predict(obs, actions));
  fromSaved.dispose();
  // Without the saved state the next training call is not the original's: the restore in the
  // test above is what made them agree.
  a.train(pairs, { steps: 5 });
  old.train(pairs, { steps: 5 });
  assert.ok(paramGap(a, old) > 1e-4, "Adam and the minibatch draws start afresh");
  a.dispose();
  old.dispose();
});

test("fromSaved refuses other spaces and a checkpoint missing its optimiser file", () => {
  const { ensemble, config } = trainedEnsemble(23);
  const dir = mkdtempSync(join(tmpdir(), "backflip-reward-bad-"));
  ensemble.save(dir);
  ensemble.dispose();
  assert.throws(
    () => RewardEnsemble.fromSaved(dir, box([-1, -1], [1, 1]), ACT),
    /holds 2 members of \[4,16,16,1\]; this ensemble has 2 members of \[3,16,16,1\]/,
  );
  rmSync(join(dir, "reward-optimizer.safetensors"));
  assert.throws(
    () => RewardEnsemble.fromSaved(dir, OBS, ACT),
    /records Adam's state but reward-optimizer\.safetensors is missing/,
  );
  // A failed load leaves the ensemble it was loading into untouched.
  const target = new RewardEnsemble(OBS, ACT, config);
  const before = target.params;
  assert.throws(() => target.load(dir), /is missing/);
  assert.deepEqual(target.params, before);
  target.dispose();
});

// Last in the file: synthetic clips take ids from a shared counter, and the ids decide each
// pair's validation role, so a test inserted earlier would reshuffle the later tests' splits.
test("adaptive L2 moves only as far as the Adam steps taken: short calls cannot run it away", () => {
  const rng = new Rng(13);
  const reward: TrueReward = (o, a) => Math.sin(2 * o[0]) * o[1] + a[0];
  const tiny = labelledPairs(rng, reward, 16, { steps: 10 });
  const ensemble = new RewardEnsemble(OBS, ACT, { seed: 3, l2Init: 1e-6 });
  const start = ensemble.train(tiny, { steps: 150 }).l2PerMember;
  // Ten calls of 4 steps on the same overfit pairs: 40 steps, at most 1.5^0.4 ≈ 1.18× more L2
  // (a whole factor of 1.5 per call would be 58×, faster than the fit can respond).
  let last = start;
  for (let call = 0; call < 10; call++) last = ensemble.train(tiny, { steps: 4 }).l2PerMember;
  ensemble.dispose();
  const rose = last.map((l2, m) => l2 / start[m]);
  assert.ok(
    rose.some((r) => r > 1.01),
    `an overfit member's L2 still rises (ratios ${rose})`,
  );
  for (const r of rose) assert.ok(r <= 1.5 ** 0.4 + 1e-6, `L2 grew ${r}× in 40 steps`);
});
