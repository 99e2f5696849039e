import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import type { Clip } from "../../src/core/types.ts";
import {
  binaryEntropy,
  DisagreementSelector,
  EntropySelector,
  KCenterSelector,
  makeSelector,
  RandomSelector,
  samplePairs,
  variance,
} from "../../src/queries/index.ts";
import type { ClipPair, PreferencePredictor } from "../../src/reward/types.ts";

function clip(id: string): Clip {
  return {
    id,
    envId: "Fake-v0",
    obs: new Float32Array(2),
    obsSize: 1,
    actions: new Float32Array(2),
    actSize: 1,
    rewards: new Float32Array(2),
    frames: [],
    policyVersion: 0,
    envStep: 0,
  };
}

/**
 * A fake three-member ensemble: each clip has a predicted return per member. Members agree on
 * ordinary clips and disagree wildly on the "contested" ones.
 */
class FakeEnsemble implements PreferencePredictor {
  readonly members = 3;
  asked = 0;
  constructor(private readonly returns: Map<string, number[]>) {}
  preferenceProbabilities(pairs: readonly ClipPair[]): Float32Array[] {
    this.asked += pairs.length;
    return [0, 1, 2].map((m) =>
      Float32Array.from(pairs, ({ left, right }) => {
        const d =
          (this.returns.get(left.id) as number[])[m] - (this.returns.get(right.id) as number[])[m];
        return 1 / (1 + Math.exp(-d));
      }),
    );
  }
}

function pool(): { clips: Clip[]; fake: FakeEnsemble; contested: Set<string> } {
  const rng = new Rng(5);
  const clips: Clip[] = [];
  const returns = new Map<string, number[]>();
  const contested = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const c = clip(`c${i}`);
    clips.push(c);
    if (i % 4 === 0) {
      contested.add(c.id);
      returns.set(c.id, [6 * rng.normal(), 6 * rng.normal(), 6 * rng.normal()]);
    } else {
      const r = rng.normal();
      returns.set(c.id, [r, r + 0.01, r - 0.01]);
    }
  }
  return { clips, fake: new FakeEnsemble(returns), contested };
}

test("disagreement selection asks about the pairs the members disagree on", () => {
  const { clips, fake, contested } = pool();
  const selector = new DisagreementSelector(fake);
  const queries = selector.select(clips, 5, new Rng(1));
  assert.equal(queries.length, 5);
  assert.equal(fake.asked, 50, "10× more candidates than queries");
  for (const q of queries) {
    assert.ok(
      contested.has(q.left.id) || contested.has(q.right.id),
      `${q.left.id} vs ${q.right.id}`,
    );
    const p = fake.preferenceProbabilities([q]).map((m) => m[0]);
    assert.ok(Math.abs(q.disagreement - variance(p)) < 1e-6, "disagreement is the variance");
    assert.ok(q.disagreement > 0.01);
  }
  for (let i = 1; i < 5; i++) assert.ok(queries[i - 1].disagreement >= queries[i].disagreement);
  // Random selection, on the same pool, often asks about pairs the members agree on.
  const random = new RandomSelector().select(clips, 40, new Rng(1));
  const calm = random.filter((q) => !contested.has(q.left.id) && !contested.has(q.right.id));
  assert.ok(calm.length > 10, `${calm.length} of 40 random queries are uncontested`);
  assert.ok(random.every((q) => q.disagreement === 0));
});

test("the variance across members is the population variance", () => {
  assert.equal(variance([0.25, 0.25, 0.25]), 0);
  assert.ok(Math.abs(variance([0.1, 0.5, 0.9]) - 0.32 / 3) < 1e-12);
});

test("queries pair two different clips, never repeat a pair, and have unique ids", () => {
  const { clips, fake } = pool();
  for (const selector of [new RandomSelector(), new DisagreementSelector(fake)]) {
    const queries = selector.select(clips, 30, new Rng(2));
    assert.equal(queries.length, 30);
    assert.equal(new Set(queries.map((q) => q.id)).size, 30);
    const keys = new Set(queries.map((q) => [q.left.id, q.right.id].sort().join("|")));
    assert.equal(keys.size, 30);
    assert.ok(queries.every((q) => q.left.id !== q.right.id));
  }
  // A pool of three clips holds only three pairs.
  assert.equal(new RandomSelector().select(clips.slice(0, 3), 10, new Rng(3)).length, 3);
  assert.deepEqual(new RandomSelector().select(clips.slice(0, 1), 10, new Rng(3)), []);
  const all = samplePairs(clips.slice(0, 6), 15, new Rng(4));
  assert.equal(new Set(all.map((q) => [q.left.id, q.right.id].sort().join("|"))).size, 15);
});

test("selectors are made by name, and an unknown name says what exists", () => {
  const { fake } = pool();
  assert.equal(makeSelector("random").name, "random");
  assert.equal(makeSelector("disagreement", fake).name, "disagreement");
  assert.throws(
    () => makeSelector("disagrement", fake),
    /unknown query selector 'disagrement'; choose one of: random, disagreement/,
  );
  assert.throws(() => makeSelector("disagreement"), /needs the reward ensemble/);
});

test("entropy selection asks about the pairs whose mean prediction is closest to a coin flip", () => {
  const { clips, fake } = pool();
  const queries = new EntropySelector(fake).select(clips, 5, new Rng(5));
  assert.equal(queries.length, 5);
  // Every chosen pair is at least as uncertain as any candidate left out: check against a
  // fresh sample of the same size.
  const entropyOf = (q: { left: Clip; right: Clip }) => {
    const p = fake.preferenceProbabilities([q]).map((m) => m[0]);
    return binaryEntropy(p.reduce((a, b) => a + b, 0) / p.length);
  };
  const chosen = queries.map(entropyOf);
  const others = samplePairs(clips, 50, new Rng(5)).map(entropyOf);
  const median = [...others].sort((a, b) => a - b)[25];
  for (const e of chosen) assert.ok(e >= median, `chosen entropy ${e} vs median ${median}`);
  assert.ok(Math.abs(binaryEntropy(0.5) - Math.log(2)) < 1e-12);
  assert.equal(binaryEntropy(1), 0);
});

test("k-center selection spreads its batch over different situations", () => {
  // Two groups of clips: 20 near-identical clips at obs ≈ 0, which the members disagree about
  // wildly, and 20 spread out at obs ≈ 5 ± 3, which they nearly agree on. Disagreement alone
  // fills its batch with near-copies from the first group; k-center takes at most one.
  const rng = new Rng(9);
  const clips: Clip[] = [];
  const returns = new Map<string, number[]>();
  for (let i = 0; i < 40; i++) {
    const c = clip(`k${i}`);
    c.obs.fill(i < 20 ? 0.001 * i : 5 + 3 * rng.normal());
    clips.push(c);
    const spread = i < 20 ? 5 : 0.3;
    returns.set(c.id, [spread * rng.normal(), spread * rng.normal(), spread * rng.normal()]);
  }
  const fake = new FakeEnsemble(returns);
  const queries = new KCenterSelector(fake).select(clips, 6, new Rng(2));
  assert.equal(queries.length, 6);
  const near = queries.filter(
    (q) => Number(q.left.id.slice(1)) < 20 && Number(q.right.id.slice(1)) < 20,
  );
  assert.ok(near.length <= 1, `${near.length} of 6 pairs are both from the near-identical group`);
  assert.equal(makeSelector("kcenter", fake).name, "kcenter");
  assert.equal(makeSelector("entropy", fake).name, "entropy");
});
