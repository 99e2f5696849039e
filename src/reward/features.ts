/**
 * The reward model's input: the observation concatenated with the action, the action one-hot
 * for Discrete spaces. Inputs are standardised with statistics that are fixed once, from the
 * steps of the clips in the first training call (the pretraining clips in the paper's loop), so
 * that later training never sees its inputs shift under it. One-hot action columns are left as
 * they are.
 *
 * Observation columns named `periodic` are angles of joints that turn freely (a Hopper's torso
 * pitch, which MuJoCo does not wrap): each enters as its sine, in its own column, and its cosine,
 * in a column after the observation's, so that a state after a whole turn looks as it did before.
 *
 * For a convolutional reward model (grid observations) the input is the observation alone, as
 * it is for the paper's Atari predictor, and it is not standardised: a convolution shares its
 * weights across cells, which per-column statistics would give different scales.
 */
import { flatSize, type Space } from "../core/spaces.ts";

export type InputStats = {
  /** Per input column; 0 for one-hot columns. */
  mean: Float32Array;
  /** Per input column; 1 for one-hot and constant columns. */
  std: Float32Array;
};

/** Standard deviations below this are treated as a constant column (scale 1). */
const MIN_STD = 1e-6;

export class Featurizer {
  readonly obsSize: number;
  readonly actSize: number;
  /** Columns of one input row: obsSize + periodic columns' cosines + (Discrete n, or the Box size). */
  readonly inputSize: number;
  /** Observation columns that are free-turning angles (see the module's note). */
  readonly periodic: readonly number[];
  /** Where the action's columns start: after the observation and the cosines. */
  private readonly actionColumn: number;
  /** The observation alone, as it is (see the module's note): no action, no standardising. */
  readonly observationOnly: boolean;
  private readonly discreteN: number;
  stats: InputStats | null = null;

  constructor(
    observationSpace: Space,
    actionSpace: Space,
    options: { observationOnly?: boolean; periodic?: readonly number[] } = {},
  ) {
    this.obsSize = flatSize(observationSpace);
    this.actSize = flatSize(actionSpace);
    this.observationOnly = options.observationOnly ?? false;
    this.periodic = options.periodic ?? [];
    for (const i of this.periodic) {
      if (!(Number.isInteger(i) && i >= 0 && i < this.obsSize) || this.observationOnly) {
        throw new Error(
          `reward features: periodic column ${i} is not an observation column of an MLP input (0..${this.obsSize - 1})`,
        );
      }
    }
    this.discreteN = actionSpace.kind === "discrete" ? actionSpace.n : 0;
    this.actionColumn = this.obsSize + this.periodic.length;
    this.inputSize = this.observationOnly
      ? this.obsSize
      : this.actionColumn + (this.discreteN > 0 ? this.discreteN : this.actSize);
  }

  /**
   * Writes the input rows for `rows` steps (obs [rows × obsSize], actions [rows × actSize]) into
   * `out` at row `atRow`, standardised when statistics exist.
   */
  write(
    obs: Float32Array,
    actions: Float32Array,
    rows: number,
    out: Float32Array,
    atRow = 0,
  ): void {
    const { obsSize, actSize, inputSize, discreteN, periodic, actionColumn } = this;
    if (obs.length < rows * obsSize || actions.length < rows * actSize) {
      throw new Error(
        `reward features: ${rows} rows need ${rows * obsSize} obs and ${rows * actSize} action values, got ${obs.length} and ${actions.length}`,
      );
    }
    if (this.observationOnly) {
      out.set(obs.subarray(0, rows * obsSize), atRow * inputSize);
      return;
    }
    const mean = this.stats?.mean;
    const std = this.stats?.std;
    for (let r = 0; r < rows; r++) {
      const o = (atRow + r) * inputSize;
      for (let i = 0; i < obsSize; i++) out[o + i] = obs[r * obsSize + i];
      periodic.forEach((i, k) => {
        const angle = obs[r * obsSize + i];
        out[o + i] = Math.sin(angle);
        out[o + obsSize + k] = Math.cos(angle);
      });
      if (discreteN > 0) {
        out.fill(0, o + actionColumn, o + inputSize);
        const a = actions[r];
        if (!(Number.isInteger(a) && a >= 0 && a < discreteN)) {
          throw new Error(`reward features: discrete action ${a} is outside [0, ${discreteN})`);
        }
        out[o + actionColumn + a] = 1;
      } else {
        for (let i = 0; i < actSize; i++) out[o + actionColumn + i] = actions[r * actSize + i];
      }
      if (mean && std) {
        for (let i = 0; i < inputSize; i++) out[o + i] = (out[o + i] - mean[i]) / std[i];
      }
    }
  }

  /** Input rows for `rows` steps, as a new array. */
  rows(obs: Float32Array, actions: Float32Array, rows: number): Float32Array {
    const out = new Float32Array(rows * this.inputSize);
    this.write(obs, actions, rows, out);
    return out;
  }

  /**
   * Fixes the statistics from these steps (each entry: obs and actions of `rows` steps). With
   * `observationOnly` they are the identity (mean 0, std 1): the inputs stay as they are.
   */
  fit(parts: { obs: Float32Array; actions: Float32Array; rows: number }[]): InputStats {
    if (this.stats) throw new Error("reward features: statistics are fixed once and already set");
    const n = this.inputSize;
    if (this.observationOnly) {
      this.stats = { mean: new Float32Array(n), std: new Float32Array(n).fill(1) };
      return this.stats;
    }
    const sum = new Float64Array(n);
    const sumSq = new Float64Array(n);
    let count = 0;
    for (const p of parts) {
      const x = this.rows(p.obs, p.actions, p.rows);
      for (let r = 0; r < p.rows; r++) {
        for (let i = 0; i < n; i++) {
          const v = x[r * n + i];
          sum[i] += v;
          sumSq[i] += v * v;
        }
      }
      count += p.rows;
    }
    const mean = new Float32Array(n);
    const std = new Float32Array(n).fill(1);
    const firstOneHot = this.discreteN > 0 ? this.actionColumn : n;
    for (let i = 0; i < firstOneHot && count > 0; i++) {
      const m = sum[i] / count;
      const s = Math.sqrt(Math.max(sumSq[i] / count - m * m, 0));
      mean[i] = m;
      std[i] = s > MIN_STD ? s : 1;
    }
    this.stats = { mean, std };
    return this.stats;
  }
}
