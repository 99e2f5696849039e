/** Plain host-side tensors: what crosses the boundary of src/nn. */
export type HostTensor = { data: Float32Array; shape: number[] };

/** A flat, named set of tensors (`policy.0.w`, `policy.0.b`, …), as safetensors stores them. */
export type HostParams = Record<string, HostTensor>;

export function tensor(data: Float32Array, shape: number[]): HostTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new Error(`tensor: shape [${shape}] needs ${size} values, got ${data.length}`);
  }
  return { data, shape };
}

export function scalar(value: number): HostTensor {
  return { data: Float32Array.of(value), shape: [] };
}

export function cloneParams(params: HostParams): HostParams {
  const out: HostParams = {};
  for (const [k, v] of Object.entries(params))
    out[k] = { data: v.data.slice(), shape: [...v.shape] };
  return out;
}

export function countParams(params: HostParams): number {
  let n = 0;
  for (const v of Object.values(params)) n += v.data.length;
  return n;
}
