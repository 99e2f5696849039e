/**
 * A plain-JS MLP forward for acting, computing what `mlpHost` (src/nn) computes about 2× faster:
 * weights are transposed once into Float64Arrays so that each output is a dot product summed in
 * local doubles (four partial sums), and tanh takes one exp.
 */
import type { HostParams, MlpSpec } from "../nn/index.ts";

type Layer = { wT: Float64Array; b: Float64Array; nIn: number; nOut: number };

export class HostMlp {
  private readonly layers: Layer[] = [];
  private readonly tanh: boolean;
  private readonly scratch: Float64Array[];

  constructor(params: HostParams, prefix: string, spec: MlpSpec) {
    this.tanh = spec.activation === "tanh";
    for (let l = 0; l < spec.sizes.length - 1; l++) {
      const nIn = spec.sizes[l];
      const nOut = spec.sizes[l + 1];
      const w = params[`${prefix}.${l}.w`].data;
      const wT = new Float64Array(nIn * nOut);
      for (let i = 0; i < nIn; i++)
        for (let j = 0; j < nOut; j++) wT[j * nIn + i] = w[i * nOut + j];
      this.layers.push({ wT, b: Float64Array.from(params[`${prefix}.${l}.b`].data), nIn, nOut });
    }
    this.scratch = this.layers.map((layer) => new Float64Array(layer.nOut));
  }

  /** `x` is row-major [rows × sizes[0]]; returns [rows × sizes[last]]. */
  forward(x: ArrayLike<number>): Float32Array {
    const nIn0 = this.layers[0].nIn;
    const last = this.layers.length - 1;
    const nOutLast = this.layers[last].nOut;
    const rows = x.length / nIn0;
    const out = new Float32Array(rows * nOutLast);
    const input = new Float64Array(nIn0);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < nIn0; i++) input[i] = x[r * nIn0 + i];
      let h: Float64Array = input;
      for (let l = 0; l <= last; l++) {
        const { wT, b, nIn, nOut } = this.layers[l];
        const o = this.scratch[l];
        const n4 = nIn - (nIn % 4);
        for (let j = 0; j < nOut; j++) {
          // Four partial sums break the chain of dependent additions.
          const base = j * nIn;
          let s0 = b[j];
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let i = 0; i < n4; i += 4) {
            s0 += h[i] * wT[base + i];
            s1 += h[i + 1] * wT[base + i + 1];
            s2 += h[i + 2] * wT[base + i + 2];
            s3 += h[i + 3] * wT[base + i + 3];
          }
          for (let i = n4; i < nIn; i++) s0 += h[i] * wT[base + i];
          const s = s0 + s1 + s2 + s3;
          o[j] = l === last ? s : this.tanh ? tanh(s) : Math.max(s, 0);
        }
        h = o;
      }
      for (let j = 0; j < nOutLast; j++) out[r * nOutLast + j] = h[j];
    }
    return out;
  }
}

/** tanh through one exp: about twice as fast as Math.tanh in V8, within 1e-15 of it. */
function tanh(x: number): number {
  if (x > 20) return 1;
  if (x < -20) return -1;
  const e = Math.exp(2 * x);
  return (e - 1) / (e + 1);
}
