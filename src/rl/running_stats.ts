/**
 * Running normalisers for PPO: observation mean/variance and the return-based reward scale
 * (Engstrom et al. 2020, "Implementation Matters in Deep RL"; Gymnasium's NormalizeObservation
 * and NormalizeReward wrappers compute the same).
 */

/** Per-dimension running mean and variance, merged batch by batch (Chan et al.'s parallel rule). */
export class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  /** Starts just above zero, as in Gymnasium, so the first batch sets the statistics. */
  count = 1e-4;

  constructor(readonly size: number) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
  }

  /** Adds `rows` rows of row-major `x` ([rows × size]). */
  update(x: ArrayLike<number>, rows = x.length / this.size): void {
    const { size } = this;
    for (let d = 0; d < size; d++) {
      let m = 0;
      for (let r = 0; r < rows; r++) m += x[r * size + d];
      m /= rows;
      let v = 0;
      for (let r = 0; r < rows; r++) v += (x[r * size + d] - m) ** 2;
      v /= rows;
      const delta = m - this.mean[d];
      const total = this.count + rows;
      this.mean[d] += (delta * rows) / total;
      const m2 = this.var[d] * this.count + v * rows + (delta * delta * this.count * rows) / total;
      this.var[d] = m2 / total;
    }
    this.count += rows;
  }

  /** (x − mean) / sqrt(var + 1e-8), clipped to ±clip; x is [rows × size]. */
  normalize(x: ArrayLike<number>, clip: number, out = new Float32Array(x.length)): Float32Array {
    const { size } = this;
    for (let i = 0; i < x.length; i++) {
      const d = i % size;
      const z = (x[i] - this.mean[d]) / Math.sqrt(this.var[d] + 1e-8);
      out[i] = Math.min(Math.max(z, -clip), clip);
    }
    return out;
  }

  toJSON(): { mean: number[]; var: number[]; count: number } {
    return { mean: [...this.mean], var: [...this.var], count: this.count };
  }

  /** Restores statistics saved by `toJSON`. */
  setState(s: { mean: number[]; var: number[]; count: number }): void {
    if (s.mean.length !== this.size || s.var.length !== this.size) {
      throw new Error(
        `RunningMeanStd: saved sizes ${s.mean.length} (mean) and ${s.var.length} (var), expected ${this.size}`,
      );
    }
    this.mean.set(s.mean);
    this.var.set(s.var);
    this.count = s.count;
  }
}

/**
 * Return-based reward scaling: rewards are divided by the running standard deviation of each
 * env's discounted return Σ γᵏ r (not mean-centred, so the reward's sign is kept).
 */
export class RewardScaler {
  readonly rms = new RunningMeanStd(1);
  private returns: Float64Array;

  constructor(
    numEnvs: number,
    readonly gamma: number,
  ) {
    this.returns = new Float64Array(numEnvs);
  }

  /**
   * Scales time-major `rewards` ([steps × numEnvs]); `done` marks episode ends. The discounted
   * returns carry on from the previous call, so call it once per consecutive rollout.
   */
  scale(rewards: Float32Array, done: Uint8Array, numEnvs: number): Float32Array {
    if (this.returns.length !== numEnvs) this.returns = new Float64Array(numEnvs);
    const seen = new Float64Array(rewards.length);
    for (let i = 0; i < rewards.length; i++) {
      const e = i % numEnvs;
      this.returns[e] = this.returns[e] * this.gamma + rewards[i];
      seen[i] = this.returns[e];
      if (done[i]) this.returns[e] = 0;
    }
    this.rms.update(seen);
    const std = Math.sqrt(this.rms.var[0] + 1e-8);
    const out = new Float32Array(rewards.length);
    for (let i = 0; i < rewards.length; i++) out[i] = rewards[i] / std;
    return out;
  }

  toJSON(): { rms: ReturnType<RunningMeanStd["toJSON"]>; returns: number[] } {
    return { rms: this.rms.toJSON(), returns: [...this.returns] };
  }

  /** Restores the state saved by `toJSON`. */
  setState(s: { rms: { mean: number[]; var: number[]; count: number }; returns: number[] }): void {
    this.rms.setState(s.rms);
    this.returns = Float64Array.from(s.returns);
  }

  /** Forgets every return seen, as when the reward being scaled changes. */
  reset(): void {
    this.setState({
      rms: new RunningMeanStd(1).toJSON(),
      returns: new Array(this.returns.length).fill(0),
    });
  }
}
