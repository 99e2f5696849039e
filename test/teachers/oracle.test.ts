import assert from "node:assert/strict";
import { test } from "node:test";
import { OracleTeacher } from "../../src/teachers/index.ts";
import { pair, rewardClip } from "./helpers.ts";

test("the oracle prefers the clip with the higher return and answers equal on exact ties", async () => {
  const teacher = new OracleTeacher({ now: () => 42 });
  const prefs = await teacher.label([
    pair("a", [1, 2, 3], [1, 1, 1]),
    pair("b", [0, 0, 0], [0, 0, 0.5]),
    pair("c", [1, 2], [2, 1]),
  ]);
  assert.deepEqual(prefs, [
    { queryId: "a", answer: "left", labeller: "oracle", time: 42 },
    { queryId: "b", answer: "right", labeller: "oracle", time: 42 },
    { queryId: "c", answer: "equal", labeller: "oracle", time: 42 },
  ]);
});

test("the oracle judges by its scorer, not the reward, when given one", () => {
  const byLength = new OracleTeacher({
    scorer: (clip) => new Float32Array(clip.rewards.length).fill(1),
  });
  assert.equal(byLength.choose(rewardClip("l", [0, 0, 0]), rewardClip("r", [9])), "left");
});

test("a scorer returning NaN is an error, not a silent tie", () => {
  const teacher = new OracleTeacher({ scorer: () => Float32Array.of(Number.NaN) });
  assert.throws(
    () => teacher.choose(rewardClip("l", [0]), rewardClip("r", [0])),
    /NaN at step 0 of clip 'l'/,
  );
});
