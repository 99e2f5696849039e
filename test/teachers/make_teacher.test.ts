import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import {
  getGoal,
  listGoals,
  makeTeacher,
  NoisyTeacher,
  OracleTeacher,
  registerGoal,
} from "../../src/teachers/index.ts";
import { pair } from "./helpers.ts";

// A goal that wants the clip to end high: the last step's reward only.
const lastStep = (clip: { rewards: Float32Array }) => {
  const s = new Float32Array(clip.rewards.length);
  s[s.length - 1] = clip.rewards[s.length - 1];
  return s;
};
registerGoal("ends-high", lastStep);

test("makeTeacher builds oracle, noisy and goal teachers", async () => {
  assert.ok(makeTeacher("oracle") instanceof OracleTeacher);
  const noisy = makeTeacher("noisy", { beta: 2, mistakeProb: 0.1, rng: new Rng(1) });
  assert.ok(noisy instanceof NoisyTeacher);
  assert.equal(noisy.noise.beta, 2);
  assert.equal(noisy.noise.mistakeProb, 0.1);
  assert.equal(noisy.name, "noisy");

  const goal = makeTeacher("goal:ends-high", { now: () => 1 });
  assert.equal(goal.name, "goal:ends-high");
  const q = pair("q", [5, 0], [0, 1]);
  assert.equal((await makeTeacher("oracle").label([q]))[0].answer, "left");
  assert.deepEqual(await goal.label([q]), [
    { queryId: "q", answer: "right", labeller: "goal:ends-high", time: 1 },
  ]);
});

test("unknown teachers and goals fail with the valid names", () => {
  assert.throws(
    () => makeTeacher("orcale"),
    /unknown teacher 'orcale'; valid: oracle, noisy, goal:<name> \(goals: .*ends-high/,
  );
  assert.throws(
    () => makeTeacher("goal:backflop"),
    /unknown goal 'backflop'; registered goals: .*ends-high/,
  );
  assert.throws(() => makeTeacher("oracle", { beta: 1 }), /takes no noise options \(got beta\)/);
  assert.throws(() => getGoal("nope"), /unknown goal 'nope'/);
});

test("the goal registry refuses a second goal under a taken name", () => {
  registerGoal("ends-high", lastStep); // the same goal again is fine
  assert.throws(() => registerGoal("ends-high", (c) => c.rewards), /already registered/);
  assert.throws(() => registerGoal("bad name", lastStep), /invalid goal name/);
  assert.ok(listGoals().includes("ends-high"));
});
