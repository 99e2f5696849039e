import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import { box } from "../../src/core/spaces.ts";
import { predictClips, RewardEnsemble } from "../../src/reward/index.ts";
import { labelledPairs, randomLinearReward, syntheticClip } from "./synthetic.ts";

test("predictClips gives each clip the r̂ that predicting it alone gives", () => {
  const rng = new Rng(5);
  const reward = randomLinearReward(rng, 3, 1);
  const ensemble = new RewardEnsemble(box([-5, -5, -5], [5, 5, 5]), box([-1], [1]), { seed: 2 });
  ensemble.train(labelledPairs(rng, reward, 40), { steps: 5 });
  const clips = [10, 25, 3].map((steps) => syntheticClip(rng, reward, { steps }));
  const together = predictClips(ensemble, clips);
  clips.forEach((clip, i) => {
    const alone = ensemble.predict(clip.obs, clip.actions);
    assert.equal(together[i].length, clip.rewards.length);
    together[i].forEach((v, t) => {
      assert.ok(Math.abs(v - alone[t]) < 1e-5, `clip ${i} step ${t}: ${v} vs ${alone[t]}`);
    });
  });
  assert.deepEqual(predictClips(ensemble, []), []);
  ensemble.dispose();
});
