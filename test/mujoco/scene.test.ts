import assert from "node:assert/strict";
import { test } from "node:test";
import type { Frame } from "../../src/core/types.ts";
import { MUJOCO_ENV_IDS, makeMujocoEnv } from "../../src/envs/mujoco/envs.ts";
import { geomPoses, mat2quat, sceneDescription } from "../../src/envs/mujoco/scene.ts";
import { Rng, randomAction } from "./helpers.ts";

test("the Hopper scene: world + 4 bodies in a chain, a floor plane and 4 capsules", () => {
  const s = sceneDescription("Hopper-v5");
  assert.equal(s.nq, 6);
  assert.equal(s.frameSkip, 4);
  assert.ok(Math.abs(s.dt - 0.008) < 1e-12);
  assert.deepEqual(
    s.bodies.map((b) => [b.name, b.parentId]),
    [
      ["world", 0],
      ["torso", 0],
      ["thigh", 1],
      ["leg", 2],
      ["foot", 3],
    ],
  );
  assert.deepEqual(
    s.geoms.map((g) => [g.name, g.type, g.bodyId]),
    [
      ["floor", "plane", 0],
      ["torso_geom", "capsule", 1],
      ["thigh_geom", "capsule", 2],
      ["leg_geom", "capsule", 3],
      ["foot_geom", "capsule", 4],
    ],
  );
  assert.deepEqual(s.geoms[4].size, [0.06, 0.195, 0]); // radius, half-length
  assert.deepEqual(s.geoms[0].rgba, [0.8, 0.9, 0.8, 1]);
  assert.deepEqual(s.movingGeomIds, [1, 2, 3, 4]);
  assert.deepEqual(
    s.joints.map((j) => [j.name, j.type, j.qposAdr]),
    [
      ["rootx", "slide", 0],
      ["rootz", "slide", 1],
      ["rooty", "hinge", 2],
      ["thigh_joint", "hinge", 3],
      ["leg_joint", "hinge", 4],
      ["foot_joint", "hinge", 5],
    ],
  );
  assert.deepEqual(s.qpos0, [0, 1.25, 0, 0, 0, 0]);
  assert.deepEqual(s.view, { trackBodyId: 1, plane: "xz" });
  assert.deepEqual(sceneDescription("Hopper-pref-v5").geoms, s.geoms);
});

test("every scene is plain JSON with well-formed bodies, joints and geoms", () => {
  for (const id of MUJOCO_ENV_IDS) {
    const s = sceneDescription(id);
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s, id);
    for (const b of s.bodies) {
      assert.ok(b.parentId <= b.id, `${id} body ${b.name}: parents come first`);
      assert.equal(b.pos.length, 3);
      assert.equal(b.quat.length, 4);
    }
    for (const g of s.geoms) {
      assert.ok(g.bodyId >= 0 && g.bodyId < s.bodies.length);
      assert.equal(g.size.length, 3);
      assert.equal(g.rgba.length, 4);
      assert.ok(
        ["plane", "sphere", "capsule", "cylinder", "box"].includes(g.type),
        `${id} ${g.name} ${g.type}`,
      );
    }
    const env = makeMujocoEnv(id);
    assert.equal(s.nq, env.sim.nq);
    env.close();
  }
});

test("geomPoses of a frame's qpos match MuJoCo's own geom poses", () => {
  for (const id of ["Hopper-v5", "Ant-v5", "HalfCheetah-v5", "Reacher-v5"]) {
    const env = makeMujocoEnv(id);
    const rng = new Rng(8);
    env.reset(8);
    for (let t = 0; t < 10; t++) env.step(randomAction(env, rng));
    env.sim.setState(env.sim.state().qpos); // mj_forward: poses of the current qpos
    const frame = env.frame();
    const poses = geomPoses(id, [frame, frame.kind === "mujoco" ? frame.qpos : []]);
    assert.equal(poses.steps, 2);
    const xpos = env.sim.data.geom_xpos as Float64Array;
    const xmat = env.sim.data.geom_xmat as Float64Array;
    const q = [0, 0, 0, 0];
    poses.geomIds.forEach((g, k) => {
      for (let c = 0; c < 3; c++) {
        assert.ok(Math.abs(poses.xpos[3 * k + c] - xpos[3 * g + c]) < 2e-4, `${id} geom ${g} pos`);
      }
      mat2quat(xmat, 9 * g, q);
      for (let c = 0; c < 4; c++)
        assert.ok(Math.abs(poses.xquat[4 * k + c] - q[c]) < 2e-4, `${id} geom ${g} quat`);
    });
    const n = poses.geomIds.length;
    assert.deepEqual(poses.xpos.slice(3 * n), poses.xpos.slice(0, 3 * n));
    env.close();
  }
});

test("mat2quat inverts a rotation matrix", () => {
  const [w, x, y, z] = [0.3, -0.5, 0.7, 0.2].map((v, _i, a) => v / Math.hypot(...a));
  const m = [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
  const q = [0, 0, 0, 0];
  mat2quat(m, 0, q);
  [w, x, y, z].forEach((v, i) => {
    assert.ok(Math.abs(q[i] - v) < 1e-12);
  });
});

test("a 1.5-s Hopper clip (188 frames) is under 16 KB of JSON", () => {
  const env = makeMujocoEnv("Hopper-pref-v5");
  const steps = Math.round(1.5 / env.spec.dt);
  assert.equal(steps, 188);
  const rng = new Rng(1);
  env.reset(1);
  const frames: Frame[] = [];
  for (let t = 0; t < steps; t++) {
    env.step(randomAction(env, rng));
    frames.push(env.frame());
  }
  const bytes = JSON.stringify(frames).length;
  const poseBytes = JSON.stringify(geomPoses("Hopper-pref-v5", frames)).length;
  console.log(`# 1.5-s Hopper clip: frames ${bytes} bytes, geomPoses ${poseBytes} bytes`);
  assert.ok(bytes < 16_000, `${bytes} bytes`);
  env.close();
});
