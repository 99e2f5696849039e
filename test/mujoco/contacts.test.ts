import assert from "node:assert/strict";
import { test } from "node:test";
import { makeMujocoEnv } from "../../src/envs/mujoco/envs.ts";
import { mujoco } from "../../src/envs/mujoco/loader.ts";
import { Rng, randomAction } from "./helpers.ts";

/** Which of the two feet have a contact with the floor in data.contact (the slow, exact way). */
function footContacts(env: ReturnType<typeof makeMujocoEnv>): [number, number] {
  const m = env.sim.model;
  const d = env.sim.data;
  const floor = mujoco.mj_name2id(m, 5, "floor");
  const feet = [mujoco.mj_name2id(m, 5, "bfoot"), mujoco.mj_name2id(m, 5, "ffoot")];
  const touching: [number, number] = [0, 0];
  const contacts = d.contact;
  for (let i = 0; i < d.ncon; i++) {
    const c = contacts.get(i);
    if (c === undefined) continue;
    for (let f = 0; f < 2; f++) {
      if ((c.geom1 === floor && c.geom2 === feet[f]) || (c.geom2 === floor && c.geom1 === feet[f]))
        touching[f] = 1;
    }
    c.delete();
  }
  contacts.delete();
  return touching;
}

test("HalfCheetah's foot-contact signals agree with MuJoCo's contact list over 2,000 steps", () => {
  const env = makeMujocoEnv("HalfCheetah-pref-v5");
  const rng = new Rng(5);
  env.reset(5);
  const seen = [0, 0];
  for (let t = 0; t < 2000; t++) {
    const r = env.step(randomAction(env, rng));
    const [back, front] = footContacts(env);
    assert.equal(r.info.signals?.["contact.bfoot"], back, `step ${t} back foot`);
    assert.equal(r.info.signals?.["contact.ffoot"], front, `step ${t} front foot`);
    seen[0] += back;
    seen[1] += front;
    if (r.truncated) env.reset();
  }
  // Both feet touch down sometimes and lift sometimes under random actions.
  for (const n of seen) assert.ok(n > 50 && n < 1950, `contacts ${seen}`);
  env.close();
});

test("Hopper's signals: x velocity and the unwrapped torso angle through a full turn", () => {
  const env = makeMujocoEnv("Hopper-pref-v5");
  env.reset(0);
  const { qpos, qvel } = env.sim.state();
  qpos[1] = 3; // high in the air
  qpos[2] = 2 * Math.PI + 0.5; // more than one turn
  qvel[0] = 1.5;
  env.sim.setState(qpos, qvel);
  const r = env.step(new Float32Array(3));
  const s = r.info.signals ?? {};
  assert.ok(s.torso_angle > 2 * Math.PI, `angle ${s.torso_angle}`);
  assert.ok(Math.abs(s.x_velocity - 1.5) < 0.01, `x velocity ${s.x_velocity}`);
  assert.equal(r.info.unhealthy, true);
  env.close();
});
