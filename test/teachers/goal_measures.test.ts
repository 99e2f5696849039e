import assert from "node:assert/strict";
import { test } from "node:test";
import "../../src/teachers/goals/builtin.ts";
import { goalMeasure, measureEpisodes, type StepSignals } from "../../src/teachers/index.ts";

const TURN = 2 * Math.PI;

/** Steps of a Hopper torso going from angle `from` to `to` at `height`, then held there. */
function sweep(from: number, to: number, height: number, steps: number, hold = 0): StepSignals[] {
  const out: StepSignals[] = [];
  for (let t = 0; t < steps; t++) {
    out.push({ torso_angle: from + ((to - from) * (t + 1)) / steps, height });
  }
  for (let t = 0; t < hold; t++) out.push({ torso_angle: to, height });
  return out;
}

const flips = (steps: StepSignals[]) => {
  const measure = goalMeasure("goal:backflip");
  assert.ok(measure);
  return measureEpisodes(measure, [steps])[0];
};

test("a backward turn that lands upright on the foot counts as a landed backflip", () => {
  const standing = sweep(0, 0, 1.25, 1, 30);
  const flip = sweep(0, -TURN, 1.1, 60, 30);
  assert.equal(flips([...standing, ...flip]), 1);
  // Two in a row, and a double turn before one landing, count two each.
  assert.equal(flips([...standing, ...flip, ...sweep(-TURN, -2 * TURN, 1.1, 60, 30)]), 2);
  assert.equal(flips([...standing, ...sweep(0, -2 * TURN, 1.1, 120, 30)]), 2);
});

test("a turn that ends lying down, a forward turn, or a brief upright moment is not a backflip", () => {
  const standing = sweep(0, 0, 1.25, 1, 30);
  // Lands upright but on its back on the floor: the torso is too low.
  assert.equal(flips([...standing, ...sweep(0, -TURN, 0.3, 60, 40)]), 0);
  // Never comes upright: stops three quarters of the way round.
  assert.equal(flips([...standing, ...sweep(0, -1.5 * Math.PI, 1.1, 60, 40)]), 0);
  // Passes upright for only a few steps before falling on.
  const brief = [...sweep(0, -TURN, 1.1, 60, 5), ...sweep(-TURN, -TURN - 1.5, 0.4, 20, 30)];
  assert.equal(flips([...standing, ...brief]), 0);
  // A forward flip is not a backflip, and a backflip after it counts again.
  const forward = sweep(0, TURN, 1.1, 60, 30);
  assert.equal(flips([...standing, ...forward]), 0);
  assert.equal(flips([...standing, ...forward, ...sweep(TURN, 0, 1.1, 60, 30)]), 1);
});

test("metres on one leg add forward distance only while the front foot is up", () => {
  const measure = goalMeasure("goal:one-leg");
  assert.ok(measure);
  const steps: StepSignals[] = [
    { x_velocity: 2, "contact.ffoot": 0 }, // 0.1 m
    { x_velocity: 2, "contact.ffoot": 1 }, // foot down: nothing
    { x_velocity: -1, "contact.ffoot": 0 }, // backwards: nothing
    { x_velocity: 4, "contact.ffoot": 0 }, // 0.2 m
  ];
  const [metres] = measureEpisodes(measure, [steps]);
  assert.ok(Math.abs(metres - 0.3) < 1e-9, `${metres}`);
  assert.equal(goalMeasure("oracle"), null);
  assert.equal(goalMeasure("goal:keep-pace"), null);
  assert.throws(() => measureEpisodes(measure, [[{ x_velocity: 1 }]]), /contact\.ffoot/);
});
