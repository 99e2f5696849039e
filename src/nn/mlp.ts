import type { Rng } from "../core/rng.ts";
import { type JaxArray, np } from "./jax.ts";
import type { HostParams } from "./tensor.ts";

export type Activation = "tanh" | "relu";

export type MlpSpec = {
  /** Layer widths from input to output, e.g. [obsSize, 64, 64, 1]. */
  sizes: number[];
  activation: Activation;
};

/**
 * Orthogonal initialisation (Saxe et al.), the usual choice for PPO: hidden layers scaled by
 * `hiddenGain`, the last layer by `outGain`. Biases start at zero.
 */
export function initMlp(
  spec: MlpSpec,
  rng: Rng,
  prefix: string,
  gains: { hiddenGain?: number; outGain?: number } = {},
): HostParams {
  const { hiddenGain = Math.SQRT2, outGain = 1 } = gains;
  const params: HostParams = {};
  const layers = spec.sizes.length - 1;
  for (let l = 0; l < layers; l++) {
    const fanIn = spec.sizes[l];
    const fanOut = spec.sizes[l + 1];
    const gain = l === layers - 1 ? outGain : hiddenGain;
    params[`${prefix}.${l}.w`] = {
      data: orthogonal(fanIn, fanOut, gain, rng),
      shape: [fanIn, fanOut],
    };
    params[`${prefix}.${l}.b`] = { data: new Float32Array(fanOut), shape: [fanOut] };
  }
  return params;
}

/** A rows×cols matrix with orthonormal columns (or rows, whichever is fewer), times gain. */
function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const tall = rows >= cols;
  const n = tall ? rows : cols; // vector length
  const k = tall ? cols : rows; // number of orthonormal vectors
  const vecs: Float64Array[] = [];
  for (let i = 0; i < k; i++) {
    const v = new Float64Array(n);
    for (;;) {
      for (let j = 0; j < n; j++) v[j] = rng.normal();
      for (const u of vecs) {
        let dot = 0;
        for (let j = 0; j < n; j++) dot += u[j] * v[j];
        for (let j = 0; j < n; j++) v[j] -= dot * u[j];
      }
      let norm = 0;
      for (let j = 0; j < n; j++) norm += v[j] * v[j];
      norm = Math.sqrt(norm);
      if (norm > 1e-6) {
        for (let j = 0; j < n; j++) v[j] /= norm;
        break;
      }
    }
    vecs.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (tall ? vecs[c][r] : vecs[r][c]);
    }
  }
  return out;
}

type ParamTree = Record<string, JaxArray>;

/**
 * The MLP inside a traced (jit/grad) function. Consumes `x` and each of this MLP's parameters
 * once, following jax-js's move semantics.
 */
export function mlp(params: ParamTree, prefix: string, spec: MlpSpec, x: JaxArray): JaxArray {
  const layers = spec.sizes.length - 1;
  let h = x;
  for (let l = 0; l < layers; l++) {
    h = np.matmul(h, params[`${prefix}.${l}.w`]).add(params[`${prefix}.${l}.b`]);
    if (l < layers - 1) h = spec.activation === "tanh" ? np.tanh(h) : np.maximum(h, 0);
  }
  return h;
}

/**
 * The same MLP in plain JavaScript on host parameters. For the small batches of acting in an
 * environment this is ~10× faster than a jax-js call (NOTES.md: 19 µs against 0.2 ms).
 * `x` is row-major [batch × sizes[0]]; returns [batch × sizes[last]].
 */
export function mlpHost(
  params: HostParams,
  prefix: string,
  spec: MlpSpec,
  x: Float32Array,
): Float32Array {
  const batch = x.length / spec.sizes[0];
  let input = x;
  const layers = spec.sizes.length - 1;
  for (let l = 0; l < layers; l++) {
    const nIn = spec.sizes[l];
    const nOut = spec.sizes[l + 1];
    const w = params[`${prefix}.${l}.w`].data;
    const b = params[`${prefix}.${l}.b`].data;
    const out = new Float32Array(batch * nOut);
    const last = l === layers - 1;
    for (let r = 0; r < batch; r++) {
      const o = r * nOut;
      for (let j = 0; j < nOut; j++) out[o + j] = b[j];
      for (let i = 0; i < nIn; i++) {
        const xi = input[r * nIn + i];
        if (xi === 0) continue;
        const wRow = i * nOut;
        for (let j = 0; j < nOut; j++) out[o + j] += xi * w[wRow + j];
      }
      if (!last) {
        for (let j = 0; j < nOut; j++) {
          const v = out[o + j];
          out[o + j] = spec.activation === "tanh" ? Math.tanh(v) : Math.max(v, 0);
        }
      }
    }
    input = out;
  }
  return input;
}
