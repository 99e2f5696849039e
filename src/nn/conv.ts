/**
 * A fast 2-D convolution for NHWC inputs, built only from ops that jax-js differentiates under
 * `jit`: pad, static slices, reshape and matmul. jax-js's own
 * `lax.conv` runs at about 0.5 GFLOP/s on this machine (NOTES.md); this is the same function,
 * checked against it to 1e-5 for values and gradients (test/nn/conv.test.ts), and many times
 * faster (bench/conv.bench.ts).
 *
 * Layouts: inputs are NHWC (batch × height × width × channels), the layout the arcade envs give
 * their observations in; kernels are HWIO (kH × kW × C_in × C_out), as flax stores them.
 */
import { type JaxArray, np } from "./jax.ts";

type Lax = typeof import("@jax-js/jax")["lax"];
const { lax }: { lax: Lax } = await import("@jax-js/jax");

export type ConvPadding = "SAME" | "VALID";

export type Conv2dOptions = {
  /** 'SAME' keeps H×W at stride 1 (zeros around the edge, as JAX pads); 'VALID' pads nothing. */
  padding?: ConvPadding;
  /** The same stride along both spatial axes; 1 unless given. */
  stride?: number;
};

/** Output height/width of a convolution along one axis, and the zeros padded before/after it. */
export function convAxis(
  size: number,
  k: number,
  stride: number,
  padding: ConvPadding,
): { out: number; lo: number; hi: number } {
  if (padding === "VALID") {
    const out = Math.floor((size - k) / stride) + 1;
    if (out < 1) throw new Error(`conv2d: kernel ${k} does not fit in ${size} (VALID)`);
    return { out, lo: 0, hi: 0 };
  }
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  const lo = Math.floor(total / 2);
  return { out, lo, hi: total - lo };
}

/**
 * The convolution inside a traced (jit/grad) function, or eagerly. `x` is [N, H, W, C], `w` is
 * [kH, kW, C, F] (HWIO), `b` (optional) is [F]; returns [N, H', W', F]. Consumes `x`, `w` and `b`
 * once each, following jax-js's move semantics.
 *
 * How: pad once, then for each of the kH·kW kernel offsets take the shifted window of the padded
 * input as a static slice (at stride s, a window of s·H' rows reshaped to [H', s] and sliced at
 * 0), multiply its [N·H'·W', C] rows by that offset's [C, F] kernel slice, and sum. Every op has a
 * plain transpose (slice ↔ pad, reshape ↔ reshape), so the gradient stays gather-free.
 *
 * Measured here (bench/conv.bench.ts, scratch probes): one matmul per offset beats building the
 * [N·H'·W', kH·kW·C] patch matrix with `concatenate` and doing one matmul (im2col) by about 30%
 * for a train step at batch 256, because jax-js materialises a concatenation as a masked sum that
 * evaluates every piece at every element, while each offset's matmul reads its window in place.
 */
export function conv2d(
  x: JaxArray,
  w: JaxArray,
  b: JaxArray | null = null,
  options: Conv2dOptions = {},
): JaxArray {
  const { padding = "SAME", stride = 1 } = options;
  if (x.shape.length !== 4 || w.shape.length !== 4) {
    throw new Error(`conv2d: need x [N,H,W,C] and w [kH,kW,C,F], got [${x.shape}], [${w.shape}]`);
  }
  const [n, h, wd, c] = x.shape;
  const [kh, kw, cIn, f] = w.shape;
  if (cIn !== c) throw new Error(`conv2d: input has ${c} channels, the kernel expects ${cIn}`);
  if (!(Number.isInteger(stride) && stride >= 1))
    throw new Error(`conv2d: stride ${stride} is not a positive integer`);
  const ay = convAxis(h, kh, stride, padding);
  const ax = convAxis(wd, kw, stride, padding);
  // At stride s each window spans s·out rows: pad the far edge so that every window fits, and
  // crop what no window reaches (VALID at a stride that does not divide evenly).
  const needH = kh - 1 + stride * ay.out;
  const needW = kw - 1 + stride * ax.out;
  const hiH = Math.max(needH - h - ay.lo, 0);
  const hiW = Math.max(needW - wd - ax.lo, 0);
  let xp =
    ay.lo + hiH + ax.lo + hiW > 0
      ? np.pad(x, [
          [0, 0],
          [ay.lo, hiH],
          [ax.lo, hiW],
          [0, 0],
        ])
      : x;
  if (h + ay.lo + hiH > needH || wd + ax.lo + hiW > needW) {
    xp = xp.slice([], [0, needH], [0, needW], []);
  }
  const rows = n * ay.out * ax.out;
  let y: JaxArray | null = null;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      let v = xp.ref.slice([], [i, i + stride * ay.out], [j, j + stride * ax.out], []);
      if (stride > 1) {
        v = v.reshape([n, ay.out, stride, ax.out, stride, c]).slice([], [], 0, [], 0, []);
      }
      const term = np.matmul(v.reshape([rows, c]), w.ref.slice(i, j));
      y = y ? y.add(term) : term;
    }
  }
  xp.dispose();
  w.dispose();
  let out = y as JaxArray;
  if (b) out = out.add(b);
  return out.reshape([n, ay.out, ax.out, f]);
}

/**
 * The same convolution through jax-js's `lax.conv` (NCHW/OIHW inside, transposed around it).
 * Slow; kept as the reference the tests and the bench compare `conv2d` with.
 */
export function laxConv2d(
  x: JaxArray,
  w: JaxArray,
  b: JaxArray | null = null,
  options: Conv2dOptions = {},
): JaxArray {
  const { padding = "SAME", stride = 1 } = options;
  const y = lax
    .conv(np.transpose(x, [0, 3, 1, 2]), np.transpose(w, [3, 2, 0, 1]), [stride, stride], padding)
    .transpose([0, 2, 3, 1]);
  return b ? y.add(b) : y;
}
