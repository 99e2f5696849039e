import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng, type RngState } from "../../src/core/rng.ts";

/** A mix of every kind of draw, normals included. */
function draws(rng: Rng, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(rng.nextU32(), rng.random(), rng.int(7), rng.normal());
  return out;
}

test("a restored generator continues the same stream, with a spare normal pending", () => {
  const rng = new Rng(42);
  draws(rng, 10);
  rng.normal(); // an odd number of normals: the next one is the pending spare
  const state = rng.getState();
  assert.notEqual(state.spareNormal, null);
  const copy: RngState = JSON.parse(JSON.stringify(state));

  const restored = new Rng(7);
  restored.setState(copy);
  const fromState = Rng.fromState(copy);
  const expected = [rng.normal(), ...draws(rng, 50)];
  assert.deepEqual([restored.normal(), ...draws(restored, 50)], expected);
  assert.deepEqual([fromState.normal(), ...draws(fromState, 50)], expected);
});

test("a restored generator drops a spare normal it had pending before", () => {
  const source = new Rng(3);
  const state = source.getState();
  assert.equal(state.spareNormal, null);
  const target = new Rng(4);
  target.normal(); // leaves a spare that setState must clear
  target.setState(state);
  assert.deepEqual(draws(target, 20), draws(source, 20));
});

test("setState refuses what is not a generator state", () => {
  const rng = new Rng(1);
  const bad: unknown[] = [
    { words: [1, 2, 3], spareNormal: null },
    { words: [0, 0, 0, 0], spareNormal: null },
    { words: [1, 2, 3, 2 ** 32], spareNormal: null },
    { words: [1, 2, 3, 4], spareNormal: Number.NaN },
  ];
  for (const state of bad) {
    assert.throws(() => rng.setState(state as RngState), /not a generator state/);
  }
});
