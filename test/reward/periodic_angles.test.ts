import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { box } from "../../src/core/spaces.ts";
import { makeMujocoEnv } from "../../src/envs/mujoco/envs.ts";
import { Featurizer, RewardEnsemble } from "../../src/reward/index.ts";
import { backflip } from "../cli/helpers.ts";

const TURN = 2 * Math.PI;

test("a periodic column enters as its sine in place and its cosine after the observation", () => {
  const f = new Featurizer(box([-9, -9, -9], [9, 9, 9]), box([-1], [1]), { periodic: [1] });
  assert.equal(f.inputSize, 3 + 1 + 1);
  const row = [...f.rows(Float32Array.of(0.5, 0.3, -2), Float32Array.of(0.7), 1)];
  const expected = [0.5, Math.sin(0.3), -2, Math.cos(0.3), 0.7];
  const close = (a: number[], b: number[], tolerance: number) =>
    a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < tolerance);
  assert.ok(close(row, expected, 1e-6), `${row}`);
  // A whole turn later, or two, the input is the same.
  for (const turns of [-2, -1, 1]) {
    const turned = [
      ...f.rows(Float32Array.of(0.5, 0.3 + turns * TURN, -2), Float32Array.of(0.7), 1),
    ];
    assert.ok(close(turned, row, 1e-5), `${turns} turns: ${turned}`);
  }
  assert.throws(() => new Featurizer(box([0], [1]), box([0], [1]), { periodic: [1] }), /column 1/);
});

test("Hopper, Walker2d and HalfCheetah name the torso's pitch, qpos[2], as their periodic column", () => {
  for (const id of ["Hopper-pref-v5", "Walker2d-pref-v5", "HalfCheetah-pref-v5"]) {
    const env = makeMujocoEnv(id);
    env.reset(0);
    assert.deepEqual(env.spec.periodicObs, [1], id);
    const { qpos, qvel } = env.sim.state();
    qpos[2] = -TURN - 0.25; // a whole backward turn and a little more
    env.sim.setState(qpos, qvel);
    const obs = env.step(new Float32Array(env.actSize)).obs;
    const pitch = (env.sim.data.qpos as Float64Array)[2];
    assert.ok(Math.abs(obs[1] - pitch) < 1e-5, `${id}: obs[1] ${obs[1]}, qpos[2] ${pitch}`);
    assert.ok(obs[1] < -TURN, `${id}: the pitch is not wrapped (${obs[1]})`);
    env.close();
  }
});

test("with periodic angles, r̂ of a Hopper state is the same after a whole turn, also once reloaded", () => {
  const env = makeMujocoEnv("Hopper-pref-v5");
  const { observationSpace, actionSpace } = env;
  env.close();
  const reward = new RewardEnsemble(observationSpace, actionSpace, { periodicObs: [1], seed: 3 });
  const obs = Float32Array.from({ length: 11 }, (_, i) => 0.1 * i - 0.4);
  const turned = Float32Array.from(obs);
  turned[1] -= TURN;
  const action = Float32Array.of(0.2, -0.1, 0.3);
  const before = reward.predict(obs, action)[0];
  assert.ok(Math.abs(reward.predict(turned, action)[0] - before) < 1e-4);
  // Without them the turned state is another input altogether.
  const plain = new RewardEnsemble(observationSpace, actionSpace, { seed: 3 });
  assert.ok(Math.abs(plain.predict(turned, action)[0] - plain.predict(obs, action)[0]) > 1e-3);

  const dir = mkdtempSync(join(tmpdir(), "backflip-periodic-"));
  reward.save(dir);
  const loaded = RewardEnsemble.fromSaved(dir, observationSpace, actionSpace);
  assert.ok(Math.abs(loaded.predict(turned, action)[0] - before) < 1e-4);
  for (const r of [reward, plain, loaded]) r.dispose();
});

test("train --periodic-angles gives the run's reward model the env's periodic columns", () => {
  const run = join(mkdtempSync(join(tmpdir(), "backflip-periodic-")), "run");
  const r = backflip(
    ...["train", "--env", "Hopper-v5", "--teacher", "goal:backflip", "--periodic-angles"],
    ...["--labels", "4", "--steps", "2048", "--eval-episodes", "1", "--run", run],
  );
  assert.equal(r.code, 0, r.stderr);
  const state = JSON.parse(readFileSync(join(run, "reward", "reward.json"), "utf8"));
  assert.deepEqual(state.config.periodicObs, [1]);
  assert.equal(JSON.parse(readFileSync(join(run, "config.json"), "utf8")).periodicAngles, true);
});
