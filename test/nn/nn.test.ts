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
