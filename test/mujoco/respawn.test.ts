/**
 * `respawn`: in a preference-ready task with a healthy range, the step that leaves the range is
 * the body's last, and the next observation is a fresh start within the same fixed-length episode.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { makeVecEnv } from "../../src/envs/index.ts";
import { makeMujocoEnv } from "../../src/envs/mujoco/envs.ts";
import { UNHEALTHY_PENALTY } from "../../src/envs/mujoco/mujoco_env.ts";
import { Rng, randomAction } from "./helpers.ts";

/** Hopper's reset: standing at z = 1.25 with ±5e-3 noise. */
const freshStart = (obs: Float32Array) => Math.abs(obs[0] - 1.25) < 0.01 && Math.abs(obs[1]) < 0.01;

test("a Hopper that falls starts afresh at once, pays the penalty, and the episode runs on", () => {
  const env = makeMujocoEnv("Hopper-pref-v5", { respawn: true });
  const rng = new Rng(3);
  env.reset(3);
  let falls = 0;
  for (let t = 1; t <= 1000; t++) {
    const r = env.step(randomAction(env, rng));
    assert.equal(r.terminated, false);
    assert.equal(r.truncated, t === 1000);
    assert.equal(env.elapsedSteps, t);
    if (r.info.unhealthy) {
      falls++;
      assert.ok(r.reward < 10 - UNHEALTHY_PENALTY, `t=${t}: reward ${r.reward}`);
      if (t < 1000) assert.ok(freshStart(r.obs), `t=${t}: z=${r.obs[0]} angle=${r.obs[1]}`);
    } else {
      assert.ok(r.reward > -10, `t=${t}: healthy step paid ${r.reward}`);
    }
  }
  // A random Hopper stays up for about 20 steps at a time.
  assert.ok(falls > 20 && falls < 100, `${falls} falls`);
  env.close();
});

test("without the option, and in the standard task, nothing respawns", () => {
  const pref = makeMujocoEnv("Hopper-pref-v5", { respawn: false });
  const rng = new Rng(4);
  pref.reset(4);
  let unhealthy = 0;
  for (let t = 0; t < 400; t++) {
    const r = pref.step(randomAction(pref, rng));
    if (r.info.unhealthy) {
      unhealthy++;
      assert.ok(!freshStart(r.obs), `t=${t}: respawned`);
    }
  }
  assert.ok(unhealthy > 300, `${unhealthy} unhealthy steps`);
  pref.close();

  const standard = makeMujocoEnv("Hopper-v5", { respawn: true });
  standard.reset(4);
  let r = standard.step(randomAction(standard, rng));
  while (!r.terminated && !r.truncated) r = standard.step(randomAction(standard, rng));
  assert.equal(r.terminated, true);
  assert.ok(!freshStart(r.obs));
  standard.close();
});

/** Healthy steps of each of 3 Walker2d-pref envs over one random 1,000-step episode. */
function uprightSteps(respawn: boolean): number[] {
  const venv = makeVecEnv("Walker2d-pref-v5", 3, { respawn });
  venv.reset(1);
  const rng = new Rng(1);
  const upright = new Array<number>(3).fill(0);
  for (let t = 0; t < 1000; t++) {
    const actions = new Float32Array(3 * 6);
    for (let i = 0; i < actions.length; i++) actions[i] = rng.uniform(-1, 1);
    const r = venv.step(actions);
    for (let e = 0; e < 3; e++) if (!r.unhealthy[e]) upright[e]++;
  }
  venv.close();
  return upright;
}

test("makeVecEnv passes respawn to every MuJoCo env", () => {
  const without = uprightSteps(false);
  const withRespawn = uprightSteps(true);
  for (let e = 0; e < 3; e++) {
    assert.ok(
      withRespawn[e] > 900 && without[e] < 200,
      `upright with ${withRespawn.join(", ")}, without ${without.join(", ")}`,
    );
  }
});
