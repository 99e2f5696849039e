import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import {
  type Conv2dOptions,
  conv2d,
  convAxis,
  type JaxArray,
  laxConv2d,
  np,
  tree,
} from "../../src/nn/index.ts";
import { jit, valueAndGrad } from "../../src/nn/jax.ts";
import { liveBufferCounter } from "../../src/nn/live_buffers.ts";

type Tree = Record<string, JaxArray>;
type Conv = typeof conv2d;

function normal(rng: Rng, shape: number[]): JaxArray {
  const size = shape.reduce((a, b) => a * b, 1);
  return np.array(Float32Array.from({ length: size }, () => rng.normal())).reshape(shape);
}

function maxAbsDiff(a: JaxArray, b: JaxArray): number {
  const x = a.dataSync() as Float32Array;
  const y = b.dataSync() as Float32Array;
  assert.equal(x.length, y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** jit(valueAndGrad) of Σ conv(x, w, b)·r with respect to x, w and b together. */
function lossAndGrads(conv: Conv, options: Conv2dOptions) {
  return jit((p: Tree, r: JaxArray) => {
    const [value, grads] = valueAndGrad((q: Tree, cot: JaxArray) =>
      conv(q.x, q.w, q.b, options).mul(cot).sum(),
    )(p, r);
    return [value, grads] as [JaxArray, Tree];
  });
}

const cases: { name: string; x: number[]; w: number[]; options: Conv2dOptions }[] = [
  { name: "3×3 SAME, MinAtar-sized", x: [3, 10, 10, 4], w: [3, 3, 4, 16], options: {} },
  { name: "3×3 VALID", x: [2, 7, 6, 3], w: [3, 3, 3, 5], options: { padding: "VALID" } },
  { name: "5×5 SAME", x: [2, 9, 8, 2], w: [5, 5, 2, 4], options: { padding: "SAME" } },
  { name: "3×3 stride 2 SAME", x: [2, 9, 10, 3], w: [3, 3, 3, 4], options: { stride: 2 } },
  {
    name: "4×4 stride 3 VALID",
    x: [1, 11, 10, 2],
    w: [4, 4, 2, 3],
    options: { padding: "VALID", stride: 3 },
  },
];

for (const { name, x: xShape, w: wShape, options } of cases) {
  test(`conv2d matches lax.conv in value and gradient (x, w, b) under jit: ${name}`, () => {
    const rng = new Rng(xShape.reduce((a, b) => a * 31 + b, 7));
    const params: Tree = {
      x: normal(rng, xShape),
      w: normal(rng, wShape),
      b: normal(rng, [wShape[3]]),
    };
    const outH = convAxis(xShape[1], wShape[0], options.stride ?? 1, options.padding ?? "SAME");
    const outW = convAxis(xShape[2], wShape[1], options.stride ?? 1, options.padding ?? "SAME");
    const r = normal(rng, [xShape[0], outH.out, outW.out, wShape[3]]);

    // Eager forward values.
    const fast = conv2d(params.x.ref, params.w.ref, params.b.ref, options);
    const slow = laxConv2d(params.x.ref, params.w.ref, params.b.ref, options);
    assert.deepEqual(fast.shape, slow.shape);
    assert.deepEqual(fast.shape, [xShape[0], outH.out, outW.out, wShape[3]]);
    const valueGap = maxAbsDiff(fast, slow);
    assert.ok(valueGap < 1e-5, `forward values differ by ${valueGap}`);

    const fastStep = lossAndGrads(conv2d, options);
    const slowStep = lossAndGrads(laxConv2d, options);
    const [fv, fg] = fastStep(tree.ref(params), r.ref);
    const [sv, sg] = slowStep(tree.ref(params), r);
    const lossGap = Math.abs(fv.item() - sv.item());
    assert.ok(lossGap < 1e-3, `losses differ by ${lossGap}`);
    for (const k of ["x", "w", "b"]) {
      const scale = Math.max(...(sg[k].ref.dataSync() as Float32Array).map(Math.abs), 1);
      const gap = maxAbsDiff(fg[k], sg[k]) / scale;
      assert.ok(gap < 1e-5, `d/d${k} differs by ${gap} (relative to max |grad| ${scale})`);
    }
    fastStep.dispose();
    slowStep.dispose();
    tree.dispose(params);
  });
}

test("conv2d rejects mismatched channels and bad strides with clear errors", () => {
  assert.throws(() => conv2d(np.zeros([1, 4, 4, 3]), np.zeros([3, 3, 2, 5])), /3 channels.*2/);
  assert.throws(
    () => conv2d(np.zeros([1, 4, 4, 2]), np.zeros([3, 3, 2, 5]), null, { stride: 0 }),
    /stride 0/,
  );
  assert.throws(() => convAxis(2, 3, 1, "VALID"), /does not fit/);
});

test("200 jitted conv2d gradient steps leave the number of live jax-js buffers flat", async () => {
  const live = await liveBufferCounter();
  const rng = new Rng(11);
  const step = lossAndGrads(conv2d, {});
  const params: Tree = { x: normal(rng, [8, 10, 10, 4]), w: normal(rng, [3, 3, 4, 16]) };
  params.b = normal(rng, [16]);
  const r = normal(rng, [8, 10, 10, 16]);
  const run = () => {
    const [value, grads] = step(tree.ref(params), r.ref);
    value.item();
    tree.dispose(grads);
  };
  for (let i = 0; i < 5; i++) run();
  const before = live();
  for (let i = 0; i < 200; i++) run();
  // Eager calls too: they consume their inputs like any op.
  for (let i = 0; i < 20; i++) {
    conv2d(params.x.ref, params.w.ref, params.b.ref, { padding: "VALID", stride: 2 }).dataSync();
  }
  const after = live();
  step.dispose();
  tree.dispose(params);
  r.dispose();
  assert.ok(after - before <= 2, `live buffers went from ${before} to ${after}`);
  assert.ok(live() < before, "disposing frees the buffers");
});
