import { type JaxArray, jit, np, tree, valueAndGrad } from "./jax.ts";
import type { HostParams, HostTensor } from "./tensor.ts";

export type ParamTree = Record<string, JaxArray>;
export type BatchTree = Record<string, JaxArray>;

/**
 * A loss written with jax-js ops. It runs traced inside `jit`, owns every array it is given
 * and must consume each exactly once (use `.ref` for a second use): jax-js's move semantics.
 * It returns the scalar loss and any scalar diagnostics to report.
 */
export type LossFn = (
  params: ParamTree,
  batch: BatchTree,
) => { loss: JaxArray; metrics: Record<string, JaxArray> };

/** A traced function of the parameters and inputs, for inference (same ownership rules). */
export type ApplyFn = (params: ParamTree, inputs: BatchTree) => JaxArray;

export type AdamConfig = {
  /** Learning rate. */
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Clip the global gradient norm to this value; omitted = no clipping. */
  maxGradNorm?: number;
};

export type StepResult = { loss: number; metrics: Record<string, number> };

type AdamState = { m: ParamTree; v: ParamTree };

/** Adam's state on the host: the step count and both moment estimates, per parameter. */
export type OptimizerState = { t: number; m: HostParams; v: HostParams };

/** One flat tensor set (`m.<name>`, `v.<name>`), for a safetensors file. */
export function optimizerTensors(state: OptimizerState): HostParams {
  const out: HostParams = {};
  for (const [k, x] of Object.entries(state.m)) out[`m.${k}`] = x;
  for (const [k, x] of Object.entries(state.v)) out[`v.${k}`] = x;
  return out;
}

/** The inverse of `optimizerTensors`; the step count is stored elsewhere. */
export function optimizerFromTensors(tensors: HostParams, t: number): OptimizerState {
  const m: HostParams = {};
  const v: HostParams = {};
  for (const [key, x] of Object.entries(tensors)) {
    if (key.startsWith("m.")) m[key.slice(2)] = x;
    else if (key.startsWith("v.")) v[key.slice(2)] = x;
    else throw new Error(`optimizer tensors: unexpected key '${key}' (expected m.* or v.*)`);
  }
  return { t, m, v };
}

function toDevice(t: HostTensor): JaxArray {
  return np.array(t.data).reshape(t.shape);
}

function treeToDevice(host: Record<string, HostTensor>): Record<string, JaxArray> {
  const out: Record<string, JaxArray> = {};
  for (const [k, v] of Object.entries(host)) out[k] = toDevice(v);
  return out;
}

/**
 * Owns a set of parameters on the jax-js device with their Adam state, and runs one jitted
 * update per `step`. All of jax-js's reference counting for training lives here: callers hand
 * in host batches and get numbers back.
 */
export class Trainer {
  private device: ParamTree;
  private adam: AdamState;
  private t = 0;
  private hostCache: HostParams | null = null;
  private metricNames: string[] = [];
  private readonly config: Required<Omit<AdamConfig, "maxGradNorm">> & { maxGradNorm?: number };
  private readonly shapes: Record<string, number[]>;
  private readonly update;
  private readonly evaluateLoss;
  private readonly compiled: { dispose(): void }[] = [];

  constructor(params: HostParams, loss: LossFn, config: AdamConfig) {
    this.config = { beta1: 0.9, beta2: 0.999, eps: 1e-8, ...config };
    this.shapes = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [...v.shape]]));
    this.device = treeToDevice(params);
    this.adam = {
      m: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, np.zeros(v.shape)])),
      v: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, np.zeros(v.shape)])),
    };

    const { beta1, beta2, eps, maxGradNorm } = this.config;
    const lossForGrad = (p: ParamTree, b: BatchTree) => {
      const { loss: l, metrics } = loss(p, b);
      return [l, metrics] as [JaxArray, Record<string, JaxArray>];
    };
    // The loss and metrics leave the step as one array, so reading them costs one sync. The
    // metric names are recorded while jit traces the step (the body runs in JS then).
    const packScalars = (l: JaxArray, metrics: Record<string, JaxArray>): JaxArray => {
      this.metricNames = Object.keys(metrics);
      return np.stack([l.reshape([]), ...Object.values(metrics).map((m) => m.reshape([]))]);
    };

    this.update = jit((p: ParamTree, opt: AdamState, b: BatchTree, stepSize: JaxArray) => {
      const [[l, metrics], grads] = valueAndGrad(lossForGrad, { hasAux: true })(tree.ref(p), b);
      let g = grads as ParamTree;
      if (maxGradNorm !== undefined) {
        const sq = Object.values(g).map((x) => np.square(x.ref).sum());
        const norm = np.sqrt(sq.reduce((a, c) => a.add(c)));
        const scale = np.minimum(np.divide(maxGradNorm, norm.add(1e-6)), 1);
        g = Object.fromEntries(Object.entries(g).map(([k, x]) => [k, x.mul(scale.ref)]));
        scale.dispose();
      }
      const m: ParamTree = {};
      const v: ParamTree = {};
      const next: ParamTree = {};
      for (const k of Object.keys(p)) {
        const gk = g[k];
        m[k] = opt.m[k].mul(beta1).add(gk.ref.mul(1 - beta1));
        v[k] = opt.v[k].mul(beta2).add(np.square(gk).mul(1 - beta2));
        const delta = m[k].ref.div(np.sqrt(v[k].ref).add(eps)).mul(stepSize.ref);
        next[k] = p[k].sub(delta);
      }
      stepSize.dispose();
      return [packScalars(l, metrics as Record<string, JaxArray>), next, { m, v }] as [
        JaxArray,
        ParamTree,
        AdamState,
      ];
    });
    this.evaluateLoss = jit((p: ParamTree, b: BatchTree) => {
      const { loss: l, metrics } = loss(p, b);
      return packScalars(l, metrics);
    });
    this.compiled.push(this.update, this.evaluateLoss);
  }

  /** One Adam step on `batch`. `lr` overrides the configured learning rate (for annealing). */
  step(batch: Record<string, HostTensor>, lr = this.config.lr): StepResult {
    this.t += 1;
    const { beta1, beta2 } = this.config;
    const stepSize = (lr * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    const [scalars, next, adam] = this.update(
      this.device,
      this.adam,
      treeToDevice(batch),
      np.array(stepSize),
    );
    this.device = next;
    this.adam = adam;
    this.hostCache = null;
    return this.readScalars(scalars);
  }

  /** The loss and metrics on `batch` without updating anything. */
  evaluate(batch: Record<string, HostTensor>): StepResult {
    return this.readScalars(this.evaluateLoss(tree.ref(this.device), treeToDevice(batch)));
  }

  /** Compiles a traced inference function over these parameters: returns host outputs. */
  compile(fn: ApplyFn): (inputs: Record<string, HostTensor>) => Float32Array {
    const compiled = jit(fn);
    this.compiled.push(compiled);
    return (inputs) =>
      compiled(tree.ref(this.device), treeToDevice(inputs)).dataSync() as Float32Array;
  }

  /** A host copy of the current parameters (cached until the next step). */
  get params(): HostParams {
    if (!this.hostCache) {
      const host: HostParams = {};
      for (const [k, v] of Object.entries(this.device)) {
        host[k] = { data: v.ref.dataSync() as Float32Array, shape: this.shapes[k] };
      }
      this.hostCache = host;
    }
    return this.hostCache;
  }

  /** Replaces the parameters (for loading a checkpoint). Adam starts afresh. */
  setParams(params: HostParams): void {
    for (const [k, shape] of Object.entries(this.shapes)) {
      const p = params[k];
      if (!p || p.shape.join() !== shape.join()) {
        throw new Error(
          `setParams: '${k}' missing or has shape [${p?.shape}] instead of [${shape}]`,
        );
      }
    }
    tree.dispose(this.device);
    tree.dispose(this.adam);
    this.device = treeToDevice(
      Object.fromEntries(Object.keys(this.shapes).map((k) => [k, params[k]])),
    );
    this.adam = {
      m: Object.fromEntries(Object.entries(this.shapes).map(([k, s]) => [k, np.zeros(s)])),
      v: Object.fromEntries(Object.entries(this.shapes).map(([k, s]) => [k, np.zeros(s)])),
    };
    this.t = 0;
    this.hostCache = null;
  }

  /** A host copy of Adam's state, for checkpoints. */
  optimizerState(): OptimizerState {
    const host = (moments: ParamTree): HostParams =>
      Object.fromEntries(
        Object.entries(moments).map(([k, x]) => [
          k,
          { data: x.ref.dataSync() as Float32Array, shape: [...this.shapes[k]] },
        ]),
      );
    return { t: this.t, m: host(this.adam.m), v: host(this.adam.v) };
  }

  /** Restores Adam's state saved by `optimizerState` (after `setParams`, which resets it). */
  setOptimizerState(state: OptimizerState): void {
    if (!(Number.isInteger(state.t) && state.t >= 0)) {
      throw new Error(`setOptimizerState: step count ${state.t} is not a non-negative integer`);
    }
    for (const which of ["m", "v"] as const) {
      const given = state[which];
      for (const [k, shape] of Object.entries(this.shapes)) {
        const x = given[k];
        if (
          !x ||
          x.shape.join() !== shape.join() ||
          x.data.length !== x.shape.reduce((a, b) => a * b, 1)
        ) {
          throw new Error(
            `setOptimizerState: '${which}.${k}' missing or has shape [${x?.shape}] instead of [${shape}]`,
          );
        }
      }
      for (const k of Object.keys(given)) {
        if (!Object.hasOwn(this.shapes, k))
          throw new Error(`setOptimizerState: unknown parameter '${which}.${k}'`);
      }
    }
    const toTree = (host: HostParams): ParamTree =>
      treeToDevice(Object.fromEntries(Object.keys(this.shapes).map((k) => [k, host[k]])));
    tree.dispose(this.adam);
    this.adam = { m: toTree(state.m), v: toTree(state.v) };
    this.t = state.t;
  }

  private readScalars(scalars: JaxArray): StepResult {
    const values = scalars.dataSync() as Float32Array;
    const metrics: Record<string, number> = {};
    this.metricNames.forEach((name, i) => {
      metrics[name] = values[i + 1];
    });
    return { loss: values[0], metrics };
  }

  dispose(): void {
    tree.dispose(this.device);
    tree.dispose(this.adam);
    for (const c of this.compiled) c.dispose();
  }
}
