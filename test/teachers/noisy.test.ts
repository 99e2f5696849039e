import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import type { Answer } from "../../src/core/types.ts";
import { NoisyTeacher, type NoisyTeacherOptions, sigmoid } from "../../src/teachers/index.ts";
import { rewardClip } from "./helpers.ts";

const DRAWS = 5000;

/** Fraction of DRAWS answers to (left, right) that equal `target`. */
function rate(options: NoisyTeacherOptions, left: number[], right: number[], target: Answer) {
  const teacher = new NoisyTeacher({ rng: new Rng(7), ...options });
  const l = rewardClip("l", left);
  const r = rewardClip("r", right);
  let hits = 0;
  for (let i = 0; i < DRAWS; i++) if (teacher.choose(l, r) === target) hits++;
  return hits / DRAWS;
}

test("with default options the noisy teacher is the oracle", () => {
  const t = new NoisyTeacher();
  assert.equal(t.choose(rewardClip("l", [1, 1]), rewardClip("r", [0, 1])), "left");
  assert.equal(t.choose(rewardClip("l", [0, 1]), rewardClip("r", [1, 1])), "right");
  assert.equal(t.choose(rewardClip("l", [1, 0]), rewardClip("r", [0, 1])), "equal");
});

test("rationality β: P(left) = σ(β·ΔR)", () => {
  // Binomial std over 5,000 draws is under 0.0071; tolerances are about 3.5σ.
  assert.ok(Math.abs(rate({ beta: 1 }, [1, 0.5], [0.5], "left") - sigmoid(1)) < 0.025);
  assert.ok(Math.abs(rate({ beta: 2 }, [0], [0.5], "left") - sigmoid(-1)) < 0.025);
  assert.ok(Math.abs(rate({ beta: 0 }, [100], [0], "left") - 0.5) < 0.025, "β = 0 is a coin");
  assert.equal(rate({ beta: Number.POSITIVE_INFINITY }, [1], [0], "left"), 1);
});

test("mistakes ε flip about ε of the answers, and compose with β", () => {
  assert.ok(Math.abs(rate({ mistakeProb: 0.1 }, [1], [0], "right") - 0.1) < 0.015);
  const expected = 0.8 * sigmoid(1) + 0.2 * (1 - sigmoid(1));
  assert.ok(Math.abs(rate({ beta: 1, mistakeProb: 0.2 }, [1], [0], "left") - expected) < 0.025);
  assert.equal(rate({ mistakeProb: 1 }, [1], [0], "right"), 1);
});

test("a myopic teacher weighs the end of the clip most", () => {
  const early = rewardClip("early", [10, 0, 0, 0]);
  const late = rewardClip("late", [0, 0, 0, 9]);
  assert.equal(new NoisyTeacher().choose(early, late), "left");
  // γ = 0.5: 10·0.5³ = 1.25 against 9·0.5⁰ = 9.
  assert.equal(new NoisyTeacher({ gamma: 0.5 }).choose(early, late), "right");
  assert.equal(new NoisyTeacher({ gamma: 0.5 }).choose(late, early), "left");
});

test("skip: cant_tell only when both returns are below the threshold", () => {
  const t = new NoisyTeacher({ skipThreshold: 5 });
  assert.equal(t.choose(rewardClip("l", [1, 2]), rewardClip("r", [4])), "cant_tell");
  assert.equal(t.choose(rewardClip("l", [1, 2]), rewardClip("r", [6])), "right");
  assert.equal(t.choose(rewardClip("l", [5]), rewardClip("r", [1])), "left", "5 is not below 5");
});

test("equal: answered when the returns differ by at most the threshold, and never flipped", () => {
  const t = new NoisyTeacher({ equalThreshold: 0.5, mistakeProb: 1 });
  assert.equal(t.choose(rewardClip("l", [1.5]), rewardClip("r", [1])), "equal");
  assert.equal(t.choose(rewardClip("l", [1.75]), rewardClip("r", [1])), "right", "flipped");
  const never = new NoisyTeacher({ equalThreshold: -1, beta: 1 });
  const answers = new Set<Answer>();
  for (let i = 0; i < 50; i++)
    answers.add(never.choose(rewardClip("l", [1]), rewardClip("r", [1])));
  assert.deepEqual([...answers].sort(), ["left", "right"]);
});

test("skip comes before equal", () => {
  const t = new NoisyTeacher({ skipThreshold: 5, equalThreshold: 10 });
  assert.equal(t.choose(rewardClip("l", [1]), rewardClip("r", [2])), "cant_tell");
  assert.equal(t.choose(rewardClip("l", [6]), rewardClip("r", [2])), "equal");
});

test("the same seed gives the same answers", async () => {
  const opts = { beta: 0.5, mistakeProb: 0.2 };
  const clips = Array.from({ length: 40 }, (_, i) => ({
    id: `q${i}`,
    left: rewardClip("l", [i % 3]),
    right: rewardClip("r", [1]),
    disagreement: 0,
  }));
  const a = await new NoisyTeacher({ ...opts, rng: new Rng(3), now: () => 0 }).label(clips);
  const b = await new NoisyTeacher({ ...opts, rng: new Rng(3), now: () => 0 }).label(clips);
  assert.deepEqual(a, b);
  assert.equal(a[0].labeller, "noisy");
});

test("invalid noise options are rejected with the reason", () => {
  assert.throws(() => new NoisyTeacher({ beta: -1 }), /beta must be ≥ 0/);
  assert.throws(() => new NoisyTeacher({ gamma: 1.5 }), /gamma must be in \[0, 1\]/);
  assert.throws(() => new NoisyTeacher({ mistakeProb: 2 }), /mistakeProb must be in \[0, 1\]/);
  assert.throws(() => new NoisyTeacher({ equalThreshold: Number.NaN }), /equalThreshold/);
});
