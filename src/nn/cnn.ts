/**
 * Small convolutional networks for the pixel games (10×10 grids with a channel per object), in
 * the style of mlp.ts: a spec, `initCnn` for host parameters, and `cnn` for the traced forward.
 *
 * Parameters are one flat, named set, as mlp.ts names them, so the Trainer and safetensors
 * save/load take them unchanged: layer l (convolutions first, then dense layers, counted
 * together) has `${prefix}.${l}.w` and `${prefix}.${l}.b`. A convolution's `w` is
 * [k, k, C_in, F] (HWIO); a dense layer's `w` is [fanIn, fanOut].
 */
import type { Rng } from "../core/rng.ts";
import { type ConvPadding, conv2d, convAxis } from "./conv.ts";
import { type JaxArray, np, random } from "./jax.ts";
import { initMlp } from "./mlp.ts";
import type { HostParams } from "./tensor.ts";

export type CnnActivation = "relu" | "leakyRelu";

export type ConvLayerSpec = {
  filters: number;
  /** Square kernel size. */
  kernel: number;
  /** 1 unless given. */
  stride?: number;
  /** 'VALID' unless given (MinAtar's network pads nothing). */
  padding?: ConvPadding;
};

export type CnnSpec = {
  /** The input grid [height, width, channels]; inputs are NHWC rows, flattened or not. */
  input: [number, number, number];
  /** Convolution layers, each followed by the activation. */
  convs: ConvLayerSpec[];
  /** Dense widths after flattening, ending with the output size, e.g. [128, actions]. */
  dense: number[];
  activation: CnnActivation;
  /** Slope of leaky ReLU for negative inputs; 0.01 unless given. */
  leakySlope?: number;
  /**
   * Dropout rate after every hidden layer (convolutions and hidden dense layers), applied only
   * when `cnn` is given a PRNG key, i.e. in training. 0 or omitted: none.
   */
  dropout?: number;
};

/**
 * MinAtar's network (Young & Tian, 2019): one 3×3 convolution with 16 filters, stride 1, no
 * padding, ReLU; flatten; dense 128, ReLU; dense `outputs`. On a 10×10 grid: 8·8·16 = 1,024
 * features into the dense layer.
 */
export function minatarCnnSpec(
  channels: number,
  outputs: number,
  options: { activation?: CnnActivation; dropout?: number; grid?: [number, number] } = {},
): CnnSpec {
  const [h, w] = options.grid ?? [10, 10];
  return {
    input: [h, w, channels],
    convs: [{ filters: 16, kernel: 3 }],
    dense: [128, outputs],
    activation: options.activation ?? "relu",
    ...(options.dropout ? { dropout: options.dropout } : {}),
  };
}

/** The shape each layer sees: conv outputs [H, W, F], then the flattened feature count. */
export function cnnShapes(spec: CnnSpec): { convOut: [number, number, number][]; flat: number } {
  let [h, w, c] = spec.input;
  const convOut: [number, number, number][] = [];
  for (const layer of spec.convs) {
    const stride = layer.stride ?? 1;
    const padding = layer.padding ?? "VALID";
    h = convAxis(h, layer.kernel, stride, padding).out;
    w = convAxis(w, layer.kernel, stride, padding).out;
    c = layer.filters;
    convOut.push([h, w, c]);
  }
  return { convOut, flat: h * w * c };
}

/**
 * Orthogonal initialisation as in `initMlp`: each layer's weight, viewed as a [fanIn, fanOut]
 * matrix (fanIn = k·k·C_in for a convolution), has orthonormal columns times the gain; hidden
 * layers use `hiddenGain` (√2), the last `outGain` (1). Biases start at zero.
 */
export function initCnn(
  spec: CnnSpec,
  rng: Rng,
  prefix: string,
  gains: { hiddenGain?: number; outGain?: number } = {},
): HostParams {
  const { hiddenGain = Math.SQRT2, outGain = 1 } = gains;
  const params: HostParams = {};
  const { flat } = cnnShapes(spec);
  const total = spec.convs.length + spec.dense.length;
  const layer = (l: number, fanIn: number, fanOut: number, shape: number[]) => {
    const gain = l === total - 1 ? outGain : hiddenGain;
    const m = initMlp({ sizes: [fanIn, fanOut], activation: "relu" }, rng, "_", { outGain: gain });
    params[`${prefix}.${l}.w`] = { data: m["_.0.w"].data, shape };
    params[`${prefix}.${l}.b`] = { data: new Float32Array(fanOut), shape: [fanOut] };
  };
  let c = spec.input[2];
  spec.convs.forEach((conv, l) => {
    layer(l, conv.kernel * conv.kernel * c, conv.filters, [
      conv.kernel,
      conv.kernel,
      c,
      conv.filters,
    ]);
    c = conv.filters;
  });
  let fanIn = flat;
  spec.dense.forEach((width, d) => {
    layer(spec.convs.length + d, fanIn, width, [fanIn, width]);
    fanIn = width;
  });
  return params;
}

/**
 * The CNN inside a traced (jit/grad) function. `x` is [N, H·W·C] (NHWC rows, as the arcade envs
 * give observations) or [N, H, W, C]; returns [N, dense.at(-1)]. Consumes `x`, each of this
 * network's parameters and `dropoutKey` once, following jax-js's move semantics. With a
 * `dropoutKey` and `spec.dropout > 0` it drops hidden units (inverted dropout, scaled by
 * 1/(1-rate)); without one it is the deterministic network for evaluation. `conv` swaps the
 * convolution (bench/conv.bench.ts passes `laxConv2d` to compare).
 */
export function cnn(
  params: Record<string, JaxArray>,
  prefix: string,
  spec: CnnSpec,
  x: JaxArray,
  dropoutKey: JaxArray | null = null,
  conv: typeof conv2d = conv2d,
): JaxArray {
  const [h0, w0, c0] = spec.input;
  const n = x.shape[0];
  const total = spec.convs.length + spec.dense.length;
  const rate = spec.dropout ?? 0;
  const keys = dropoutKey && rate > 0 ? random.split(dropoutKey, total - 1) : null;
  if (dropoutKey && !keys) dropoutKey.dispose();
  const slope = spec.leakySlope ?? 0.01;
  const hidden = (h: JaxArray, l: number): JaxArray => {
    let a = spec.activation === "relu" ? np.maximum(h, 0) : leakyRelu(h, slope);
    if (keys) {
      const keep = random.bernoulli(keys.ref.slice(l), 1 - rate, a.shape);
      a = a.mul(keep).mul(1 / (1 - rate));
    }
    return a;
  };

  let h = x.reshape([n, h0, w0, c0]);
  spec.convs.forEach((layer, l) => {
    h = conv(h, params[`${prefix}.${l}.w`], params[`${prefix}.${l}.b`], {
      stride: layer.stride ?? 1,
      padding: layer.padding ?? "VALID",
    });
    h = hidden(h, l);
  });
  h = h.reshape([n, cnnShapes(spec).flat]);
  spec.dense.forEach((_, d) => {
    const l = spec.convs.length + d;
    h = np.matmul(h, params[`${prefix}.${l}.w`]).add(params[`${prefix}.${l}.b`]);
    if (l < total - 1) h = hidden(h, l);
  });
  keys?.dispose();
  return h;
}

/** max(x, slope·x): for 0 < slope < 1 this is leaky ReLU. Consumes `x`. */
export function leakyRelu(x: JaxArray, slope = 0.01): JaxArray {
  return np.maximum(x.ref, x.mul(slope));
}
