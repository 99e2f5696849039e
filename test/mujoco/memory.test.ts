/**
 * Many MjData in one wasm instance, stepped for a long time: neither the wasm heap nor the JS
 * heap may grow. InvertedPendulum is the cheapest env (two RK4 substeps of a 2-dof model).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { makeMujocoEnv } from "../../src/envs/mujoco/envs.ts";
import { wasmHeapBytes } from "../../src/envs/mujoco/loader.ts";
import { MujocoVecEnv } from "../../src/envs/mujoco/vec_env.ts";
import { Rng } from "./helpers.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function jsHeapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test("10^6 env steps of a 16-env InvertedPendulum VecEnv: wasm and JS heaps stay flat", () => {
  const numEnvs = 16;
  const vec = MujocoVecEnv.ofTask("InvertedPendulum-v5", numEnvs);
  vec.reset(0);
  const rng = new Rng(0);
  const actions = new Float32Array(numEnvs);
  const run = (vecSteps: number) => {
    let episodes = 0;
    for (let t = 0; t < vecSteps; t++) {
      for (let i = 0; i < numEnvs; i++) actions[i] = rng.uniform(-3, 3);
      const r = vec.step(actions);
      for (let i = 0; i < numEnvs; i++) episodes += r.terminated[i] | r.truncated[i];
    }
    return episodes;
  };
  run(2000); // warm up the JIT and every allocation path
  const wasm0 = wasmHeapBytes();
  const js0 = jsHeapAfterGc();
  const vecSteps = 1_000_000 / numEnvs;
  const episodes = run(vecSteps);
  const wasm1 = wasmHeapBytes();
  const js1 = jsHeapAfterGc();
  vec.close();
  assert.ok(episodes > 10_000, `${episodes} episodes (autoreset exercised)`);
  assert.equal(wasm1, wasm0, "wasm heap grew");
  assert.ok(js1 - js0 < 4 * 1024 * 1024, `JS heap grew by ${((js1 - js0) / 1024).toFixed(0)} KiB`);
});

test("making and closing 500 Ant envs reuses the wasm heap", () => {
  const rng = new Rng(1);
  const cycle = () => {
    const envs = Array.from({ length: 50 }, () => makeMujocoEnv("Ant-v5"));
    for (const env of envs) {
      env.reset(rng.nextU32());
      env.step(new Float32Array(8));
      env.close();
    }
  };
  cycle();
  const wasm0 = wasmHeapBytes();
  for (let k = 0; k < 10; k++) cycle();
  assert.equal(wasmHeapBytes(), wasm0);
});
