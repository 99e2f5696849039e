import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import type { Rollout } from "../../src/core/types.ts";
import { rewardWithDisagreementBonus, stateEntropyReward } from "../../src/loop/exploration.ts";
import type { RewardModel } from "../../src/reward/types.ts";

test("the state-entropy reward is highest for states far from the others", () => {
  // 200 states in a tight cluster around 0 and one far away, in 3 dimensions.
  const rng = new Rng(1);
  const rows = 201;
  const obs = new Float32Array(rows * 3);
  for (let i = 0; i < 200 * 3; i++) obs[i] = 0.1 * rng.normal();
  obs.set([4, -4, 4], 200 * 3);
  const r = stateEntropyReward(obs, 3);
  const clustered = Array.from(r.subarray(0, 200));
  assert.ok(r[200] > Math.max(...clustered), `${r[200]} vs ${Math.max(...clustered)}`);
  assert.ok(clustered.every((v) => v >= 0 && Number.isFinite(v)));
});

test("on chosen columns, the state-entropy reward sees variety in those columns only", () => {
  // Column 0 is clustered but for row 0; column 1 is spread out but for row 1.
  const rng = new Rng(2);
  const rows = 100;
  const obs = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) obs.set([0.01 * rng.normal(), 10 * rng.normal()], r * 2);
  obs[0] = 5;
  obs[3] = 0;
  const onFirst = stateEntropyReward(obs, 2, [0]);
  const onSecond = stateEntropyReward(obs, 2, [1]);
  const argmax = (xs: Float32Array) => xs.indexOf(Math.max(...xs));
  assert.equal(argmax(onFirst), 0);
  assert.ok(onSecond[0] < Math.max(...onSecond), "row 0 is ordinary in column 1");
  assert.deepEqual(
    onFirst,
    stateEntropyReward(Float32Array.from(obs.filter((_, i) => i % 2 === 0)), 1),
  );
});

/** Members that agree on rows 0–1 and disagree on rows 2–3. */
const model = {
  predictMembers: () => [Float32Array.of(1, 2, 3, -3), Float32Array.of(1, 2, -3, 3)],
} as unknown as RewardModel;
const rollout = { obs: new Float32Array(4), actions: new Float32Array(4) } as unknown as Rollout;

test("RUNE's bonus adds β·std of the members where they disagree, decaying with steps", () => {
  const early = rewardWithDisagreementBonus(model, rollout, { beta: 0.5, decay: 1e-3 }, 0);
  assert.deepEqual([...early.predicted], [1, 2, 0, 0]);
  assert.deepEqual([...early.reward], [1, 2, 1.5, 1.5]);
  assert.equal(early.beta, 0.5);
  const late = rewardWithDisagreementBonus(model, rollout, { beta: 0.5, decay: 1e-3 }, 1000);
  assert.ok(Math.abs(late.beta - 0.5 * 0.999 ** 1000) < 1e-12);
  assert.ok(late.reward[2] < early.reward[2] && late.reward[2] > 0);
});
