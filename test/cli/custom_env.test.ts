import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { backflip, refusedTrain, root } from "./helpers.ts";

/** The last line of stdout, as JSON (`--json`). */
function lastJson(stdout: string) {
  return JSON.parse(stdout.trim().split("\n").at(-1) as string);
}

test("an env module taught by a goal module: train, eval and resume through the CLI", () => {
  const run = join(mkdtempSync(join(tmpdir(), "backflip-custom-")), "run");
  const train = backflip(
    "train",
    "--env",
    "test/fixtures/point_env.ts",
    "--teacher",
    "goal:./test/fixtures/point_goal.ts",
    "--labels",
    "10",
    "--steps",
    "2000",
    "--eval-episodes",
    "3",
    "--json",
    "--run",
    run,
  );
  assert.equal(train.code, 0, train.stderr);
  assert.equal(lastJson(train.stdout).env, "TestPoint-v0");
  const config = JSON.parse(readFileSync(join(run, "config.json"), "utf8"));
  assert.equal(config.envId, "TestPoint-v0");
  assert.equal(config.teacher, "goal:test-point-left");
  assert.equal(config.envSource.kind, "module");
  assert.equal(config.envSource.path, join(root, "test/fixtures/point_env.ts"));
  assert.match(config.envSource.sha256, /^[0-9a-f]{64}$/);
  assert.equal(config.goalSource.path, join(root, "test/fixtures/point_goal.ts"));
  assert.equal(config.rubric, "Prefer the clip whose point is further left.");

  const evaluated = backflip("eval", run, "--episodes", "2", "--json");
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const result = lastJson(evaluated.stdout);
  assert.equal(result.env, "TestPoint-v0");
  assert.equal(result.measure, "goal:test-point-left");

  const resumed = backflip("resume", run, "--steps", "4200", "--json");
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.ok(lastJson(resumed.stdout).steps >= 4200);

  const described = backflip("envs", "--describe", "test/fixtures/point_env.ts", "--json");
  assert.equal(described.code, 0, described.stderr);
  const info = lastJson(described.stdout);
  assert.equal(info.id, "TestPoint-v0");
  assert.equal(info.frameKind, "mountaincar");
  assert.deepEqual(info.observationSpace.shape, [2]);
});

test("resume refuses a changed env module unless --allow-changed-env", () => {
  const folder = mkdtempSync(join(tmpdir(), "backflip-custom-"));
  const module = join(folder, "line_env.mjs");
  // Plain JavaScript with no imports, whose reward the oracle judges by.
  writeFileSync(
    module,
    `const box = (low, high) => ({ kind: "box", shape: [low.length], low: Float32Array.from(low), high: Float32Array.from(high) });
export default class LineEnv {
  spec = { id: "TestLine-v0", maxEpisodeSteps: 30, fps: 20 };
  observationSpace = box([-20], [20]);
  actionSpace = box([-1], [1]);
  x = 0; t = 0;
  reset() { this.x = 0; this.t = 0; return Float32Array.of(this.x); }
  step(a) {
    this.x = Math.max(-20, Math.min(20, this.x + a[0]));
    this.t += 1;
    return { obs: Float32Array.of(this.x), reward: this.x, terminated: false, truncated: this.t >= 30, info: {} };
  }
  frame() { return { kind: "mountaincar", position: this.x, force: 0 }; }
  close() {}
}
`,
  );
  const run = join(folder, "run");
  const train = backflip(
    "train",
    "--env",
    module,
    "--teacher",
    "oracle",
    "--labels",
    "6",
    "--steps",
    "1000",
    "--eval-episodes",
    "2",
    "--json",
    "--run",
    run,
  );
  assert.equal(train.code, 0, train.stderr);
  appendFileSync(module, "// edited\n");
  const refusedResume = backflip("resume", run, "--steps", "3000", "--json");
  assert.equal(refusedResume.code, 2, refusedResume.stderr);
  assert.match(
    refusedResume.stderr,
    /line_env\.mjs changed since the run started \(sha256 [0-9a-f]{12}…, now [0-9a-f]{12}…\); pass --allow-changed-env to use it anyway/,
  );
  const allowed = backflip("resume", run, "--steps", "3000", "--json", "--allow-changed-env");
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.match(allowed.stderr, /line_env\.mjs changed since the run started/);
});

test("a module that throws, returns NaN obs or breaks its spaces is refused: exit 2, no run folder", () => {
  const cases: [string, RegExp][] = [
    ["bad_throws_env.ts", /--env: bad_throws_env\.ts threw while loading: no simulator found/],
    ["bad_nan_env.ts", /--env: bad_nan_env\.ts: `step` returned NaN in obs\[2\]/],
    [
      "bad_space_env.ts",
      /--env: bad_space_env\.ts: `reset` returned 3 observation values; observationSpace says 4/,
    ],
  ];
  for (const [file, message] of cases) {
    const r = refusedTrain("--env", `test/fixtures/${file}`, "--teacher", "oracle");
    assert.match(r.stderr, message);
  }
  const goal = refusedTrain(
    "--env",
    "test/fixtures/point_env.ts",
    "--teacher",
    "goal:./test/fixtures/nope.ts",
  );
  assert.match(goal.stderr, /--teacher: nope\.ts: no such file/);
  const skip = refusedTrain(
    "--env",
    "test/fixtures/point_env.ts",
    "--teacher",
    "human",
    "--frame-skip",
    "2",
  );
  assert.match(skip.stderr, /--frame-skip is for --env FILE\.xml \(an MJCF model\) only/);
});

test("an MJCF model has no reward, so oracle and noisy are refused; a bad model gets MuJoCo's message", () => {
  const folder = mkdtempSync(join(tmpdir(), "backflip-custom-"));
  const xml = join(folder, "slider.xml");
  writeFileSync(
    xml,
    `<mujoco>
  <worldbody>
    <body name="cart">
      <joint name="slide" type="slide" axis="1 0 0"/>
      <geom type="box" size="0.1 0.1 0.1"/>
    </body>
  </worldbody>
  <actuator><motor joint="slide" ctrlrange="-1 1"/></actuator>
</mujoco>
`,
  );
  for (const teacher of ["oracle", "noisy"]) {
    const r = refusedTrain("--env", xml, "--teacher", teacher);
    assert.match(
      r.stderr,
      new RegExp(`--teacher ${teacher}: slider\\.xml is an MJCF model, whose env has no reward`),
    );
  }
  const bad = join(folder, "bad.xml");
  writeFileSync(
    bad,
    `<mujoco>\n  <worldbody>\n    <geom type="sphere" size="0.1" colour="red"/>\n  </worldbody>\n</mujoco>\n`,
  );
  const r = refusedTrain("--env", bad, "--teacher", "human");
  assert.match(r.stderr, /--env: .*bad\.xml.*colour/);
});
