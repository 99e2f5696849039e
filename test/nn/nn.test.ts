import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  initMlp,
  type LossFn,
  loadSafetensors,
  type MlpSpec,
  mlp,
  mlpHost,
  np,
  optimizerFromTensors,
  optimizerTensors,
  saveSafetensors,
  Trainer,
} from "../../src/nn/index.ts";
import { liveBufferCounter } from "../../src/nn/live_buffers.ts";

const spec: MlpSpec = { sizes: [3, 32, 32, 1], activation: "tanh" };

const mseLoss: LossFn = (params, batch) => {
  const pred = mlp(params, "f", spec, batch.x);
  const err = np.square(pred.sub(batch.y));
  const loss = err.mean();
  return { loss, metrics: {} };
};

function regressionBatch(rng: Rng, n: number) {
  const x = new Float32Array(n * 3);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
    x.set([a, b, c], i * 3);
    y[i] = Math.sin(2 * a) + b * c;
  }
  return { x: { data: x, shape: [n, 3] }, y: { data: y, shape: [n, 1] } };
}

test("an MLP trained with Adam fits a smooth function", () => {
  const rng = new Rng(1);
  const trainer = new Trainer(initMlp(spec, rng, "f"), mseLoss, { lr: 3e-3 });
  const first = trainer.evaluate(regressionBatch(new Rng(99), 512)).loss;
  for (let i = 0; i < 400; i++) trainer.step(regressionBatch(rng, 64));
  const last = trainer.evaluate(regressionBatch(new Rng(99), 512)).loss;
  trainer.dispose();
  assert.ok(last < first * 0.1, `held-out loss fell from ${first} to ${last}`);
  assert.ok(last < 0.02, `held-out loss ${last}`);
});

test("2,000 training steps leave the number of live jax-js buffers flat", async () => {
  const live = await liveBufferCounter();
  const rng = new Rng(2);
  const trainer = new Trainer(initMlp(spec, rng, "f"), mseLoss, { lr: 1e-3, maxGradNorm: 0.5 });
  const predict = trainer.compile((p, inputs) => mlp(p, "f", spec, inputs.x));
  const batch = regressionBatch(rng, 64);
  for (let i = 0; i < 50; i++) trainer.step(batch);
  const before = live();
  for (let i = 0; i < 2000; i++) {
    trainer.step(batch);
    if (i % 100 === 0) {
      predict({ x: batch.x });
      void trainer.params;
      trainer.evaluate(batch);
    }
  }
  const after = live();
  assert.ok(before > 10, `the counter sees the trainer's buffers (${before})`);
  trainer.dispose();
  assert.ok(after - before <= 2, `live buffers went from ${before} to ${after}`);
  assert.ok(live() < before, "dispose frees the trainer's buffers");
});

test("the host MLP computes what the jax-js MLP computes", () => {
  const rng = new Rng(3);
  const params = initMlp(spec, rng, "f");
  const trainer = new Trainer(params, mseLoss, { lr: 1e-3 });
  const predict = trainer.compile((p, inputs) => mlp(p, "f", spec, inputs.x));
  const { x } = regressionBatch(rng, 16);
  const device = predict({ x });
  const host = mlpHost(trainer.params, "f", spec, x.data);
  trainer.dispose();
  assert.equal(host.length, 16);
  for (let i = 0; i < 16; i++)
    assert.ok(Math.abs(host[i] - device[i]) < 1e-5, `row ${i}: ${host[i]} vs ${device[i]}`);
});

test("orthogonal initialisation gives orthonormal columns scaled by the gain", () => {
  const p = initMlp({ sizes: [8, 4], activation: "tanh" }, new Rng(4), "g", { outGain: 2 });
  const w = p["g.0.w"].data; // 8×4
  for (let a = 0; a < 4; a++) {
    for (let b = 0; b < 4; b++) {
      let dot = 0;
      for (let r = 0; r < 8; r++) dot += w[r * 4 + a] * w[r * 4 + b];
      assert.ok(Math.abs(dot - (a === b ? 4 : 0)) < 1e-4, `columns ${a},${b}: ${dot}`);
    }
  }
});

test("safetensors files follow the published layout and round-trip exactly", () => {
  const params = initMlp({ sizes: [2, 3], activation: "relu" }, new Rng(5), "p");
  const dir = mkdtempSync(join(tmpdir(), "backflip-nn-"));
  const path = join(dir, "m.safetensors");
  saveSafetensors(path, params, { env: "Pendulum-v1" });
  const bytes = new Uint8Array(readFileSync(path));
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(headerLength % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  assert.deepEqual(header["p.0.b"], { dtype: "F32", shape: [3], data_offsets: [0, 12] });
  assert.deepEqual(header["p.0.w"], { dtype: "F32", shape: [2, 3], data_offsets: [12, 36] });
  assert.equal(header.__metadata__.env, "Pendulum-v1");
  const first = new DataView(bytes.buffer).getFloat32(8 + headerLength + 12, true);
  assert.equal(first, params["p.0.w"].data[0], "data is little-endian F32 in header order");
  const loaded = loadSafetensors(path);
  assert.deepEqual(loaded.params["p.0.w"].data, params["p.0.w"].data);
  assert.equal(loaded.metadata.env, "Pendulum-v1");
});

test("a truncated safetensors file is rejected with a clear error", () => {
  const bytes = encodeSafetensors({ a: { data: new Float32Array([1, 2]), shape: [2] } });
  assert.throws(
    () => decodeSafetensors(bytes.subarray(0, bytes.length - 4)),
    /does not match|past the end/,
  );
});

test("Adam's state leaves a trainer and returns into a fresh one, which then steps identically", () => {
  const rng = new Rng(6);
  const init = initMlp(spec, rng, "f");
  const a = new Trainer(init, mseLoss, { lr: 3e-3, maxGradNorm: 0.5 });
  for (let i = 0; i < 20; i++) a.step(regressionBatch(rng, 32));
  const saved = a.optimizerState();
  assert.equal(saved.t, 20);
  assert.ok(
    saved.m["f.0.w"].data.some((x) => x !== 0),
    "the moments are not the initial zeros",
  );

  // Through a safetensors file, as checkpoints store it.
  const dir = mkdtempSync(join(tmpdir(), "backflip-nn-"));
  saveSafetensors(join(dir, "opt.safetensors"), optimizerTensors(saved));
  const reloaded = optimizerFromTensors(loadSafetensors(join(dir, "opt.safetensors")).params, 20);

  const b = new Trainer(initMlp(spec, new Rng(60), "f"), mseLoss, { lr: 3e-3, maxGradNorm: 0.5 });
  const fresh = new Trainer(initMlp(spec, new Rng(61), "f"), mseLoss, {
    lr: 3e-3,
    maxGradNorm: 0.5,
  });
  b.setParams(a.params);
  b.setOptimizerState(reloaded);
  fresh.setParams(a.params); // the same weights, Adam afresh
  assert.deepEqual(b.optimizerState(), saved);
  for (let i = 0; i < 5; i++) {
    const batch = regressionBatch(rng, 32);
    a.step(batch);
    b.step(batch);
    fresh.step(batch);
  }
  let restoredGap = 0;
  let freshGap = 0;
  for (const k of Object.keys(a.params)) {
    const [pa, pb, pf] = [a.params[k].data, b.params[k].data, fresh.params[k].data];
    for (let i = 0; i < pa.length; i++) {
      restoredGap = Math.max(restoredGap, Math.abs(pa[i] - pb[i]));
      freshGap = Math.max(freshGap, Math.abs(pa[i] - pf[i]));
    }
  }
  assert.equal(restoredGap, 0, "the restored trainer follows the original exactly");
  assert.ok(freshGap > 1e-4, `a fresh Adam diverges (${freshGap}), so the restore mattered`);
  // setParams still starts Adam afresh.
  b.setParams(a.params);
  assert.equal(b.optimizerState().t, 0);
  assert.ok(b.optimizerState().v["f.1.w"].data.every((x) => x === 0));
  for (const t of [a, b, fresh]) t.dispose();
});

test("setOptimizerState names the key of a wrong or missing moment, and changes nothing", () => {
  const trainer = new Trainer(initMlp(spec, new Rng(7), "f"), mseLoss, { lr: 1e-3 });
  trainer.step(regressionBatch(new Rng(8), 16));
  const good = trainer.optimizerState();
  const wrongShape = {
    ...good,
    v: { ...good.v, "f.1.w": { data: new Float32Array(32 * 31), shape: [32, 31] } },
  };
  assert.throws(
    () => trainer.setOptimizerState(wrongShape),
    /'v\.f\.1\.w' missing or has shape \[32,31\] instead of \[32,32\]/,
  );
  const { "f.0.b": _, ...withoutBias } = good.m;
  assert.throws(
    () => trainer.setOptimizerState({ ...good, m: withoutBias }),
    /'m\.f\.0\.b' missing/,
  );
  assert.throws(
    () => trainer.setOptimizerState({ ...good, m: { ...good.m, extra: good.m["f.0.b"] } }),
    /unknown parameter 'm\.extra'/,
  );
  assert.throws(() => trainer.setOptimizerState({ ...good, t: -1 }), /step count -1/);
  assert.deepEqual(trainer.optimizerState(), good, "a refused state leaves Adam as it was");
  assert.throws(() => optimizerFromTensors({ w: good.m["f.0.b"] }, 1), /unexpected key 'w'/);
  trainer.dispose();
});

test("saving and restoring Adam's state leaks no jax-js buffers", async () => {
  const live = await liveBufferCounter();
  const rng = new Rng(9);
  const trainer = new Trainer(initMlp(spec, rng, "f"), mseLoss, { lr: 1e-3 });
  const batch = regressionBatch(rng, 16);
  trainer.step(batch);
  trainer.setOptimizerState(trainer.optimizerState());
  const before = live();
  for (let i = 0; i < 50; i++) {
    trainer.step(batch);
    const state = trainer.optimizerState();
    trainer.setParams(trainer.params);
    trainer.setOptimizerState(state);
  }
  const after = live();
  trainer.dispose();
  assert.ok(after - before <= 2, `live buffers went from ${before} to ${after}`);
});
