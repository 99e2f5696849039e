/**
 * The package as another project gets it: `npm pack` (which builds dist/ through `prepack`),
 * installed into an empty folder with its dependencies, then used there three ways: the
 * `backflip` CLI through npx, the library from a plain `.mjs` script (Node alone, no tsx), and a
 * `.ts` file type-checked against the package's declarations. About 1–2 minutes, most of it
 * `npm install` (better-sqlite3 builds its native module when no prebuilt one can be fetched).
 */
import assert from "node:assert/strict";
import { type SpawnSyncOptions, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

const repo = join(import.meta.dirname, "..", "..");
const tsc = join(repo, "node_modules", ".bin", "tsc");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const npx = process.platform === "win32" ? "npx.cmd" : "npx";

// The test runner's variables would make a child `node` think it is a test file.
const env = { ...process.env };
delete env.NODE_TEST_CONTEXT;
delete env.NODE_OPTIONS;

let root = "";
let project = "";

function run(command: string, args: string[], options: SpawnSyncOptions & { cwd: string }) {
  const started = Date.now();
  const r = spawnSync(command, args, { encoding: "utf8", env, timeout: 240_000, ...options });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const out = { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr), seconds };
  const what = `${command} ${args.join(" ")} (${seconds} s)`;
  assert.equal(r.error, undefined, `${what}: ${r.error?.message}`);
  assert.equal(out.code, 0, `${what} exited ${out.code}:\n${out.stderr}\n${out.stdout}`);
  return out;
}

/** The last line of stdout that parses as a JSON object. */
function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n").reverse();
  for (const line of lines) {
    if (line.startsWith("{")) return JSON.parse(line) as Record<string, unknown>;
  }
  throw new Error(`no JSON line in:\n${stdout}`);
}

before(
  () => {
    root = mkdtempSync(join(tmpdir(), "backflip-pack-"));
    const packed = run(npm, ["pack", "--pack-destination", root], { cwd: repo });
    const tarballs = readdirSync(root).filter((f) => f.endsWith(".tgz"));
    assert.equal(tarballs.length, 1, `npm pack made ${tarballs.join(", ")}`);
    project = join(root, "project");
    mkdirSync(project);
    writeFileSync(
      join(project, "package.json"),
      `${JSON.stringify(
        {
          name: "consumer",
          private: true,
          type: "module",
          // npm 11 asks which dependencies may run install scripts: better-sqlite3 builds its
          // native module, esbuild (tsx's) fetches its binary.
          allowScripts: { "better-sqlite3": true, esbuild: true },
        },
        null,
        2,
      )}\n`,
    );
    const installed = run(
      npm,
      ["install", join(root, tarballs[0]), "--prefer-offline", "--no-audit", "--no-fund"],
      { cwd: project },
    );
    console.error(`npm pack ${packed.seconds} s, npm install ${installed.seconds} s`);
  },
  { timeout: 300_000 },
);

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

test("the tarball holds the built library and the CLI, not the tests", () => {
  const pkg = join(project, "node_modules", "backflip");
  for (const file of ["dist/index.js", "dist/index.d.ts", "bin/backflip.js", "src/cli/main.ts"])
    assert.ok(existsSync(join(pkg, file)), `${file} is in the package`);
  assert.ok(existsSync(join(pkg, "web", "index.html")), "the labelling page is in the package");
  assert.equal(existsSync(join(pkg, "test")), false);
});

test("npx backflip train runs from the installed package", { timeout: 120_000 }, () => {
  const runDir = join(root, "cli-run");
  const r = run(
    npx,
    [
      "--no-install",
      "backflip",
      "train",
      ...["--env", "Pendulum-v1", "--teacher", "oracle", "--labels", "20", "--steps", "4000"],
      ...["--eval-episodes", "5", "--json", "--run", runDir],
    ],
    { cwd: project },
  );
  const result = lastJson(r.stdout);
  assert.equal(result.env, "Pendulum-v1");
  assert.equal(result.labels, 20);
  assert.ok((result.steps as number) >= 4000);
  assert.equal(result.run, runDir);
  assert.ok(existsSync(join(runDir, "result.json")));
});

test("a plain .mjs script imports the library and trains", { timeout: 120_000 }, () => {
  const script = `import { makeEnv, registerEnv, train } from "backflip";

// A custom env, registered for this process.
registerEnv("Tiny-v0", () => {
  let t = 0;
  return {
    spec: { id: "Tiny-v0", maxEpisodeSteps: 20, fps: 20, dt: 0.05, preferenceReady: true },
    observationSpace: { kind: "box", shape: [1], low: Float32Array.of(-1), high: Float32Array.of(1) },
    actionSpace: { kind: "discrete", n: 2 },
    reset() { t = 0; return Float32Array.of(0); },
    step(action) {
      t++;
      return { obs: Float32Array.of(t / 20), reward: action[0], terminated: false, truncated: t >= 20, info: {} };
    },
    frame() { return { kind: "shapes", view: [0, 0, 1, 1], shapes: [] }; },
    close() {},
  };
});
const tiny = makeEnv("Tiny-v0");
tiny.reset(0);
const stepped = tiny.step([1]);
const pendulum = makeEnv("Pendulum-v1");
const result = await train({
  env: "Pendulum-v1",
  teacher: "oracle",
  labels: 20,
  steps: 4000,
  evalEpisodes: 5,
  run: process.argv[2],
});
console.log(JSON.stringify({
  tinyReward: stepped.reward,
  pendulumObs: pendulum.observationSpace.shape,
  steps: result.steps,
  labels: result.labels,
  evalEpisodes: result.evalReturn.episodes,
  run: result.run,
}));
`;
  writeFileSync(join(project, "sweep.mjs"), script);
  const runDir = join(root, "lib-run");
  const r = run(process.execPath, ["sweep.mjs", runDir], { cwd: project });
  const out = lastJson(r.stdout);
  assert.deepEqual(out, {
    tinyReward: 1,
    pendulumObs: [3],
    steps: out.steps,
    labels: 20,
    evalEpisodes: 5,
    run: runDir,
  });
  assert.ok((out.steps as number) >= 4000);
  // The library prints no progress bar and no report unless asked.
  assert.equal(r.stderr.includes("%"), false, r.stderr);
  assert.equal(r.stdout.trim().split("\n").length, 1, r.stdout);
});

test("a .ts file type-checks against the package's declarations", { timeout: 60_000 }, () => {
  writeFileSync(
    join(project, "check.ts"),
    `import {
  type Env,
  type Goal,
  makeEnv,
  PreferenceStore,
  registerEnv,
  registerGoal,
  resume,
  type RunResult,
  type TrainOptions,
  type TrainResult,
  train,
} from "backflip";

const options: TrainOptions = { env: "Pendulum-v1", teacher: "oracle", labels: 20, clipSteps: 10 };
const env: Env = makeEnv("Pendulum-v1");
const obs: Float32Array = env.reset(0);
const goal: Goal = { name: "still", scorer: (clip) => clip.obs.map((x) => -Math.abs(x)) };
registerGoal(goal);
registerEnv("Copy-v0", (o) => makeEnv("Pendulum-v1", o));
export async function main(): Promise<number> {
  const r: TrainResult = await train(options);
  const more: RunResult = await resume(r.run, { steps: 8000, progress: true });
  const store = await PreferenceStore.open(\`\${r.run}/store.sqlite\`);
  await store.close();
  // @ts-expect-error labels is a number
  await train({ env: "Pendulum-v1", labels: "20" });
  // @ts-expect-error no such option
  await train({ env: "Pendulum-v1", lables: 20 });
  return more.evalReturn.mean + obs.length;
}
`,
  );
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: true,
        noEmit: true,
      },
      files: ["check.ts"],
    }),
  );
  run(tsc, ["-p", "."], { cwd: project });
});
