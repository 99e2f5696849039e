import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import type { Frame, Rollout } from "../../src/core/types.ts";
import { clipSteps, cutClips } from "../../src/queries/index.ts";

/**
 * A rollout whose observation encodes where it came from: obs = [env, episode, step in episode],
 * action = t, reward = 1000·env + t. Episodes end at random (terminated or truncated).
 */
function fakeRollout(rng: Rng, numEnvs: number, steps: number, withFrames: boolean): Rollout {
  const n = numEnvs * steps;
  const obs = new Float32Array(n * 3);
  const actions = new Float32Array(n);
  const rewards = new Float32Array(n);
  const terminated = new Uint8Array(n);
  const truncated = new Uint8Array(n);
  const unhealthy = new Uint8Array(n);
  const signal = new Float32Array(n);
  const frames: Frame[] = [];
  const episode = new Array(numEnvs).fill(0);
  const inEpisode = new Array(numEnvs).fill(0);
  for (let t = 0; t < steps; t++) {
    for (let e = 0; e < numEnvs; e++) {
      const i = t * numEnvs + e;
      obs.set([e, episode[e], inEpisode[e]], i * 3);
      actions[i] = t;
      rewards[i] = 1000 * e + t;
      unhealthy[i] = t % 3 === 0 ? 1 : 0;
      signal[i] = -t;
      frames.push({ kind: "pendulum", theta: t, torque: e });
      inEpisode[e] += 1;
      if (rng.random() < 0.04) {
        if (rng.random() < 0.5) terminated[i] = 1;
        else truncated[i] = 1;
        episode[e] += 1;
        inEpisode[e] = 0;
      }
    }
  }
  return {
    envId: "Fake-v0",
    numEnvs,
    steps,
    obsSize: 3,
    actSize: 1,
    obs,
    actions,
    rewards,
    terminated,
    truncated,
    unhealthy,
    signals: { contact: signal },
    frames: withFrames ? frames : null,
    policyVersion: 7,
    envStepStart: 5000,
  };
}

test("clips are consecutive steps of one env within one episode, never crossing its end", () => {
  const rng = new Rng(1);
  const rollout = fakeRollout(rng, 4, 400, true);
  const clips = cutClips(rollout, { length: 15, rng });
  assert.ok(clips.length > 40, `${clips.length} clips`);
  for (const c of clips) {
    assert.equal(c.rewards.length, 15);
    assert.equal(c.obs.length, 45);
    const env = c.obs[0];
    const ep = c.obs[1];
    const t0 = c.actions[0];
    for (let k = 0; k < 15; k++) {
      assert.equal(c.obs[k * 3], env, "one env");
      assert.equal(c.obs[k * 3 + 1], ep, "one episode");
      assert.equal(c.obs[k * 3 + 2], c.obs[2] + k, "consecutive steps");
      assert.equal(c.actions[k], t0 + k);
      assert.equal(c.rewards[k], 1000 * env + t0 + k);
      assert.equal(c.unhealthy?.[k], (t0 + k) % 3 === 0 ? 1 : 0);
      assert.equal(c.signals?.contact[k], -(t0 + k));
      assert.deepEqual(c.frames[k], { kind: "pendulum", theta: t0 + k, torque: env });
    }
    for (let k = 0; k < 14; k++) {
      const i = (t0 + k) * 4 + env;
      assert.equal(rollout.terminated[i] | rollout.truncated[i], 0, "no episode end inside");
    }
    assert.equal(c.envStep, 5000 + t0 * 4);
    assert.equal(c.policyVersion, 7);
    assert.equal(c.envId, "Fake-v0");
  }
  assert.equal(new Set(clips.map((c) => c.id)).size, clips.length, "ids are unique");
  // Non-overlapping by default: no two clips of one env share a step.
  const used = new Set<string>();
  for (const c of clips) {
    for (let k = 0; k < 15; k++) {
      const key = `${c.obs[0]}:${c.actions[k]}`;
      assert.ok(!used.has(key), `step ${key} is in two clips`);
      used.add(key);
    }
  }
});

test("stride, maxClips and rollouts without frames", () => {
  const rng = new Rng(2);
  const rollout = fakeRollout(rng, 2, 300, false);
  const all = cutClips(rollout, { length: 10, stride: 2, rng });
  const dense = cutClips(rollout, { length: 10, rng });
  assert.ok(all.length > 3 * dense.length, `${all.length} overlapping vs ${dense.length}`);
  const some = cutClips(rollout, { length: 10, stride: 2, rng, maxClips: 12 });
  assert.equal(some.length, 12);
  assert.deepEqual(some[0].frames, []);
  assert.deepEqual(cutClips(rollout, { length: 301, rng }), [], "longer than any episode");
  assert.throws(() => cutClips(rollout, { length: 0, rng }), /length must be a positive integer/);
});

test("an episode that ends on a clip's last step still yields that clip", () => {
  const rng = new Rng(3);
  const rollout = fakeRollout(new Rng(4), 1, 20, false);
  rollout.terminated.fill(0);
  rollout.truncated.fill(0);
  rollout.terminated[9] = 1; // episode 1: steps 0–9; episode 2: steps 10–19
  const clips = cutClips(rollout, { length: 10, rng });
  assert.deepEqual(
    clips.map((c) => c.actions[0]),
    [0, 10],
  );
  rollout.terminated[8] = 1;
  assert.deepEqual(
    cutClips(rollout, { length: 10, rng }).map((c) => c.actions[0]),
    [10],
  );
});

test("clip length follows from seconds of simulated time", () => {
  assert.equal(clipSteps({ dt: 0.05 }), 30, "Pendulum: 1.5 s at 20 Hz");
  assert.equal(clipSteps({ dt: 0.008 }), 188, "Hopper: 1.5 s at 125 Hz");
  assert.equal(clipSteps({ dt: 0.05 }, { seconds: 1 }), 20);
  assert.equal(clipSteps({ dt: 0.02 }, { steps: 25 }), 25, "arcade: 25 steps");
  assert.equal(clipSteps({ dt: 1 }, { seconds: 0.1 }), 1, "at least one step");
  assert.throws(() => clipSteps({ dt: 0 }), /dt must be positive/);
});
