import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import {
  type CnnSpec,
  cnn,
  cnnShapes,
  initCnn,
  type LossFn,
  leakyRelu,
  loadSafetensors,
  minatarCnnSpec,
  np,
  random,
  saveSafetensors,
  Trainer,
} from "../../src/nn/index.ts";
import { liveBufferCounter } from "../../src/nn/live_buffers.ts";

const C = 4;

/**
 * Random grids (channels 0 and 1 set with probability 0.3, the rest empty), and as target the
 * number of cells where channel 0 has channel 1 to its right, over 4.
 */
function pairsBatch(rng: Rng, n: number) {
  const x = new Float32Array(n * 100 * C);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let cell = 0; cell < 100; cell++) {
      for (let c = 0; c < 2; c++) if (rng.uniform(0, 1) < 0.3) x[(i * 100 + cell) * C + c] = 1;
    }
    let count = 0;
    for (let r = 0; r < 10; r++) {
      for (let col = 0; col < 9; col++) {
        const here = (i * 100 + r * 10 + col) * C;
        if (x[here] === 1 && x[here + C + 1] === 1) count += 1;
      }
    }
    y[i] = count / 4;
  }
  return { x: { data: x, shape: [n, 100 * C] }, y: { data: y, shape: [n, 1] } };
}

function mseLoss(spec: CnnSpec): LossFn {
  return (params, batch) => {
    const pred = cnn(params, "q", spec, batch.x);
    return { loss: np.square(pred.sub(batch.y)).mean(), metrics: {} };
  };
}

test("MinAtar's network: parameter names and shapes as mlp.ts names them", () => {
  const spec = minatarCnnSpec(C, 6);
  assert.deepEqual(cnnShapes(spec), { convOut: [[8, 8, 16]], flat: 1024 });
  const params = initCnn(spec, new Rng(1), "policy");
  assert.deepEqual(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.shape])), {
    "policy.0.w": [3, 3, C, 16],
    "policy.0.b": [16],
    "policy.1.w": [1024, 128],
    "policy.1.b": [128],
    "policy.2.w": [128, 6],
    "policy.2.b": [6],
  });
  // Orthogonal columns of the conv kernel viewed as [k·k·C, F], scaled by √2.
  const w = params["policy.0.w"].data;
  let dot00 = 0;
  let dot01 = 0;
  for (let r = 0; r < 36; r++) {
    dot00 += w[r * 16] * w[r * 16];
    dot01 += w[r * 16] * w[r * 16 + 1];
  }
  assert.ok(Math.abs(dot00 - 2) < 1e-4 && Math.abs(dot01) < 1e-4, `${dot00}, ${dot01}`);
});

test("a MinAtar CNN trained with Adam through the Trainer learns a local spatial pattern", () => {
  const spec = minatarCnnSpec(C, 1);
  const rng = new Rng(2);
  const trainer = new Trainer(initCnn(spec, rng, "q", { outGain: 0.1 }), mseLoss(spec), {
    lr: 3e-3,
  });
  const heldOut = pairsBatch(new Rng(99), 256);
  const first = trainer.evaluate(heldOut).loss;
  for (let i = 0; i < 500; i++) trainer.step(pairsBatch(rng, 64));
  const last = trainer.evaluate(heldOut).loss;
  // Predicting the mean alone leaves the variance of the target (about 0.4 here).
  let mean = 0;
  for (const v of heldOut.y.data) mean += v / 256;
  let variance = 0;
  for (const v of heldOut.y.data) variance += (v - mean) ** 2 / 256;
  trainer.dispose();
  assert.ok(
    last < 0.35 * variance,
    `held-out loss ${last} (from ${first}); target variance ${variance}`,
  );
});

test("flattened NHWC rows and 4-D inputs give the same outputs; leaky ReLU keeps a slope", () => {
  const spec: CnnSpec = { ...minatarCnnSpec(C, 3, { activation: "leakyRelu" }), leakySlope: 0.1 };
  const trainer = new Trainer(initCnn(spec, new Rng(3), "q"), mseLoss(spec), { lr: 1e-3 });
  const flat = trainer.compile((p, inputs) => cnn(p, "q", spec, inputs.x));
  const { x } = pairsBatch(new Rng(4), 5);
  const a = flat({ x });
  const b = flat({ x: { data: x.data, shape: [5, 10, 10, C] } });
  assert.deepEqual(a, b);
  assert.equal(a.length, 15);
  const y = leakyRelu(np.array([-2, -0.5, 0, 3]), 0.1).dataSync() as Float32Array;
  assert.deepEqual(Array.from(y), [-0.2, -0.05, 0, 3].map(Math.fround));
  trainer.dispose();
});

test("dropout acts only with a key, stays near the mean, and trains through the Trainer", () => {
  const spec = minatarCnnSpec(C, 1, { dropout: 0.5 });
  const params = initCnn(spec, new Rng(5), "q");
  const loss: LossFn = (p, batch) => {
    const key = random.key(batch.seed.astype(np.uint32).reshape([]));
    const pred = cnn(p, "q", spec, batch.x, key);
    return { loss: np.square(pred.sub(batch.y)).mean(), metrics: {} };
  };
  const trainer = new Trainer(params, loss, { lr: 1e-3 });
  const { x } = pairsBatch(new Rng(6), 64);
  const plain = trainer.compile((p, inputs) => cnn(p, "q", spec, inputs.x));
  const dropped = trainer.compile((p, inputs) =>
    cnn(p, "q", spec, inputs.x, random.key(inputs.seed.astype(np.uint32).reshape([]))),
  );
  const seed = (s: number) => ({ data: Float32Array.of(s), shape: [] });
  const det = plain({ x });
  assert.deepEqual(plain({ x }), det, "without a key the network is deterministic");
  const d1 = dropped({ x, seed: seed(1) });
  const d2 = dropped({ x, seed: seed(2) });
  assert.notDeepEqual(d1, d2, "different keys drop different units");
  assert.deepEqual(dropped({ x, seed: seed(1) }), d1, "the same key drops the same units");
  // Averaged over many keys, inverted dropout keeps the output in the deterministic one's range
  // (not equal: the ReLUs after a dropped layer are not linear).
  const avg = new Float64Array(64);
  for (let s = 0; s < 200; s++)
    dropped({ x, seed: seed(100 + s) }).forEach((v, i) => {
      avg[i] += v / 200;
    });
  let gap = 0;
  let scale = 0;
  for (let i = 0; i < 64; i++) {
    gap += Math.abs(avg[i] - det[i]) / 64;
    scale += Math.abs(det[i]) / 64;
  }
  assert.ok(gap < scale, `mean |avg − det| ${gap} against mean |det| ${scale}`);
  const rng = new Rng(7);
  for (let i = 0; i < 5; i++) {
    const { loss: l } = trainer.step({ ...pairsBatch(rng, 16), seed: seed(i) });
    assert.ok(Number.isFinite(l));
  }
  trainer.dispose();
});

test("CNN parameters round-trip through safetensors into a fresh Trainer", () => {
  const spec = minatarCnnSpec(C, 2);
  const a = new Trainer(initCnn(spec, new Rng(8), "q"), mseLoss(spec), { lr: 1e-3 });
  a.step(pairsBatch(new Rng(9), 16));
  const path = join(mkdtempSync(join(tmpdir(), "backflip-cnn-")), "cnn.safetensors");
  saveSafetensors(path, a.params);
  const b = new Trainer(initCnn(spec, new Rng(10), "q"), mseLoss(spec), { lr: 1e-3 });
  b.setParams(loadSafetensors(path).params);
  const { x } = pairsBatch(new Rng(11), 4);
  const fa = a.compile((p, inputs) => cnn(p, "q", spec, inputs.x));
  const fb = b.compile((p, inputs) => cnn(p, "q", spec, inputs.x));
  assert.deepEqual(fa({ x }), fb({ x }));
  a.dispose();
  b.dispose();
});

test("500 CNN training steps with dropout leave the number of live jax-js buffers flat", async () => {
  const live = await liveBufferCounter();
  const spec = minatarCnnSpec(C, 1, { dropout: 0.1, activation: "leakyRelu" });
  const loss: LossFn = (p, batch) => {
    const key = random.key(batch.seed.astype(np.uint32).reshape([]));
    const pred = cnn(p, "q", spec, batch.x, key);
    return { loss: np.square(pred.sub(batch.y)).mean(), metrics: {} };
  };
  const trainer = new Trainer(initCnn(spec, new Rng(12), "q"), loss, {
    lr: 1e-3,
    maxGradNorm: 1,
  });
  const predict = trainer.compile((p, inputs) => cnn(p, "q", spec, inputs.x));
  const batch = pairsBatch(new Rng(13), 16);
  const step = (i: number) =>
    trainer.step({ ...batch, seed: { data: Float32Array.of(i), shape: [] } });
  for (let i = 0; i < 20; i++) step(i);
  const before = live();
  for (let i = 0; i < 500; i++) {
    step(i);
    if (i % 50 === 0) {
      predict({ x: batch.x });
      void trainer.params;
    }
  }
  const after = live();
  trainer.dispose();
  assert.ok(after - before <= 2, `live buffers went from ${before} to ${after}`);
  assert.ok(live() < before, "dispose frees the trainer's buffers");
});
