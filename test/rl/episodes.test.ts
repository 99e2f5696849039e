import assert from "node:assert/strict";
import { test } from "node:test";
import { makeEnv } from "../../src/envs/index.ts";
import { playEpisodes } from "../../src/rl/index.ts";

/** A fixed policy that acts on each row alone: push right when the pole leans right. */
const leaning = {
  calls: 0,
  act(obs: Float32Array): Float32Array {
    this.calls += 1;
    const rows = obs.length / 4;
    return Float32Array.from({ length: rows }, (_, r) => (obs[r * 4 + 2] > 0 ? 1 : 0));
  },
};

test("episodes played in lockstep match episodes played one by one, in fewer policy calls", () => {
  const make = () => makeEnv("CartPole-v1");
  leaning.calls = 0;
  const alone = playEpisodes(leaning, make, 7, 100, 1);
  const aloneCalls = leaning.calls;
  leaning.calls = 0;
  const steps: number[][] = Array.from({ length: 7 }, () => []);
  const together = playEpisodes(leaning, make, 7, 100, 3, (episode, obs, action, result) => {
    steps[episode].push(result.reward);
    assert.equal(obs.length, 4);
    assert.equal(action.length, 1);
  });
  assert.deepEqual(together, alone);
  // Each episode saw every one of its steps, and its return is their sum.
  steps.forEach((rewards, ep) => {
    assert.equal(
      rewards.reduce((a, b) => a + b, 0),
      together[ep],
    );
  });
  assert.ok(new Set(alone).size > 1, `episodes differ by seed: ${alone}`);
  assert.ok(leaning.calls < aloneCalls / 2, `${leaning.calls} batched calls vs ${aloneCalls}`);
});
