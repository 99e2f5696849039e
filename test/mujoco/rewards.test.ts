/**
 * Each task's reward, observation and health worked out by hand from the MuJoCo state before and
 * after one step (read through mujoco-js's getters), against what the env reports.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { makeMujocoEnv } from "../../src/envs/mujoco/envs.ts";
import { type MujocoEnv, UNHEALTHY_PENALTY } from "../../src/envs/mujoco/mujoco_env.ts";
import { clip, Rng, randomAction, type Snapshot, snapshot, sumSq } from "./helpers.ts";

type Expected = { reward: number; prefReward: number; healthy: boolean; obs: number[] };
type Worker = (pre: Snapshot, post: Snapshot, a: Float32Array) => Expected;

/** Where the standard task ends, the pref variant charges a penalty per unhealthy step instead. */
const penalty = (healthy: boolean) => (healthy ? 0 : UNHEALTHY_PENALTY);

const range = (a: ArrayLike<number>, from: number, to = a.length) => Array.from(a).slice(from, to);

function planar(dt: number, ctrlW: number, healthy: (post: Snapshot) => boolean): Worker {
  return (pre, post, a) => {
    const forward = (post.qpos[0] - pre.qpos[0]) / dt;
    const h = healthy(post);
    const survive = h ? 1 : 0;
    return {
      reward: forward + survive - ctrlW * sumSq(a),
      prefReward: forward + survive - penalty(h),
      healthy: h,
      obs: [...range(post.qpos, 1), ...Array.from(post.qvel, (v) => clip(v, -10, 10))],
    };
  };
}

const WORKERS: Record<string, Worker> = {
  Hopper: planar(0.008, 1e-3, (s) => {
    const inRange = [...range(s.qpos, 2), ...s.qvel].every((x) => -100 < x && x < 100);
    return s.qpos[1] > 0.7 && Math.abs(s.qpos[2]) < 0.2 && inRange;
  }),
  Walker2d: planar(0.008, 1e-3, (s) => s.qpos[1] > 0.8 && s.qpos[1] < 2 && Math.abs(s.qpos[2]) < 1),
  HalfCheetah: (pre, post, a) => {
    const forward = (post.qpos[0] - pre.qpos[0]) / 0.05;
    return {
      reward: forward - 0.1 * sumSq(a),
      prefReward: forward,
      healthy: true,
      obs: [...range(post.qpos, 1), ...post.qvel],
    };
  },
  Swimmer: (pre, post, a) => {
    const forward = (post.qpos[0] - pre.qpos[0]) / 0.04;
    return {
      reward: forward - 1e-4 * sumSq(a),
      prefReward: forward,
      healthy: true,
      obs: [...range(post.qpos, 2), ...post.qvel],
    };
  },
  Ant: (pre, post, a) => {
    const forward = (post.xpos[3] - pre.xpos[3]) / 0.05; // body 1 = torso
    const contact = 5e-4 * sumSq(Array.from(post.cfrcExt, (f) => clip(f, -1, 1)));
    const healthy = post.qpos[2] >= 0.2 && post.qpos[2] <= 1;
    const survive = healthy ? 1 : 0;
    return {
      reward: forward + survive - 0.5 * sumSq(a) - contact,
      prefReward: forward + survive - contact - penalty(healthy),
      healthy,
      obs: [
        ...range(post.qpos, 2),
        ...post.qvel,
        ...range(post.cfrcExt, 6).map((f) => clip(f, -1, 1)),
      ],
    };
  },
  Reacher: (_pre, post, a) => {
    const f = range(post.xpos, 9, 12); // body 3 = fingertip
    const t = range(post.xpos, 12, 15); // body 4 = target
    const dist = Math.hypot(f[0] - t[0], f[1] - t[1], f[2] - t[2]);
    const q = post.qpos;
    return {
      reward: -dist - sumSq(a),
      prefReward: -dist,
      healthy: true,
      obs: [
        Math.cos(q[0]),
        Math.cos(q[1]),
        Math.sin(q[0]),
        Math.sin(q[1]),
        q[2],
        q[3],
        post.qvel[0],
        post.qvel[1],
        f[0] - t[0],
        f[1] - t[1],
      ],
    };
  },
  InvertedPendulum: (_pre, post) => {
    const healthy = Math.abs(post.qpos[1]) <= 0.2;
    return {
      reward: healthy ? 1 : 0,
      prefReward: healthy ? 1 : -UNHEALTHY_PENALTY,
      healthy,
      obs: [...post.qpos, ...post.qvel],
    };
  },
  InvertedDoublePendulum: (_pre, post) => {
    const [x, , y] = post.siteXpos;
    const [, v1, v2] = post.qvel;
    const healthy = y > 1;
    const r =
      (healthy ? 10 : 0) - (0.01 * x * x + (y - 2) ** 2) - (1e-3 * v1 * v1 + 5e-3 * v2 * v2);
    const q = post.qpos;
    return {
      reward: r,
      prefReward: r - penalty(healthy),
      healthy,
      obs: [
        q[0],
        Math.sin(q[1]),
        Math.sin(q[2]),
        Math.cos(q[1]),
        Math.cos(q[2]),
        ...Array.from(post.qvel, (v) => clip(v, -10, 10)),
        clip(post.qfrcConstraint[0], -10, 10),
      ],
    };
  },
};

function close(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  );
}

/** Steps `env` once from its current state with action `a` and checks it against `work`. */
function checkStep(env: MujocoEnv, work: Worker, a: Float32Array, label: string): Expected {
  const pre = snapshot(env);
  const r = env.step(a);
  const post = snapshot(env);
  const e = work(pre, post, a);
  close(r.reward, env.preferenceReady ? e.prefReward : e.reward, `${label} reward`);
  assert.equal(r.obs.length, e.obs.length, `${label} obs size`);
  for (let i = 0; i < e.obs.length; i++)
    close(r.obs[i], Math.fround(e.obs[i]), `${label} obs[${i}]`);
  assert.equal(r.terminated, !env.preferenceReady && !e.healthy, `${label} terminated`);
  if (env.preferenceReady) assert.equal(r.info.unhealthy, !e.healthy, `${label} unhealthy`);
  else assert.equal(r.info.unhealthy, undefined);
  return e;
}

for (const [name, work] of Object.entries(WORKERS)) {
  test(`${name}: reward, observation and termination match a hand computation over 20 steps`, () => {
    for (const id of [`${name}-v5`, `${name}-pref-v5`]) {
      const env = makeMujocoEnv(id);
      const rng = new Rng(7);
      env.reset(3);
      for (let t = 0; t < 20; t++) {
        const a = randomAction(env, rng);
        const r = checkStep(env, work, a, `${id} step ${t}`);
        if (!env.preferenceReady && !r.healthy) env.reset();
      }
      env.close();
    }
  });
}

test("the reward terms add up to the reward (Hopper: forward + survive + ctrl)", () => {
  const env = makeMujocoEnv("Hopper-v5");
  env.reset(1);
  const r = env.step(Float32Array.of(0.5, -0.5, 1));
  const t = env.rewardTerms();
  close(t.reward_ctrl, -1e-3 * 1.5, "ctrl");
  close(r.reward, t.reward_forward + t.reward_survive + t.reward_ctrl, "sum");
  assert.equal(r.info.signals?.x_velocity, t.reward_forward);
  env.close();
});

/** Puts the env in `qpos` (the rest as after reset) and takes one zero-action step. */
function stepFrom(env: MujocoEnv, edit: (qpos: Float64Array, qvel: Float64Array) => void) {
  env.reset(0);
  const { qpos, qvel } = env.sim.state();
  edit(qpos, qvel);
  env.sim.setState(qpos, qvel);
  return env.step(new Float32Array(env.actSize));
}

const UNHEALTHY: [string, string, (q: Float64Array, v: Float64Array) => void][] = [
  ["Hopper", "torso too low (z = 0.6)", (q) => (q[1] = 0.6)],
  ["Hopper", "torso tilted (angle 0.5)", (q) => (q[2] = 0.5)],
  ["Hopper", "a velocity out of range (ẋ = 150)", (_q, v) => (v[0] = 150)],
  ["Walker2d", "torso too low (z = 0.5)", (q) => (q[1] = 0.5)],
  ["Walker2d", "torso tilted (angle −1.5)", (q) => (q[2] = -1.5)],
  ["Ant", "torso too high (z = 1.5)", (q) => (q[2] = 1.5)],
  ["InvertedPendulum", "pole at 0.5 rad", (q) => (q[1] = 0.5)],
  ["InvertedDoublePendulum", "first pole at 1.5 rad, tip below 1 m", (q) => (q[1] = 1.5)],
];

for (const [name, what, edit] of UNHEALTHY) {
  test(`${name}: leaving the healthy range (${what}) terminates; the pref variant only flags it`, () => {
    const env = makeMujocoEnv(`${name}-v5`);
    const r = stepFrom(env, edit);
    assert.equal(r.terminated, true);
    assert.equal(r.truncated, false);
    const terms = env.rewardTerms();
    if ("reward_survive" in terms) assert.equal(terms.reward_survive, 0);
    env.close();

    const pref = makeMujocoEnv(`${name}-pref-v5`);
    const p = stepFrom(pref, edit);
    assert.equal(p.terminated, false);
    assert.equal(p.info.unhealthy, true);
    pref.close();
  });
}

test("healthy starts do not terminate, and the pref flag is false there", () => {
  for (const name of ["Hopper", "Walker2d", "Ant", "InvertedPendulum", "InvertedDoublePendulum"]) {
    const env = makeMujocoEnv(`${name}-pref-v5`);
    const r = stepFrom(env, () => {});
    assert.equal(r.info.unhealthy, false, name);
    env.close();
  }
});

test("tasks without a healthy range never terminate and are truncated at their time limit", () => {
  for (const id of ["HalfCheetah-v5", "Swimmer-v5", "Reacher-v5"]) {
    const env = makeMujocoEnv(id);
    const rng = new Rng(2);
    env.reset(2);
    const limit = env.spec.maxEpisodeSteps;
    for (let t = 1; t <= limit; t++) {
      const r = env.step(randomAction(env, rng));
      assert.equal(r.terminated, false, id);
      assert.equal(r.truncated, t === limit, `${id} step ${t}`);
    }
    env.close();
  }
});

test("pref variants never terminate, are truncated only at step 1,000 and flag falls", () => {
  for (const name of ["Hopper", "Walker2d", "InvertedPendulum"]) {
    const env = makeMujocoEnv(`${name}-pref-v5`);
    const rng = new Rng(4);
    env.reset(4);
    let unhealthy = 0;
    for (let t = 1; t <= 1000; t++) {
      const r = env.step(randomAction(env, rng));
      assert.equal(r.terminated, false);
      assert.equal(r.truncated, t === 1000);
      if (r.info.unhealthy) unhealthy++;
    }
    // A random policy falls over early and stays down.
    assert.ok(unhealthy > 500, `${name}: ${unhealthy} unhealthy steps`);
    env.close();
  }
});
