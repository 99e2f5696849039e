/**
 * Envs from MJCF files (src/envs/mujoco/mjcf_file.ts): the example arm's spaces, action scaling,
 * zero reward, horizon, signals, scene, VecEnv; a free-root model without its x, y; MuJoCo's own
 * messages for broken models; and a short goal-taught run on the arm.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import touchGoal, { fingertipDistances, touchScore } from "../../examples/arm/touch_goal.ts";
import type { Clip } from "../../src/core/types.ts";
import { makeEnv, makeVecEnv } from "../../src/envs/index.ts";
import {
  checkWellFormed,
  geomPoses,
  isMujocoEnvId,
  type MjcfEnv,
  registerMjcfEnv,
  sceneDescription,
} from "../../src/envs/mujoco/index.ts";
import { buildLoop } from "../../src/loop/build_loop.ts";
import { writeConfig } from "../../src/loop/preference_loop.ts";
import { ppoPreset } from "../../src/rl/presets.ts";
import { registerGoal } from "../../src/teachers/goals/index.ts";
import { config, openRun } from "../loop/helpers.ts";

const ARM = join(import.meta.dirname, "../../examples/arm/arm.xml");
const tmp = mkdtempSync(join(tmpdir(), "backflip-mjcf-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

function writeModel(name: string, xml: string): string {
  const path = join(tmp, name);
  writeFileSync(path, xml);
  return path;
}

test("the arm loads: 2 joints and 2 actuators give obs 4 (qpos, qvel) and a [−1, 1]² action box", async () => {
  const id = await registerMjcfEnv(ARM);
  assert.equal(id, "arm-mjcf-v0");
  assert.equal(await registerMjcfEnv(ARM), id, "same path and options: same id");
  assert.ok(isMujocoEnvId(id));
  const env = makeEnv(id) as MjcfEnv;
  assert.equal(env.observationSpace.kind, "box");
  assert.deepEqual(env.observationSpace.shape, [4]);
  assert.deepEqual(Array.from(env.actionSpace.low), [-1, -1]);
  assert.deepEqual(Array.from(env.actionSpace.high), [1, 1]);
  assert.equal(env.spec.dt, 0.04, "timestep 0.01 × frame skip 4");
  assert.equal(env.spec.maxEpisodeSteps, 1000);
  const obs = env.reset(3);
  assert.deepEqual(Array.from(env.reset(3)), Array.from(obs), "a seed fixes the reset");
  const { qpos, qvel } = env.sim.state();
  assert.deepEqual(Array.from(obs), [...qpos, ...qvel].map(Math.fround));
  env.close();
});

test("actions are clipped and scaled onto each actuator's ctrlrange; the reward is 0", async () => {
  const env = makeEnv(await registerMjcfEnv(ARM)) as MjcfEnv;
  env.reset(1);
  // shoulder ctrlrange [−1, 1], elbow [−0.6, 0.6]
  const cases: [number[], number[]][] = [
    [
      [1, 1],
      [1, 0.6],
    ],
    [
      [-1, -1],
      [-1, -0.6],
    ],
    [
      [0.5, -0.5],
      [0.5, -0.3],
    ],
    [
      [3, -7],
      [1, -0.6],
    ],
  ];
  for (const [action, ctrl] of cases) {
    const step = env.step(action);
    assert.equal(step.reward, 0);
    assert.equal(step.terminated, false);
    const got = Array.from(env.ctrl());
    for (let i = 0; i < ctrl.length; i++)
      assert.ok(Math.abs(got[i] - ctrl[i]) < 1e-12, `${action} → ${got}`);
  }
  env.close();

  // An asymmetric range and an unlimited actuator (which gets the clipped action as ctrl).
  const path = writeModel(
    "ranges.xml",
    `<mujoco><worldbody><body><joint name="a" type="slide"/><joint name="b" axis="0 1 0"/><geom size=".1"/></body></worldbody>
     <actuator><motor joint="a" ctrlrange="2 6"/><motor joint="b"/></actuator></mujoco>`,
  );
  const e2 = makeEnv(await registerMjcfEnv(path)) as MjcfEnv;
  e2.reset(0);
  e2.step([0, 0.25]);
  assert.deepEqual(Array.from(e2.ctrl()), [4, 0.25]);
  e2.step([-1, 2]);
  assert.deepEqual(Array.from(e2.ctrl()), [2, 1]);
  e2.close();
});

test("the horizon option truncates the episode; frameSkip sets dt; other options get another id", async () => {
  const id = await registerMjcfEnv(ARM, { horizon: 5, frameSkip: 2 });
  assert.notEqual(id, "arm-mjcf-v0");
  assert.match(id, /^arm-mjcf-v\d+$/);
  const env = makeEnv(id);
  assert.equal(env.spec.dt, 0.02);
  env.reset(0);
  const flags: boolean[] = [];
  for (let i = 0; i < 5; i++) flags.push(env.step([0, 0]).truncated);
  assert.deepEqual(flags, [false, false, false, false, true]);
  env.close();
});

test("another file with the same name gets its own id", async () => {
  const dir = join(tmp, "other");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "arm.xml");
  writeFileSync(
    path,
    `<mujoco><worldbody><body><joint name="j"/><geom size=".1"/></body></worldbody>
     <actuator><motor joint="j" ctrlrange="-1 1"/></actuator></mujoco>`,
  );
  const id = await registerMjcfEnv(path);
  assert.match(id, /^arm-mjcf-v\d+$/);
  assert.notEqual(id, await registerMjcfEnv(ARM));
  assert.equal((makeEnv(id) as MjcfEnv).actSize, 1);
});

test("excludeRootXY drops a free root's x and y (and only those)", async () => {
  const path = writeModel(
    "ball.xml",
    `<mujoco><worldbody><geom type="plane" size="1 1 .1"/>
       <body name="ball" pos="0.3 -0.2 0.5"><freejoint/><geom size=".05"/>
         <body pos="0 0 .1"><joint name="h" axis="0 1 0"/><geom size=".02"/></body></body>
     </worldbody><actuator><motor joint="h" ctrlrange="-1 1"/></actuator></mujoco>`,
  );
  const full = makeEnv(await registerMjcfEnv(path)) as MjcfEnv;
  const noXY = makeEnv(await registerMjcfEnv(path, { excludeRootXY: true })) as MjcfEnv;
  assert.equal(full.reset(0).length, 8 + 7, "nq 8 + nv 7");
  const obs = noXY.reset(0);
  assert.equal(obs.length, 6 + 7);
  const { qpos } = noXY.sim.state();
  assert.ok(Math.abs(qpos[0] - 0.3) < 1e-9 && Math.abs(qpos[1] + 0.2) < 1e-9);
  assert.deepEqual(Array.from(obs.subarray(0, 6)), Array.from(qpos.subarray(2)).map(Math.fround));
  full.close();
  noXY.close();
});

test("the arm's sites are signals, its frames are qpos, and the scene and poses draw it", async () => {
  const id = await registerMjcfEnv(ARM);
  const env = makeEnv(id);
  env.reset(2);
  const step = env.step([0.3, 0.3]);
  const s = step.info.signals ?? {};
  assert.deepEqual(Object.keys(s).sort(), [
    "site.fingertip.x",
    "site.fingertip.y",
    "site.fingertip.z",
    "site.target.x",
    "site.target.y",
    "site.target.z",
  ]);
  // Forward kinematics by hand: links of 0.15 m and 0.12 m.
  const frame = env.frame();
  assert.equal(frame.kind, "mujoco");
  if (frame.kind !== "mujoco") return;
  const [q1, q2] = frame.qpos;
  const x = 0.15 * Math.cos(q1) + 0.12 * Math.cos(q1 + q2);
  const y = 0.15 * Math.sin(q1) + 0.12 * Math.sin(q1 + q2);
  assert.ok(
    Math.abs(s["site.fingertip.x"] - x) < 1e-4 && Math.abs(s["site.fingertip.y"] - y) < 1e-4,
  );
  assert.deepEqual([s["site.target.x"], s["site.target.y"]], [0.05, 0.2]);

  const scene = sceneDescription(id);
  assert.equal(scene.envId, id);
  assert.equal(scene.nq, 2);
  assert.equal(scene.dt, 0.04);
  assert.deepEqual(scene.view, { trackBodyId: null, plane: "xy" });
  assert.deepEqual(
    scene.geoms.map((g) => g.name),
    ["table", "base", "target", "upper_arm", "forearm", "fingertip"],
  );
  assert.deepEqual(scene.movingGeomIds, [3, 4, 5]);
  const poses = geomPoses(id, [frame]);
  const tip = poses.geomIds.indexOf(5);
  assert.ok(
    Math.abs(poses.xpos[3 * tip] - x) < 1e-3 && Math.abs(poses.xpos[3 * tip + 1] - y) < 1e-3,
  );
  env.close();
});

test("makeVecEnv steps several arms and resets each at its horizon", async () => {
  const id = await registerMjcfEnv(ARM, { horizon: 3 });
  const venv = makeVecEnv(id, 3);
  const obs = venv.reset(10);
  assert.equal(obs.length, 12);
  let last = venv.step(new Float32Array(6).fill(0.5));
  assert.equal(last.infos[2].signals?.["site.target.x"], 0.05);
  last = venv.step(new Float32Array(6).fill(0.5));
  last = venv.step(new Float32Array(6).fill(0.5));
  assert.deepEqual(Array.from(last.truncated), [1, 1, 1]);
  assert.deepEqual(Array.from(last.rewards), [0, 0, 0]);
  assert.ok(last.finalObs.every((o) => o !== null && o.length === 4));
  assert.equal(venv.frame(1).kind, "mujoco");
  venv.close();
});

test("a broken model throws MuJoCo's own message with the file and line", async () => {
  const body = (inner: string) =>
    `<mujoco>\n  <worldbody>\n    <body>\n      <joint/>\n      ${inner}\n    </body>\n  </worldbody>\n</mujoco>\n`;
  const cases: [string, string, RegExp][] = [
    [
      "unclosed.xml",
      body('<geom size="0.1">'),
      /unclosed\.xml:5: XML is not well formed: <geom> is not closed: <\/body> on line 6 comes first/,
    ],
    [
      "mismatched.xml",
      `<mujoco>\n  <worldbody>\n    <body>\n      <geom size="0.1"/>\n  </worldbody>\n</mujoco>\n`,
      /mismatched\.xml:3: .*<body> is not closed: <\/worldbody> on line 5 comes first/,
    ],
    [
      "attribute.xml",
      body('<geom size="0.1" colour="1 0 0 1"/>'),
      /attribute\.xml:5: XML Error: Schema violation: unrecognized attribute: 'colour'; Element 'geom', line 5/,
    ],
    [
      "number.xml",
      body('<geom size="0.1x"/>'),
      /number\.xml:5: XML Error: bad format in attribute 'size'/,
    ],
    [
      "global.xml",
      `<mujoco>\n  <compiler coordinate="global"/>\n</mujoco>\n`,
      /global\.xml:2: XML Error: global coordinates no longer supported/,
    ],
    [
      "target.xml",
      `<mujoco>\n<worldbody><body><joint name="j"/><geom size=".1"/></body></worldbody>\n<actuator>\n  <motor joint="nope"/>\n</actuator>\n</mujoco>`,
      /target\.xml:4: Error: unknown transmission target 'nope'/,
    ],
    [
      "unquoted.xml",
      body("<geom size=0.1/>"),
      /unquoted\.xml:5: .*attribute 'size' in <geom> is not quoted/,
    ],
  ];
  for (const [name, xml, expected] of cases) {
    const path = writeModel(name, xml);
    await assert.rejects(registerMjcfEnv(path), (e: Error) => {
      assert.match(e.message, expected, e.message);
      return true;
    });
  }
  await assert.rejects(
    registerMjcfEnv(join(tmp, "missing.xml")),
    /missing\.xml: no such MJCF file/,
  );
  // The module still works after the errors.
  assert.equal(makeEnv(await registerMjcfEnv(ARM)).reset(0).length, 4);
});

test("the well-formedness check accepts comments, declarations and the example", () => {
  assert.equal(checkWellFormed(readFileSync(ARM, "utf8")), null);
  assert.equal(
    checkWellFormed(`<?xml version="1.0"?>\n<!-- a <b> -->\n<a x='1' y="2"><b/></a>`),
    null,
  );
  assert.deepEqual(checkWellFormed(`<a>\n<b x="1" x="2"/></a>`), {
    line: 2,
    message: "attribute 'x' appears twice in <b>",
  });
});

test("the touch goal scores reaching and staying above passing by", () => {
  const clip = (tip: [number, number][]): Clip => ({
    id: "c",
    envId: "arm-mjcf-v0",
    obs: new Float32Array(tip.length * 4),
    obsSize: 4,
    actions: new Float32Array(tip.length * 2),
    actSize: 2,
    rewards: new Float32Array(tip.length),
    signals: {
      "site.fingertip.x": Float32Array.from(tip.map((p) => p[0])),
      "site.fingertip.y": Float32Array.from(tip.map((p) => p[1])),
      "site.target.x": new Float32Array(tip.length).fill(0.05),
      "site.target.y": new Float32Array(tip.length).fill(0.2),
    },
    frames: [],
    policyVersion: 0,
    envStep: 0,
  });
  const sum = (a: Float32Array) => a.reduce((s, x) => s + x, 0);
  const stays = clip([
    [0.15, 0.2],
    [0.1, 0.2],
    [0.05, 0.2],
    [0.05, 0.2],
    [0.05, 0.2],
  ]);
  const passes = clip([
    [0.15, 0.2],
    [0.1, 0.2],
    [0.05, 0.2],
    [0.0, 0.2],
    [-0.05, 0.2],
  ]);
  assert.ok(Math.abs(fingertipDistances(stays)[0] - 0.1) < 1e-6);
  assert.ok(sum(touchScore(stays)) > sum(touchScore(passes)));
  assert.equal(touchGoal.name, "arm-touch");
  assert.throws(
    () => touchScore({ ...stays, signals: {} }),
    /needs clips with signals site\.fingertip/,
  );
});

test("the preference loop runs on the arm with its goal as teacher (quick check; figures in experiments/arm_touch.ts)", async () => {
  const id = await registerMjcfEnv(ARM, { horizon: 50 });
  registerGoal(touchGoal.name, touchGoal.scorer);
  const c = config({
    envId: id,
    evalEnvId: id,
    evalEpisodes: 2,
    teacher: `goal:${touchGoal.name}`,
    labels: 12,
    steps: 4_096,
    clipSteps: 25,
    seed: 1,
    ppo: { ...ppoPreset(id), nSteps: 512 },
  });
  const { dir, store } = await openRun();
  writeConfig(dir, c);
  const loop = buildLoop(c, dir, store);
  try {
    const result = await loop.run();
    assert.ok(result.labels >= 12, `labels ${result.labels}`);
    assert.equal(result.evalReturn.measure, `goal:${touchGoal.name}`);
    assert.ok(Number.isFinite(result.evalReturn.mean) && result.evalReturn.mean < 0);
  } finally {
    loop.dispose();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
