import assert from "node:assert/strict";
import { test } from "node:test";
import { LabelSchedule } from "../../src/queries/index.ts";

test("the schedule starts with the pretraining labels and reaches N at the end", () => {
  const s = new LabelSchedule({ totalLabels: 700, totalSteps: 1e7 });
  assert.equal(s.pretrainLabels, 175, "25% before RL starts");
  assert.equal(s.labelsWantedBy(0), 175);
  assert.equal(s.labelsWantedBy(1e7), 700);
  assert.equal(s.labelsWantedBy(2e7), 700, "no labels past the end");
  assert.equal(s.labelsWantedBy(-5), 175);
  const small = new LabelSchedule({
    totalLabels: 500,
    totalSteps: 1e5,
    pretrainFraction: 0.5,
    c: 5e6,
  });
  assert.equal(small.pretrainLabels, 250);
  assert.equal(small.labelsWantedBy(1e5), 500);
});

test("the cumulative count follows pretrain + (N − pretrain)·ln(1+T/c)/ln(1+Ttotal/c)", () => {
  const s = new LabelSchedule({ totalLabels: 1000, totalSteps: 1e7, c: 2e6 });
  // T = c: 250 + 750 · ln 2 / ln 6 = 250 + 290.14 → 540
  assert.equal(s.labelsWantedBy(2e6), 540);
  // T = 3c: 250 + 750 · ln 4 / ln 6 = 250 + 580.28 → 830
  assert.equal(s.labelsWantedBy(6e6), 830);
});

test("the count never falls, and the rate falls as c / (T + c)", () => {
  const s = new LabelSchedule({ totalLabels: 900, totalSteps: 5e6, c: 2e6 });
  let prev = -1;
  for (let t = 0; t <= 5e6; t += 25_000) {
    const n = s.labelsWantedBy(t);
    assert.ok(n >= prev, `labels wanted fell at T = ${t}`);
    prev = n;
  }
  const r0 = s.rateAt(0);
  for (const t of [0, 1e6, 2e6, 4e6, 5e6]) {
    assert.ok(Math.abs(s.rateAt(t) / r0 - 2e6 / (t + 2e6)) < 1e-12, `rate at ${t}`);
  }
  assert.equal(s.rateAt(6e6), 0);
  // The rate integrates to the labels asked after pretraining.
  let integral = 0;
  const dt = 1000;
  for (let t = 0; t < 5e6; t += dt) integral += s.rateAt(t + dt / 2) * dt;
  assert.ok(Math.abs(integral - (900 - 225)) < 0.01, `∫ rate = ${integral}`);
  // Early labels come faster than late ones: the first fifth of the run asks more than the last.
  const first = s.labelsWantedBy(1e6) - s.labelsWantedBy(0);
  const last = s.labelsWantedBy(5e6) - s.labelsWantedBy(4e6);
  assert.ok(first > 1.5 * last, `${first} early vs ${last} late`);
  assert.equal(s.labelsDue(1e6, 0), s.labelsWantedBy(1e6));
  assert.equal(s.labelsDue(0, 1000), 0);
});

test("bad schedules are rejected with the reason", () => {
  assert.throws(
    () => new LabelSchedule({ totalLabels: 10, totalSteps: 0 }),
    /totalSteps must be positive/,
  );
  assert.throws(() => new LabelSchedule({ totalLabels: 1.5, totalSteps: 10 }), /totalLabels/);
  assert.throws(
    () => new LabelSchedule({ totalLabels: 10, totalSteps: 10, pretrainFraction: 2 }),
    /pretrainFraction/,
  );
});
