/**
 * The browser's MuJoCo renderer computes geom poses from qpos with its own forward kinematics
 * (web/render/mujoco.js, `kinematics` and `geomPose`). This runs that code in Chromium for all
 * eight built-in tasks at their qpos0 and at random qpos (every joint moved: slides, hinges over
 * a full turn, ball and free joints to random orientations) and compares each moving geom's
 * position and orientation with MuJoCo's own geom_xpos / geom_xmat after mj_forward.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { MUJOCO_ENV_IDS, mujocoEnvClass } from "../../src/envs/mujoco/envs.ts";
import { compiledModel, mujoco } from "../../src/envs/mujoco/loader.ts";
import { type SceneDescription, sceneDescription } from "../../src/envs/mujoco/scene.ts";
import { Sim } from "../../src/envs/mujoco/sim.ts";
import {
  buildRun,
  launchBrowser,
  type RunningServer,
  startServer,
  type TestRun,
} from "../browser/harness.ts";
import { Rng } from "./helpers.ts";

/** The scene description rounds body and geom frames to 1e-6; the chains add a little. */
const TOLERANCE = 1e-5;
const RANDOM_QPOS = 4;

let browser: Browser;
let run: TestRun;
let server: RunningServer;
let page: Page;

before(async () => {
  browser = await launchBrowser();
  run = await buildRun({ queries: 0 });
  server = await startServer(run);
  page = await browser.newPage();
  // Any page of the server will do: the test imports the renderer module into it.
  await page.goto(`${server.url}/dashboard.html`);
});
after(async () => {
  await browser?.close();
  await server?.close();
  await run?.cleanup();
});

/** A qpos with every joint moved at random from qpos0. */
function randomQpos(scene: SceneDescription, rng: Rng): number[] {
  const q = [...scene.qpos0];
  const unitQuat = (at: number) => {
    const v = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    const n = Math.hypot(...v);
    for (let i = 0; i < 4; i++) q[at + i] = v[i] / n;
  };
  for (const j of scene.joints) {
    const a = j.qposAdr;
    if (j.type === "free") {
      for (let i = 0; i < 3; i++) q[a + i] = rng.uniform(-2, 2);
      unitQuat(a + 3);
    } else if (j.type === "ball") {
      unitQuat(a);
    } else if (j.type === "hinge") {
      q[a] += rng.uniform(-Math.PI, Math.PI);
    } else {
      q[a] += rng.uniform(-1, 1);
    }
  }
  return q;
}

/** The moving geoms' world poses from the browser renderer: per qpos, per geom [x, y, z, qx, qy, qz, qw]. */
function rendererPoses(scene: SceneDescription, qposList: number[][]): Promise<number[][][]> {
  return page.evaluate(
    async ({ scene, qposList }) => {
      const mod = await import("/render/mujoco.js" as string);
      const THREE = await import("/vendor/three.module.js" as string);
      const kin = mod.kinematics(scene);
      const pos = new THREE.Vector3();
      const quat = new THREE.Quaternion();
      const out: number[][][] = [];
      for (const qpos of qposList) {
        const bodies = kin.run(qpos);
        const poses: number[][] = [];
        for (const id of scene.movingGeomIds) {
          mod.geomPose(scene.geoms[id], bodies, pos, quat);
          poses.push([pos.x, pos.y, pos.z, quat.x, quat.y, quat.z, quat.w]);
        }
        out.push(poses);
      }
      return out;
    },
    { scene, qposList },
  );
}

/** Row-major rotation matrix of the unit quaternion (x, y, z, w). */
function quatToMat([x, y, z, w]: number[]): number[] {
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - z * w),
    2 * (x * z + y * w),
    2 * (x * y + z * w),
    1 - 2 * (x * x + z * z),
    2 * (y * z - x * w),
    2 * (x * z - y * w),
    2 * (y * z + x * w),
    1 - 2 * (x * x + y * y),
  ];
}

const TASK_IDS = MUJOCO_ENV_IDS.filter((id) => !id.includes("-pref-"));

test("there are eight built-in MuJoCo tasks", () => {
  assert.equal(TASK_IDS.length, 8, TASK_IDS.join(", "));
});

for (const envId of TASK_IDS) {
  test(`${envId}: the renderer's geom poses match MuJoCo's geom_xpos and geom_xmat`, async () => {
    const scene = sceneDescription(envId);
    const rng = new Rng(11);
    const qposList = [
      scene.qpos0,
      ...Array.from({ length: RANDOM_QPOS }, () => randomQpos(scene, rng)),
    ];
    const drawn = await rendererPoses(scene, qposList);

    const { task } = mujocoEnvClass(envId);
    const sim = new Sim(compiledModel(task.modelName, task.xml));
    try {
      let worst = 0;
      qposList.forEach((qpos, k) => {
        const h = sim.heap;
        for (let i = 0; i < sim.nq; i++) h[sim.qpos + i] = qpos[i];
        for (let i = 0; i < sim.nv; i++) h[sim.qvel + i] = 0;
        mujoco.mj_forward(sim.model, sim.data);
        const heap = sim.heap;
        scene.movingGeomIds.forEach((g, i) => {
          const pose = drawn[k][i];
          const mat = quatToMat(pose.slice(3));
          const name = scene.geoms[g].name || `geom ${g}`;
          for (let c = 0; c < 3; c++) {
            const err = Math.abs(pose[c] - heap[sim.geomXpos + 3 * g + c]);
            worst = Math.max(worst, err);
            assert.ok(err < TOLERANCE, `${name} at qpos ${k}: position ${c} off by ${err}`);
          }
          for (let c = 0; c < 9; c++) {
            const err = Math.abs(mat[c] - heap[sim.geomXmat + 9 * g + c]);
            worst = Math.max(worst, err);
            assert.ok(err < TOLERANCE, `${name} at qpos ${k}: xmat[${c}] off by ${err}`);
          }
        });
      });
      assert.ok(worst < TOLERANCE, `worst difference ${worst}`);
    } finally {
      sim.delete();
    }
  });
}
