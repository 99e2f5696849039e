/**
 * The reward predictor of Christiano et al. 2017 (§2.2, App. A): an ensemble of MLPs r̂(o, a),
 * each fitted by the Bradley–Terry loss to its own bootstrap resample of the labelled pairs,
 * with its L2 weight adapted so that validation loss stays 1.1–1.5× training loss. After each
 * training call every member is normalised to zero mean and `targetStd` over the training
 * clips' steps, and the ensemble's reward is the members' average. How a call trains is
 * `RewardTrainer`'s (reward_trainer.ts); the parameters and all training state live here.
 *
 * All members train together in one jitted step (a loop over members inside one `jit`, faster
 * than `vmap` here: NOTES.md); each member has its own batch and its own L2 weight, passed in
 * as data so that changing it never recompiles.
 *
 * For grid observations (the arcade games, `network: "cnn"`) each member is the paper's Atari
 * predictor scaled to the 10×10 grid (`rewardCnnSpec`): small convolutions with leaky ReLU and
 * dropout, then a dense layer and the scalar, on the observation alone; `rewardPreset` gives the
 * arcade setup, with members normalised to std 0.05 as in the paper's Atari runs.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng, type RngState } from "../core/rng.ts";
import type { Space } from "../core/spaces.ts";
import { type Clip, clipLength, type Rollout } from "../core/types.ts";
import {
  type Activation,
  type CnnSpec,
  cnn,
  type HostParams,
  type HostTensor,
  initCnn,
  initMlp,
  type JaxArray,
  type LossFn,
  loadSafetensors,
  type MlpSpec,
  mlp,
  mlpHost,
  np,
  type OptimizerState,
  optimizerFromTensors,
  optimizerTensors,
  random,
  saveSafetensors,
  Trainer,
} from "../nn/index.ts";
import { bradleyTerryLoss, preferenceProbability } from "./bradley_terry.ts";
import { Featurizer, type InputStats } from "./features.ts";
import {
  type ClipReturns,
  type MemberBatch,
  RewardTrainer,
  type TrainableEnsemble,
  type TrainOptions,
  type ValidationScheme,
} from "./reward_trainer.ts";
import type {
  ClipPair,
  LabelledPair,
  PreferencePredictor,
  RewardModel,
  RewardTrainResult,
} from "./types.ts";

export type RewardEnsembleConfig = {
  /** Ensemble members (paper: 3). */
  members: number;
  /**
   * `mlp`: r̂(o, a) from the standardised observation and action (`hidden`, `activation`).
   * `cnn`: r̂(o) from a grid observation, by `rewardCnnSpec` (`grid`, `dropout`).
   */
  network: "mlp" | "cnn";
  /**
   * The CNN's grid height and width: observations are NHWC rows of grid[0] × grid[1] × C, with
   * C = obsSize / (grid[0] · grid[1]).
   */
  grid: [number, number];
  /** The CNN's dropout rate after each hidden layer, in training only (paper, Atari: 0.5). */
  dropout: number;
  /** Hidden layer widths of each member (paper, MuJoCo: 64, 64). */
  hidden: number[];
  /** Hidden nonlinearity (the paper used leaky ReLU, which src/nn lacks; ReLU is nearest). */
  activation: Activation;
  /** Adam learning rate. */
  lr: number;
  /** Labelled pairs in each member's minibatch. */
  batchPairs: number;
  /** Adam steps per `train` call (all members step together). */
  stepsPerCall: number;
  /** How each member's validation pairs are chosen (RewardTrainerConfig.validation). */
  validation: ValidationScheme;
  /** With `holdout`: the share of the labelled pairs each member holds out (paper: 1/e). */
  validationFraction: number;
  /** Starting L2 weight on each member's weight matrices (biases are not penalised). */
  l2Init: number;
  /** The band that validation loss / training loss is kept in (paper: 1.1–1.5). */
  l2Band: [number, number];
  /** L2 is multiplied by this above the band, divided by it below, per 100 Adam steps taken. */
  l2Factor: number;
  /** Std of each member's output over the training clips' steps (MuJoCo/classic 1, arcade 0.05). */
  targetStd: number;
  /** Chance the teacher answers uniformly at random: P′ = (1 − ε)·P̂ + ε/2 (paper: 0.1). */
  epsilon: number;
  /**
   * Pairs evaluated after each call's steps (normalisation, L2 adaptation, accuracy): all when
   * null, else a fresh random sample of this many. With thousands of labels a CNN spends far
   * longer on that pass over every clip than on the steps.
   */
  evalPairs: number | null;
  /** SURF's temporal cropping (RewardTrainerConfig.cropFraction); 0: off. */
  cropFraction: number;
  /** SURF's pseudo-labels (RewardTrainerConfig.pseudoLabels); null: off. */
  pseudoLabels: { threshold: number; ratio: number } | null;
  /**
   * Observation columns that are angles of free-turning joints, which the MLP sees as sine and
   * cosine (features.ts); [] for none.
   */
  periodicObs: number[];
  /** Seed for initialisation, the bootstrap draws and minibatches. */
  seed: number;
};

export const defaultRewardConfig: RewardEnsembleConfig = {
  members: 3,
  network: "mlp",
  grid: [10, 10],
  dropout: 0.5,
  hidden: [64, 64],
  activation: "relu",
  lr: 3e-3,
  batchPairs: 64,
  stepsPerCall: 10,
  validation: "holdout",
  validationFraction: 1 / Math.E,
  l2Init: 1e-4,
  l2Band: [1.1, 1.5],
  l2Factor: 1.5,
  targetStd: 1,
  epsilon: 0.1,
  evalPairs: null,
  cropFraction: 0,
  pseudoLabels: null,
  periodicObs: [],
  seed: 0,
};

/**
 * The paper's Atari predictor (four convolutions of 16 filters, 7×7 to 3×3 at strides 3, 2, 1,
 * 1, on 84×84 frames; leaky ReLU 0.01; dropout; dense 64; a scalar) scaled to a small grid: two
 * 3×3 convolutions of 16 filters, VALID, at strides 1 and 2 (10×10 → 8×8 → 3×3), dense 64, and
 * the scalar. The paper's batch normalisation is left out.
 */
export function rewardCnnSpec(
  grid: [number, number, number],
  dropout = defaultRewardConfig.dropout,
): CnnSpec {
  return {
    input: grid,
    convs: [
      { filters: 16, kernel: 3, stride: 1 },
      { filters: 16, kernel: 3, stride: 2 },
    ],
    dense: [64, 1],
    activation: "leakyRelu",
    leakySlope: 0.01,
    ...(dropout > 0 ? { dropout } : {}),
  };
}

/**
 * Reward-model settings per env id, layered over `defaultRewardConfig`: for the `MinAtar/*`
 * grids the CNN with members normalised to std 0.05 (the paper's Atari setting), 16 pairs per
 * member's minibatch, and the evaluation after each call on a sample of 200 pairs (a CNN pass
 * costs far more than an MLP's on this CPU: 20 s over 3,300 pairs, 1.5 s over 200); nothing
 * for other ids.
 */
export function rewardPreset(envId: string): Partial<RewardEnsembleConfig> {
  if (!envId.startsWith("MinAtar/")) return {};
  return {
    network: "cnn",
    grid: [10, 10],
    dropout: 0.5,
    targetStd: 0.05,
    batchPairs: 16,
    evalPairs: 200,
  };
}

/** The L2 weight never leaves this range, so a run of one-sided calls cannot drive it to 0 or ∞. */
const L2_RANGE: [number, number] = [1e-8, 10];
/** Rows per jitted inference call: powers of two from MIN_CHUNK to CHUNK (CNN_CHUNK for a CNN). */
const CHUNK = 16384;
/**
 * A CNN's intermediates are ~100× its input (a [rows·64 × 16] product per kernel offset and
 * member): 16,384 rows of three members overran wasm's 4 GiB; 2,048 stay far below it.
 */
const CNN_CHUNK = 2048;
const MIN_CHUNK = 256;
/** Below this many rows, the plain-JS forward beats a jax-js call (bench/reward.bench.ts). */
const HOST_ROWS = 64;
const FILE_PARAMS = "reward.safetensors";
const FILE_STATE = "reward.json";
const FILE_OPTIMIZER = "reward-optimizer.safetensors";
const FORMAT = "backflip-reward-ensemble/1";

type MemberNorm = { shift: number; scale: number };

type SavedState = {
  format: string;
  config: RewardEnsembleConfig;
  inputSize: number;
  inputStats: { mean: number[]; std: number[] } | null;
  memberNorm: MemberNorm[];
  l2: number[];
  trainCalls: number;
  /**
   * Training state beyond the weights (absent from checkpoints written before it was saved):
   * Adam's step count, with its moments in `reward-optimizer.safetensors`, and the minibatch
   * generator's state.
   */
  adamStep?: number;
  rng?: RngState;
};

export class RewardEnsemble implements RewardModel, PreferencePredictor, TrainableEnsemble {
  readonly config: RewardEnsembleConfig;
  readonly featurizer: Featurizer;
  /** Each member's MLP (with the CNN: unused, its sizes from the input to the CNN's output). */
  readonly spec: MlpSpec;
  /** Each member's CNN, or null for MLP members. */
  readonly cnnSpec: CnnSpec | null;
  private readonly trainer: Trainer;
  private readonly forwardJit: (inputs: Record<string, HostTensor>) => Float32Array;
  /** Draws minibatches, dropout keys and evaluation samples; saved with the model. */
  readonly rng: Rng;
  private readonly rewardTrainer: RewardTrainer;
  private l2Weights: number[];
  private memberNorm: MemberNorm[];
  /** Standardised input rows per clip id (valid while the input statistics stay fixed). */
  private readonly features = new Map<string, Float32Array>();
  private trainCalls = 0;

  constructor(
    observationSpace: Space,
    actionSpace: Space,
    config: Partial<RewardEnsembleConfig> = {},
  ) {
    this.config = { ...defaultRewardConfig, ...config };
    const c = this.config;
    if (!(Number.isInteger(c.members) && c.members >= 1)) {
      throw new Error(`RewardEnsemble: members must be a positive integer, got ${c.members}`);
    }
    if (!(c.validationFraction >= 0 && c.validationFraction < 1)) {
      throw new Error(
        `RewardEnsemble: validationFraction must be in [0, 1), got ${c.validationFraction}`,
      );
    }
    if (c.network !== "mlp" && c.network !== "cnn") {
      throw new Error(`RewardEnsemble: unknown network '${c.network}' (mlp or cnn)`);
    }
    const conv = c.network === "cnn";
    this.featurizer = new Featurizer(observationSpace, actionSpace, {
      observationOnly: conv,
      periodic: c.periodicObs,
    });
    this.cnnSpec = conv ? rewardCnnSpec(gridOf(this.featurizer.obsSize, c.grid), c.dropout) : null;
    this.spec = conv
      ? {
          sizes: [this.featurizer.inputSize, ...(this.cnnSpec as CnnSpec).dense],
          activation: "relu",
        }
      : { sizes: [this.featurizer.inputSize, ...c.hidden, 1], activation: c.activation };
    this.rng = new Rng(c.seed);
    const params: HostParams = {};
    for (let m = 0; m < c.members; m++) {
      const rng = this.rng.fork();
      Object.assign(
        params,
        this.cnnSpec ? initCnn(this.cnnSpec, rng, `m${m}`) : initMlp(this.spec, rng, `m${m}`),
      );
    }
    this.trainer = new Trainer(params, this.lossFn(), { lr: c.lr });
    this.forwardJit = this.trainer.compile((p, inputs) => {
      const outs: JaxArray[] = [];
      for (let m = 0; m < c.members; m++) {
        outs.push(this.member(p, m, m < c.members - 1 ? inputs.x.ref : inputs.x, null));
      }
      return outs.length === 1 ? outs[0] : np.concatenate(outs, 1);
    });
    this.l2Weights = new Array(c.members).fill(c.l2Init);
    this.memberNorm = Array.from({ length: c.members }, () => ({ shift: 0, scale: 1 }));
    this.rewardTrainer = new RewardTrainer(this, {
      batchPairs: c.batchPairs,
      stepsPerCall: c.stepsPerCall,
      validation: c.validation,
      validationFraction: c.validationFraction,
      l2Band: c.l2Band,
      l2Factor: c.l2Factor,
      dropout: (this.cnnSpec?.dropout ?? 0) > 0,
      epsilon: c.epsilon,
      evalPairs: c.evalPairs,
      cropFraction: c.cropFraction,
      pseudoLabels: c.pseudoLabels,
      seed: c.seed,
    });
  }

  get members(): number {
    return this.config.members;
  }

  /** A host copy of all members' parameters (`m{member}.{layer}.w|b`), for export or mlpHost. */
  get params(): HostParams {
    return this.trainer.params;
  }

  /** The L2 weight of each member now. */
  get l2PerMember(): number[] {
    return [...this.l2Weights];
  }

  l2(member: number): number {
    return this.l2Weights[member];
  }

  /** Sets member m's L2 weight, kept within L2_RANGE. */
  setL2(member: number, value: number): void {
    this.l2Weights[member] = Math.min(Math.max(value, L2_RANGE[0]), L2_RANGE[1]);
  }

  get inputSize(): number {
    return this.featurizer.inputSize;
  }

  /** The input statistics, fixed by the first `train` call (null before it). */
  get inputStats(): InputStats | null {
    return this.featurizer.stats;
  }

  /** Weight matrices (or kernels) per member: the L2 penalty's terms. */
  private get layers(): number {
    return this.cnnSpec
      ? this.cnnSpec.convs.length + this.cnnSpec.dense.length
      : this.spec.sizes.length - 1;
  }

  /**
   * Traced: member m's raw r̂ [rows × 1] for input rows `x`; the CNN drops units when given a
   * PRNG key. Consumes `x`, `key` and the member's parameters.
   */
  private member(
    p: Record<string, JaxArray>,
    m: number,
    x: JaxArray,
    key: JaxArray | null,
  ): JaxArray {
    if (this.cnnSpec) return cnn(p, `m${m}`, this.cnnSpec, x, key);
    key?.dispose();
    return mlp(p, `m${m}`, this.spec, x);
  }

  /**
   * The traced loss of all members: Σₘ [mean Bradley–Terry loss of member m's batch
   * + l2ₘ·Σ‖Wₘ‖²]. Batch per member m: `x{m}` [B·2T × inputs] (left clip's T steps, then the
   * right's, per pair), `sign{m}` [B × 2T] (+1 on the left's real steps, −1 on the right's, 0 on
   * padding), `mu{m}` [B] (μ₁), `l2_{m}` [] (the L2 weight), and for a CNN with dropout
   * `seed{m}` [] (the dropout key's seed).
   */
  private lossFn(): LossFn {
    const { members, epsilon } = this.config;
    const layers = this.layers;
    return (params, batch) => {
      let total: JaxArray | null = null;
      for (let m = 0; m < members; m++) {
        let sq: JaxArray | null = null;
        for (let l = 0; l < layers; l++) {
          const s = np.square(params[`m${m}.${l}.w`].ref).sum();
          sq = sq ? sq.add(s) : s;
        }
        const sign = batch[`sign${m}`];
        const shape = sign.shape;
        const seed = batch[`seed${m}`];
        const key = seed ? random.key(seed.astype(np.uint32).reshape([])) : null;
        const r = this.member(params, m, batch[`x${m}`], key).reshape(shape);
        const d = r.mul(sign).sum(1); // Σr̂(σ¹) − Σr̂(σ²), per pair
        const ce = bradleyTerryLoss(d, batch[`mu${m}`], epsilon).mean();
        const memberLoss = ce.add((sq as JaxArray).mul(batch[`l2_${m}`]));
        total = total ? total.add(memberLoss) : memberLoss;
      }
      return { loss: total as JaxArray, metrics: {} };
    };
  }

  /** Fixes the input statistics from the first training clips; later calls change nothing. */
  fitInputs(clips: readonly Clip[]): void {
    if (this.featurizer.stats) return;
    this.featurizer.fit(
      clips.map((clip) => ({ obs: clip.obs, actions: clip.actions, rows: clipLength(clip) })),
    );
    this.features.clear();
  }

  /**
   * Standardised input rows of a clip. Training clips' rows are cached by clip id (`keepRows`
   * prunes the cache to the current training clips after each call); other clips are not.
   */
  clipRows(clip: Clip, cache = true): Float32Array {
    let f = this.features.get(clip.id);
    if (!f) {
      f = this.featurizer.rows(clip.obs, clip.actions, clipLength(clip));
      if (cache) this.features.set(clip.id, f);
    }
    return f;
  }

  keepRows(ids: ReadonlySet<string>): void {
    for (const id of [...this.features.keys()]) if (!ids.has(id)) this.features.delete(id);
  }

  /** One Adam step of every member on its own minibatch (batches[m]), with its L2 weight. */
  step(batches: MemberBatch[]): void {
    const batch: Record<string, HostTensor> = {};
    const d = this.featurizer.inputSize;
    batches.forEach(({ x, sign, mu, dropoutSeed }, m) => {
      const pairs = mu.length;
      batch[`x${m}`] = { data: x, shape: [x.length / d, d] };
      batch[`sign${m}`] = { data: sign, shape: [pairs, sign.length / pairs] };
      batch[`mu${m}`] = { data: mu, shape: [pairs] };
      batch[`l2_${m}`] = { data: Float32Array.of(this.l2Weights[m]), shape: [] };
      if (dropoutSeed !== undefined) {
        batch[`seed${m}`] = { data: Float32Array.of(dropoutSeed), shape: [] };
      }
    });
    this.trainer.step(batch);
  }

  /** Sets member m's shift and scale so that its r̂ per step has mean 0 and std `targetStd`. */
  normalise(member: number, mean: number, std: number): void {
    this.memberNorm[member] = {
      shift: mean,
      scale: std > 1e-8 ? this.config.targetStd / std : 1,
    };
  }

  normalisedReturn(member: number, raw: number, steps: number): number {
    const { shift, scale } = this.memberNorm[member];
    return (raw - shift * steps) * scale;
  }

  /** Raw (unnormalised) member outputs for standardised rows x: [rows × members]. */
  private rawOutputs(x: Float32Array, rows: number): Float32Array {
    const { members } = this.config;
    const d = this.featurizer.inputSize;
    const out = new Float32Array(rows * members);
    if (rows <= HOST_ROWS && !this.cnnSpec) {
      // Plain JS: a jax-js call costs more than the arithmetic at this size.
      const params = this.trainer.params;
      for (let m = 0; m < members; m++) {
        const y = mlpHost(params, `m${m}`, this.spec, x.subarray(0, rows * d));
        for (let r = 0; r < rows; r++) out[r * members + m] = y[r];
      }
      return out;
    }
    // Power-of-two pieces (at most CHUNK, at least MIN_CHUNK rows), so that only a handful of
    // shapes is ever compiled and padding never exceeds MIN_CHUNK rows.
    for (let start = 0; start < rows; ) {
      const left = rows - start;
      let size = MIN_CHUNK;
      while (size * 2 <= Math.min(left, this.cnnSpec ? CNN_CHUNK : CHUNK)) size *= 2;
      const n = Math.min(size, left);
      const piece = new Float32Array(size * d);
      piece.set(x.subarray(start * d, (start + n) * d));
      const y = this.forwardJit({ x: { data: piece, shape: [size, d] } });
      out.set(y.subarray(0, n * members), start * members);
      start += n;
    }
    return out;
  }

  /** Each member's normalised r̂ for rows of obs and actions: result[member][row]. */
  predictMembers(obs: Float32Array, actions: Float32Array): Float32Array[] {
    const rows = this.rowCount(obs, actions);
    const raw = this.rawOutputs(this.featurizer.rows(obs, actions, rows), rows);
    const { members } = this.config;
    const result: Float32Array[] = [];
    for (let m = 0; m < members; m++) {
      const { shift, scale } = this.memberNorm[m];
      const y = new Float32Array(rows);
      for (let r = 0; r < rows; r++) y[r] = (raw[r * members + m] - shift) * scale;
      result.push(y);
    }
    return result;
  }

  /** The ensemble's r̂ for rows of obs and actions: the average of the normalised members. */
  predict(obs: Float32Array, actions: Float32Array): Float32Array {
    const rows = this.rowCount(obs, actions);
    const raw = this.rawOutputs(this.featurizer.rows(obs, actions, rows), rows);
    const { members } = this.config;
    let offset = 0;
    for (const { shift, scale } of this.memberNorm) offset += shift * scale;
    const y = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let m = 0; m < members; m++) s += raw[r * members + m] * this.memberNorm[m].scale;
      y[r] = (s - offset) / members;
    }
    return y;
  }

  /** r̂ for every step of a rollout, time-major like its rewards: [steps × numEnvs]. */
  predictRollout(rollout: Rollout): Float32Array {
    return this.predict(rollout.obs, rollout.actions);
  }

  private rowCount(obs: Float32Array, actions: Float32Array): number {
    const { obsSize, actSize } = this.featurizer;
    const rows = obs.length / obsSize;
    if (!Number.isInteger(rows) || actions.length !== rows * actSize) {
      throw new Error(
        `RewardEnsemble.predict: obs has ${obs.length} values and actions ${actions.length}; expected rows × ${obsSize} and rows × ${actSize}`,
      );
    }
    return rows;
  }

  /**
   * Raw predicted returns Σr̂ of each clip per member (result[member][clip]), with each
   * member's mean and std of r̂ over all the clips' steps.
   */
  rawClipReturns(clips: readonly Clip[]): ClipReturns {
    const { members } = this.config;
    const d = this.featurizer.inputSize;
    let rows = 0;
    for (const c of clips) rows += clipLength(c);
    const x = new Float32Array(rows * d);
    let at = 0;
    for (const c of clips) {
      x.set(this.clipRows(c, false), at * d);
      at += clipLength(c);
    }
    const raw = this.rawOutputs(x, rows);
    const returns = Array.from({ length: members }, () => new Float64Array(clips.length));
    const sum = new Float64Array(members);
    const sumSq = new Float64Array(members);
    let r = 0;
    clips.forEach((c, i) => {
      for (let t = 0; t < clipLength(c); t++, r++) {
        for (let m = 0; m < members; m++) {
          const v = raw[r * members + m];
          returns[m][i] += v;
          sum[m] += v;
          sumSq[m] += v * v;
        }
      }
    });
    const mean: number[] = [];
    const std: number[] = [];
    for (let m = 0; m < members; m++) {
      const mu = rows > 0 ? sum[m] / rows : 0;
      mean.push(mu);
      std.push(rows > 0 ? Math.sqrt(Math.max(sumSq[m] / rows - mu * mu, 0)) : 0);
    }
    return { returns, mean, std };
  }

  /** The ensemble's predicted return Σr̂ (normalised members, averaged) of each clip. */
  predictReturns(clips: readonly Clip[]): Float64Array {
    const { returns } = this.rawClipReturns(clips);
    const out = new Float64Array(clips.length);
    clips.forEach((c, i) => {
      let s = 0;
      for (let m = 0; m < this.config.members; m++) {
        s += this.normalisedReturn(m, returns[m][i], clipLength(c));
      }
      out[i] = s / this.config.members;
    });
    return out;
  }

  /**
   * P̂[left ≻ right] of each member for each pair (result[member][pair]), from the members' raw
   * predicted returns and without the ε mixing: what the paper's disagreement is measured on.
   */
  preferenceProbabilities(pairs: readonly ClipPair[]): Float32Array[] {
    const index = new Map<string, number>();
    const clips: Clip[] = [];
    for (const { left, right } of pairs) {
      for (const c of [left, right]) {
        if (!index.has(c.id)) {
          index.set(c.id, clips.length);
          clips.push(c);
        }
      }
    }
    const { returns } = this.rawClipReturns(clips);
    return returns.map((ret) => {
      const p = new Float32Array(pairs.length);
      pairs.forEach(({ left, right }, i) => {
        const dif = ret[index.get(left.id) as number] - ret[index.get(right.id) as number];
        p[i] = preferenceProbability(dif, 0);
      });
      return p;
    });
  }

  /** Fits the ensemble to the labelled pairs: see `RewardTrainer.train`. */
  train(pairs: readonly LabelledPair[], opts: TrainOptions = {}): RewardTrainResult {
    const result = this.rewardTrainer.train(pairs, opts);
    if (result.pairs > 0) this.trainCalls += 1;
    return result;
  }

  /**
   * Writes `reward.safetensors` (all members), `reward-optimizer.safetensors` (Adam's moments,
   * `m.<name>` and `v.<name>`) and, last, `reward.json` (config, statistics, normalisation, L2,
   * Adam's step count, the generator's state): all the training state.
   */
  save(dir: string): void {
    mkdirSync(dir, { recursive: true });
    saveSafetensors(join(dir, FILE_PARAMS), this.trainer.params, { format: FORMAT });
    const optimizer = this.trainer.optimizerState();
    saveSafetensors(join(dir, FILE_OPTIMIZER), optimizerTensors(optimizer), { format: FORMAT });
    const stats = this.featurizer.stats;
    const state: SavedState = {
      format: FORMAT,
      config: this.config,
      inputSize: this.featurizer.inputSize,
      inputStats: stats ? { mean: [...stats.mean], std: [...stats.std] } : null,
      memberNorm: this.memberNorm,
      l2: this.l2Weights,
      trainCalls: this.trainCalls,
      adamStep: optimizer.t,
      rng: this.rng.getState(),
    };
    const path = join(dir, FILE_STATE);
    writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
  }

  /**
   * Loads what `save` wrote into this ensemble, which must have the same members, layer sizes
   * and spaces (`fromSaved` builds one with the saved config). A checkpoint written before the
   * optimiser and generator were saved still loads: Adam then starts afresh and the generator
   * stays as it is.
   */
  load(dir: string): void {
    const state = readState(dir);
    const describe = (config: RewardEnsembleConfig, inputSize: number) =>
      (config.network ?? "mlp") === "cnn"
        ? `${config.members} CNN members on ${inputSize} inputs (grid ${config.grid})`
        : `${config.members} members of [${[inputSize, ...config.hidden, 1]}]`;
    const mine = describe(this.config, this.featurizer.inputSize);
    const theirs = describe(state.config, state.inputSize);
    if (mine !== theirs) {
      throw new Error(
        `RewardEnsemble.load: ${dir} holds ${theirs}; this ensemble has ${mine}. Construct it with the saved config and the same spaces.`,
      );
    }
    if (
      state.l2.length !== this.config.members ||
      state.memberNorm.length !== this.config.members
    ) {
      throw new Error(`RewardEnsemble.load: ${dir} has L2 or normalisation for the wrong members`);
    }
    // Everything is read before anything changes, so a missing file leaves this ensemble as it was.
    const params = loadSafetensors(join(dir, FILE_PARAMS)).params;
    let optimizer: OptimizerState | null = null;
    if (state.adamStep !== undefined) {
      const path = join(dir, FILE_OPTIMIZER);
      if (!existsSync(path)) {
        throw new Error(
          `RewardEnsemble.load: ${dir}/${FILE_STATE} records Adam's state but ${FILE_OPTIMIZER} is missing`,
        );
      }
      optimizer = optimizerFromTensors(loadSafetensors(path).params, state.adamStep);
    }
    this.trainer.setParams(params);
    if (optimizer) this.trainer.setOptimizerState(optimizer);
    if (state.rng) this.rng.setState(state.rng);
    this.featurizer.stats = state.inputStats
      ? {
          mean: Float32Array.from(state.inputStats.mean),
          std: Float32Array.from(state.inputStats.std),
        }
      : null;
    this.features.clear();
    this.memberNorm = state.memberNorm.map((n) => ({ ...n }));
    this.l2Weights = [...state.l2];
    this.trainCalls = state.trainCalls;
  }

  /**
   * An ensemble built with the config saved in `dir` and loaded from it, for callers that do not
   * know that config (a frozen reward model, a resumed run). The spaces must be the saved ones'.
   */
  static fromSaved(dir: string, observationSpace: Space, actionSpace: Space): RewardEnsemble {
    const ensemble = new RewardEnsemble(observationSpace, actionSpace, readState(dir).config);
    try {
      ensemble.load(dir);
    } catch (e) {
      ensemble.dispose();
      throw e;
    }
    return ensemble;
  }

  dispose(): void {
    this.trainer.dispose();
  }
}

/** [H, W, C] of NHWC rows of `size` values on an H × W grid. */
function gridOf(size: number, [h, w]: [number, number]): [number, number, number] {
  const c = size / (h * w);
  if (!(Number.isInteger(c) && c >= 1)) {
    throw new Error(`RewardEnsemble: ${size} observation values do not form a ${h}×${w} grid`);
  }
  return [h, w, c];
}

function readState(dir: string): SavedState {
  const path = join(dir, FILE_STATE);
  const state = JSON.parse(readFileSync(path, "utf8")) as SavedState;
  if (state.format !== FORMAT) {
    throw new Error(`RewardEnsemble.load: ${path} is '${state.format}', expected '${FORMAT}'`);
  }
  return state;
}
