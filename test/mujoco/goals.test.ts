import assert from "node:assert/strict";
import { test } from "node:test";
import type { Clip } from "../../src/core/types.ts";
import { makeMujocoEnv } from "../../src/envs/mujoco/envs.ts";
import {
  AIRBORNE_HEIGHT,
  backflipScore,
  backflipStepScore,
  LANDING_BONUS,
  originalBackflipScore,
} from "../../src/teachers/goals/backflip.ts";
import { oneLegScore } from "../../src/teachers/goals/one_leg.ts";
import { Rng, randomAction } from "./helpers.ts";

function clipOf(
  envId: string,
  obs: number[][],
  actions: number[][],
  signals?: Record<string, number[]>,
): Clip {
  return {
    id: "c",
    envId,
    obs: Float32Array.from(obs.flat()),
    obsSize: obs[0].length,
    actions: Float32Array.from(actions.flat()),
    actSize: actions[0].length,
    rewards: new Float32Array(obs.length),
    signals:
      signals === undefined
        ? undefined
        : Object.fromEntries(Object.entries(signals).map(([k, v]) => [k, Float32Array.from(v)])),
    frames: [],
    policyVersion: 0,
    envStep: 0,
  };
}

test("backflip-original: the original formula on hand-built Hopper observations", () => {
  // ob: [z, angle, thigh, leg, foot, ẋ, ż, ω, thigh', leg', foot']
  const still = [1.25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const flipping = [1.5, 0, 0, 0, 0, -0.5, 0, -4, 1, 2, 3];
  const forwardRoll = [1.5, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0];
  const a = [0.5, -1, 1];
  // flipping: backroll 4, height 1.5, vel_act 0.5·1 − 1·2 + 1·3 = 1.5, backslide 0.5
  const expected = 4 * (1 + 0.3 * 1.5 + 0.1 * 1.5 + 0.05 * 0.5);
  const scores = originalBackflipScore(
    clipOf("Hopper-pref-v5", [still, flipping, forwardRoll], [a, a, a]),
  );
  assert.equal(scores.length, 3);
  assert.ok(scores[0] === 0); // ±0
  assert.ok(Math.abs(scores[1] - expected) < 1e-5, `${scores[1]} vs ${expected}`);
  assert.ok(Math.abs(scores[2] - -4 * (1 + 0.45)) < 1e-5);
  assert.equal(backflipStepScore(flipping, a), expected);
});

test("backflip: a Hopper spun backwards by hand scores higher than one spun forwards", () => {
  const score = (omega: number) => {
    const env = makeMujocoEnv("Hopper-pref-v5");
    env.reset(0);
    const { qpos, qvel } = env.sim.state();
    qpos[1] = 2;
    qvel[2] = omega;
    env.sim.setState(qpos, qvel);
    const obs: number[][] = [];
    const actions: number[][] = [];
    let ob = [...env.step(new Float32Array(3)).obs];
    for (let t = 0; t < 20; t++) {
      obs.push(ob);
      actions.push([0, 0, 0]);
      ob = [...env.step(new Float32Array(3)).obs];
    }
    env.close();
    return backflipScore(clipOf("Hopper-pref-v5", obs, actions)).reduce((x, y) => x + y, 0);
  };
  assert.ok(score(-5) > 0 && score(5) < 0 && score(-5) > score(-2));
});

/** Hopper observations of a hand-made flip: `turn` rad backwards at height 1.5, then `after` steps at rest at that angle and `height`. */
function flipClip(turn: number, after: number, height: number): Clip {
  const obs: number[][] = [];
  const omega = -8;
  const turning = Math.round(turn / (8 * 0.008));
  for (let t = 0; t < turning; t++)
    obs.push([1.5, -(turn * t) / turning, 0, 0, 0, 0, 0, omega, 0, 0, 0]);
  for (let t = 0; t < after; t++) obs.push([height, -turn, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  return clipOf(
    "Hopper-pref-v5",
    obs,
    obs.map(() => [0, 0, 0]),
  );
}
const sum = (xs: Float32Array) => xs.reduce((x, y) => x + y, 0);

test("backflip: a backward turn pays only in the air, a forward one costs, a landed flip earns the bonus", () => {
  // The same backward spin on the ground (torso at 0.3 m) earns nothing.
  const a = [0, 0, 0];
  const rolling = [0.3, 0, 0, 0, 0, 0, 0, -8, 0, 0, 0];
  const flying = [1.5, 0, 0, 0, 0, 0, 0, -8, 0, 0, 0];
  const forwards = [1.5, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0];
  const spins = backflipScore(clipOf("Hopper-pref-v5", [rolling, flying, forwards], [a, a, a]));
  assert.deepEqual(
    [...spins].map((x) => +x.toFixed(4)),
    [0, +(8 * (1.5 - AIRBORNE_HEIGHT)).toFixed(4), -(8 * (1.5 - AIRBORNE_HEIGHT)).toFixed(4)],
  );
  // Rocking back and forth in the air nets nothing.
  const rocking = backflipScore(
    clipOf("Hopper-pref-v5", [flying, forwards, flying, forwards], [a, a, a, a]),
  );
  assert.ok(Math.abs(sum(rocking)) < 1e-4);

  const landed = flipClip(2 * Math.PI, 20, 1.2);
  const onItsBack = flipClip(2 * Math.PI, 20, 0.3);
  const halfTurn = flipClip(Math.PI, 20, 1.2);
  const turnPay = sum(backflipScore(onItsBack));
  assert.ok(turnPay > 300, `a whole turn in the air pays ${turnPay}`);
  assert.ok(Math.abs(sum(backflipScore(landed)) - (turnPay + LANDING_BONUS)) < 1e-3);
  // Upright after a half turn is not upright: no bonus.
  assert.ok(sum(backflipScore(halfTurn)) < turnPay);
  // The original score cannot tell a landed flip from one that ends on the robot's back.
  assert.ok(
    Math.abs(sum(originalBackflipScore(landed)) - sum(originalBackflipScore(onItsBack))) < 1e-3,
  );
});

test("backflip rejects clips of other envs", () => {
  assert.throws(
    () => backflipScore(clipOf("Walker2d-v5", [new Array(17).fill(0)], [new Array(6).fill(0)])),
    /Hopper/,
  );
});

test("one leg: forward velocity while the front foot is up, a penalty while it touches", () => {
  const clip = clipOf("HalfCheetah-pref-v5", [[0], [0], [0], [0]], [[0], [0], [0], [0]], {
    x_velocity: [2, 3, 4, -1],
    "contact.ffoot": [0, 1, 0, 0],
    "contact.bfoot": [1, 1, 0, 1],
  });
  assert.deepEqual([...oneLegScore(clip)], [2, -1, 4, -1]);
  assert.deepEqual([...oneLegScore(clip, { touchPenalty: -5 })], [2, -5, 4, -1]);
  assert.throws(() => oneLegScore(clipOf("Hopper-v5", [[0]], [[0]])), /contact.ffoot/);
});

test("one leg works on signals recorded from HalfCheetah", () => {
  const env = makeMujocoEnv("HalfCheetah-pref-v5");
  const rng = new Rng(2);
  env.reset(2);
  const v: number[] = [];
  const front: number[] = [];
  for (let t = 0; t < 30; t++) {
    const s = env.step(randomAction(env, rng)).info.signals ?? {};
    v.push(s.x_velocity);
    front.push(s["contact.ffoot"]);
  }
  env.close();
  const zeros = v.map(() => [0]);
  const scores = oneLegScore(
    clipOf("HalfCheetah-pref-v5", zeros, zeros, { x_velocity: v, "contact.ffoot": front }),
  );
  scores.forEach((s, t) => {
    assert.equal(s, front[t] ? -1 : Math.fround(v[t]));
  });
});
