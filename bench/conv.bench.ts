/**
 * Convolution speed: one Adam step of MinAtar's CNN (10×10×4 → conv 3×3×16 → 128 → 6) through
 * the Trainer at batch 64 and 256, with our `conv2d` and with jax-js's `lax.conv`; the same
 * layer alone (forward+backward w.r.t. its kernel); and jitted inference at batch 1 and 16 (host
 * rows in, host outputs back, as an acting policy calls it). Prints one JSON line per
 * measurement. Run: node --import tsx bench/conv.bench.ts
 */
import { Rng } from "../src/core/rng.ts";
import {
  cnn,
  conv2d,
  initCnn,
  type JaxArray,
  type LossFn,
  laxConv2d,
  minatarCnnSpec,
  np,
  Trainer,
  tree,
} from "../src/nn/index.ts";
import { jit, valueAndGrad } from "../src/nn/jax.ts";

const C = 4;
const ACTIONS = 6;
const spec = minatarCnnSpec(C, ACTIONS);
const rng = new Rng(3);
const convs = { conv2d, "lax.conv": laxConv2d } as const;

function batch(n: number) {
  const x = new Float32Array(n * 100 * C).map(() => (rng.uniform(0, 1) < 0.1 ? 1 : 0));
  const y = new Float32Array(n * ACTIONS).map(() => rng.normal());
  return { x: { data: x, shape: [n, 100 * C] }, y: { data: y, shape: [n, ACTIONS] } };
}

/** Mean ms per call over `reps` calls, after `warm` untimed ones (which compile). */
function time(fn: () => void, reps: number, warm = 2): number {
  for (let i = 0; i < warm; i++) fn();
  const start = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - start) / reps;
}

const round = (ms: number) => +ms.toFixed(ms < 1 ? 3 : 2);
const trainMs: Record<string, number> = {};

for (const n of [64, 256]) {
  for (const [name, conv] of Object.entries(convs)) {
    const loss: LossFn = (p, b) => {
      const q = cnn(p, "q", spec, b.x, null, conv);
      return { loss: np.square(q.sub(b.y)).mean(), metrics: {} };
    };
    const trainer = new Trainer(initCnn(spec, new Rng(1), "q"), loss, {
      lr: 1e-4,
      maxGradNorm: 0.5,
    });
    const b = batch(n);
    const slow = name === "lax.conv";
    const ms = time(() => trainer.step(b), slow ? 3 : 30, slow ? 1 : 3);
    trainer.dispose();
    trainMs[`${name}@${n}`] = ms;
    console.log(
      JSON.stringify({
        bench: "cnn_train_step",
        net: "minatar 10x10x4 conv3x3x16-128-6",
        conv: name,
        batch: n,
        ms: round(ms),
        samplesPerSec: Math.round((n / ms) * 1000),
        ...(slow ? { speedupOfConv2d: +(ms / trainMs[`conv2d@${n}`]).toFixed(1) } : {}),
      }),
    );
  }
}

// The layer alone: forward and the kernel's gradient, as a first layer trains.
for (const [n, padding] of [
  [64, "VALID"],
  [256, "VALID"],
  [64, "SAME"],
  [256, "SAME"],
] as const) {
  const layerMs: Record<string, number> = {};
  const out = padding === "SAME" ? 10 : 8;
  for (const [name, conv] of Object.entries(convs)) {
    const step = jit((p: Record<string, JaxArray>, x: JaxArray) => {
      const [l, g] = valueAndGrad((q: Record<string, JaxArray>, xs: JaxArray) =>
        np.square(conv(xs, q.w, q.b, { padding })).sum(),
      )(p, x);
      return [l, g] as [JaxArray, Record<string, JaxArray>];
    });
    const p = {
      w: np.array(new Float32Array(3 * 3 * C * 16).map(() => rng.normal())).reshape([3, 3, C, 16]),
      b: np.zeros([16]),
    };
    const x = np.array(batch(n).x.data).reshape([n, 10, 10, C]);
    const slow = name === "lax.conv";
    const ms = time(
      () => {
        const [l, g] = step(tree.ref(p), x.ref);
        l.item();
        tree.dispose(g);
      },
      slow ? 3 : 30,
      slow ? 1 : 3,
    );
    step.dispose();
    tree.dispose(p);
    x.dispose();
    layerMs[name] = ms;
    const flops = 2 * 2 * n * out * out * 16 * 3 * 3 * C; // forward + kernel gradient
    console.log(
      JSON.stringify({
        bench: "conv_layer_grad",
        layer: `10x10x4 conv3x3x16 ${padding}`,
        conv: name,
        batch: n,
        ms: round(ms),
        gflops: +(flops / ms / 1e6).toFixed(2),
        ...(slow ? { speedupOfConv2d: +(ms / layerMs.conv2d).toFixed(1) } : {}),
      }),
    );
  }
}

// Inference as a policy acting: host rows in, host outputs out.
for (const n of [1, 16]) {
  for (const [name, conv] of Object.entries(convs)) {
    const trainer = new Trainer(
      initCnn(spec, new Rng(1), "q"),
      (p, b) => ({ loss: cnn(p, "q", spec, b.x, null, conv).sum(), metrics: {} }),
      { lr: 1e-4 },
    );
    const predict = trainer.compile((p, inputs) => cnn(p, "q", spec, inputs.x, null, conv));
    const { x } = batch(n);
    const slow = name === "lax.conv";
    const ms = time(() => predict({ x }), slow ? 20 : 200, 3);
    trainer.dispose();
    console.log(
      JSON.stringify({
        bench: "cnn_forward",
        conv: name,
        batch: n,
        ms: round(ms),
        rowsPerSec: Math.round((n / ms) * 1000),
      }),
    );
  }
}
