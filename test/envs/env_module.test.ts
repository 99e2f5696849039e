import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import {
  EnvSourceError,
  isEnvSourcePath,
  loadEnvModule,
  loadEnvSource,
  makeEnv,
  sampleClip,
} from "../../src/envs/index.ts";
import { getGoal, loadGoalModule, makeTeacher } from "../../src/teachers/index.ts";

const fixtures = join(import.meta.dirname, "..", "fixtures");
const dir = mkdtempSync(join(tmpdir(), "backflip-env-module-"));

/** A self-contained env module (plain JavaScript) in a temporary folder; `body` edits it. */
function envFile(name: string, body: (src: string) => string = (s) => s): string {
  const src = `
const box = (low, high) => ({ kind: "box", shape: [low.length], low: Float32Array.from(low), high: Float32Array.from(high) });
export default (options) => {
  let x = 0;
  return {
    spec: { id: "ID", maxEpisodeSteps: 5, fps: 10 },
    observationSpace: box([-9, -9], [9, 9]),
    actionSpace: { kind: "discrete", n: 3 },
    reset: () => { x = 0; return [x, 0]; },
    step: (a) => { x += a[0] - 1; return { obs: [x, 1], reward: x, terminated: false, truncated: false }; },
    frame: () => ({ kind: "mountaincar", position: x, force: 0 }),
    close: () => {},
  };
};`;
  const path = join(dir, `${name}.mjs`);
  writeFileSync(path, body(src.replace('"ID"', JSON.stringify(name))));
  return path;
}

async function refused(path: string, message: RegExp) {
  await assert.rejects(loadEnvModule(path), (error: Error) => {
    assert.ok(error instanceof EnvSourceError, String(error));
    assert.match(error.message, message);
    return true;
  });
}

test("a good module is probed, registered under its spec.id, and loading it again is a no-op", async () => {
  const path = join(fixtures, "point_env.ts");
  const info = await loadEnvModule(path);
  const sha256 = createHash("sha256").update(readFileSync(path)).digest("hex");
  assert.deepEqual(info, { envId: "TestPoint-v0", path: resolve(path), sha256 });
  assert.deepEqual(await loadEnvModule(path), info);
  const env = makeEnv("TestPoint-v0");
  assert.equal(env.reset(0).length, 2);
  const r = env.step([1]);
  assert.ok(r.obs instanceof Float32Array && Number.isFinite(r.reward));
  assert.equal(env.frame().kind, "mountaincar");
  env.close();
  const clip = sampleClip("TestPoint-v0", 12);
  assert.equal(clip.rewards.length, 12);
  assert.equal(clip.signals?.x.length, 12);
});

test("a factory returning plain arrays and no info gets Float32Array obs and an info object", async () => {
  const { envId } = await loadEnvModule(envFile("PlainArrays-v0"));
  const env = makeEnv(envId);
  assert.equal(env.spec.dt, 0.1, "dt defaults to 1 / fps");
  assert.ok(env.reset(3) instanceof Float32Array);
  const r = env.step([2]);
  assert.ok(r.obs instanceof Float32Array);
  assert.deepEqual(r.info, {});
  assert.equal(isEnvSourcePath("my_env.ts"), true);
  assert.equal(isEnvSourcePath("CartPole-v1"), false);
});

test("a .ts module in a folder that Node takes for CommonJS loads too", async () => {
  const folder = mkdtempSync(join(tmpdir(), "backflip-cjs-"));
  writeFileSync(join(folder, "package.json"), '{ "name": "not-a-module-package" }');
  const path = join(folder, "cjs_env.ts");
  writeFileSync(
    path,
    readFileSync(envFile("CjsFolder-v0"), "utf8").replace("(options)", "(options: unknown)"),
  );
  const { envId } = await loadEnvModule(path);
  assert.equal(envId, "CjsFolder-v0");
  assert.equal(makeEnv(envId).reset(0).length, 2);
});

test("broken modules are refused with a message naming the file and the fault", async () => {
  await refused(
    join(fixtures, "bad_throws_env.ts"),
    /^bad_throws_env\.ts threw while loading: no simulator found$/,
  );
  await refused(
    join(fixtures, "bad_nan_env.ts"),
    /^bad_nan_env\.ts: `step` returned NaN in obs\[2\]$/,
  );
  await refused(
    join(fixtures, "bad_space_env.ts"),
    /^bad_space_env\.ts: `reset` returned 3 observation values; observationSpace says 4$/,
  );
  await refused(
    envFile("NoObs-v0", (s) => s.replace("obs: [x, 1], ", "")),
    /NoObs-v0\.mjs: `step` returned no `obs`/,
  );
  await refused(
    envFile("BadReward-v0", (s) => s.replace("reward: x", 'reward: "lots"')),
    /`step` returned a reward of "lots"; it must be a finite number/,
  );
  await refused(
    envFile("BadFlag-v0", (s) => s.replace("terminated: false", "terminated: 0")),
    /`step` returned `terminated` 0; it must be true or false/,
  );
  await refused(
    envFile("NoFps-v0", (s) => s.replace("fps: 10", "")),
    /`spec\.fps` must be a positive number/,
  );
  await refused(
    envFile("BadPeriodic-v0", (s) => s.replace("fps: 10", "fps: 10, periodicObs: [2]")),
    /`spec\.periodicObs` must list observation columns, integers in \[0, 2\) \(got \[2\]\)/,
  );
  await refused(
    envFile("NoFrame-v0", (s) => s.replace("frame: () =>", "frme: () =>")),
    /no `frame` method/,
  );
  await refused(envFile("CartPole-v1"), /env id 'CartPole-v1' is a built-in env's/);
  await refused(
    envFile("Default-v0", (s) => s.replace("export default", "export const env =")),
    /has no default export/,
  );
  await assert.rejects(loadEnvSource(join(dir, "missing.ts")), /missing\.ts: no such file/);
});

test("a goal module is registered under its name, checked, and usable as goal:<name>", async () => {
  const info = await loadGoalModule(join(fixtures, "point_goal.ts"));
  assert.equal(info.name, "test-point-left");
  assert.equal(info.rubric, "Prefer the clip whose point is further left.");
  assert.match(info.sha256, /^[0-9a-f]{64}$/);
  const clip = sampleClip("TestPoint-v0", 5);
  assert.equal(getGoal("test-point-left")(clip).length, 5);
  assert.ok(makeTeacher("goal:test-point-left"));
  const goal = (name: string, scorer: string) => {
    const path = join(dir, `${name}.mjs`);
    writeFileSync(path, `export default { name: ${JSON.stringify(name)}, scorer: ${scorer} };`);
    return path;
  };
  await assert.rejects(
    loadGoalModule(goal("backflip", "() => []")),
    /backflip\.mjs: goal 'backflip' is a built-in goal's name/,
  );
  await assert.rejects(
    loadGoalModule(goal("no-scorer", "42")),
    /no-scorer\.mjs: `scorer` must be a function/,
  );
  await loadGoalModule(goal("short", "() => [1]"));
  assert.throws(
    () => getGoal("short")(clip),
    /short\.mjs: `scorer` returned 1 scores for a clip of 5 steps/,
  );
  await loadGoalModule(goal("nan", "(c) => c.rewards.map(() => NaN)"));
  assert.throws(() => getGoal("nan")(clip), /nan\.mjs: `scorer` returned NaN at step 0/);
});

test("the docs' HalfCheetah goal module scores −x velocity per step", async () => {
  const info = await loadGoalModule(
    join(fixtures, "..", "..", "examples", "halfcheetah_backwards.ts"),
  );
  assert.equal(info.name, "halfcheetah-backwards");
  const clip = sampleClip("HalfCheetah-pref-v5", 6);
  const scores = getGoal("halfcheetah-backwards")(clip);
  const velocity = clip.signals?.x_velocity as Float32Array;
  assert.deepEqual(
    [...scores],
    [...velocity].map((v) => Math.fround(-v)),
  );
});
