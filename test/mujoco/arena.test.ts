import assert from "node:assert/strict";
import { test } from "node:test";
import { makeMujocoEnv } from "../../src/envs/mujoco/envs.ts";
import { Rng, randomAction } from "./helpers.ts";

const WARN_CONTACTFULL = 1;
const WARN_CNSTRFULL = 2;

test("each model's <size memory> holds its contacts and constraints with room to spare", () => {
  // Preference-ready envs never terminate, so fallen bodies lie on the floor: the most contacts.
  for (const [name, steps] of [
    ["Hopper", 1500],
    ["Walker2d", 1500],
    ["HalfCheetah", 1500],
    ["Ant", 600],
    ["Swimmer", 300],
    ["Reacher", 300],
    ["InvertedPendulum", 300],
    ["InvertedDoublePendulum", 300],
  ] as const) {
    const env = makeMujocoEnv(`${name}-pref-v5`);
    const rng = new Rng(9);
    env.reset(9);
    for (let t = 0; t < steps; t++) env.step(randomAction(env, rng));
    const d = env.sim.data;
    for (const w of [WARN_CONTACTFULL, WARN_CNSTRFULL]) {
      const stat = d.warning.get(w);
      assert.equal(stat?.number, 0, `${name}: MuJoCo warning ${w}`);
      stat?.delete();
    }
    const used = Number(d.maxuse_arena);
    const size = Number(d.narena);
    assert.ok(used < size / 2, `${name}: arena use ${used} of ${size}`);
    assert.ok(size <= 256 * 1024, `${name}: arena ${size}`);
    env.close();
  }
});
