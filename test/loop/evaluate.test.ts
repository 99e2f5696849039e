import assert from "node:assert/strict";
import { test } from "node:test";
import { makeEnv } from "../../src/envs/index.ts";
import { describeCount, evaluatePolicy } from "../../src/loop/evaluate.ts";
import { PpoAgent } from "../../src/rl/ppo.ts";

test("a goal run is evaluated by its goal's score, an ordinary run by the env's reward", () => {
  const env = makeEnv("Pendulum-v1");
  const agent = new PpoAgent({}, env.observationSpace, env.actionSpace, 3);
  // A goal that pays the cosine of the pendulum's angle (obs[0]) on every step.
  const upright = (clip: { obs: Float32Array; obsSize: number }) =>
    Float32Array.from(
      { length: clip.obs.length / clip.obsSize },
      (_, t) => clip.obs[t * clip.obsSize],
    );
  const byGoal = evaluatePolicy(agent, "Pendulum-v1", 3, 7, {
    name: "goal:upright",
    scorer: upright,
    measure: null,
  });
  const byReward = evaluatePolicy(agent, "Pendulum-v1", 3, 7);
  assert.equal(byGoal.measure, "goal:upright");
  assert.equal(byReward.measure, "env reward");
  assert.ok(Math.abs(byGoal.mean) <= 200, "at most one point per step of a 200-step episode");
  assert.ok(byReward.mean < 0, "Pendulum's own reward is a cost");
  assert.notEqual(byGoal.mean, byReward.mean);
  agent.dispose();
});

test("a goal's measure is counted over each evaluation episode", () => {
  const env = makeEnv("Pendulum-v1");
  const agent = new PpoAgent({}, env.observationSpace, env.actionSpace, 3);
  env.close();
  // Counts the steps of the episode: Pendulum's episodes are 200 steps.
  const stepsTaken = {
    label: "steps taken",
    counter: () => {
      let n = 0;
      return {
        step: () => {
          n += 1;
        },
        get value() {
          return n;
        },
      };
    },
  };
  const result = evaluatePolicy(agent, "Pendulum-v1", 3, 7, {
    name: "goal:anything",
    scorer: (clip) => new Float32Array(clip.obs.length / clip.obsSize),
    measure: stepsTaken,
  });
  agent.dispose();
  assert.deepEqual(result.count, { label: "steps taken", mean: 200, perEpisode: [200, 200, 200] });
  assert.equal(describeCount(result.count!), "steps taken: 200.0 per episode (200, 200, 200)");
});
