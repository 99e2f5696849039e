/**
 * Proximal Policy Optimization (Schulman et al. 2017) for Box and Discrete action spaces, told
 * top to bottom in one file: config, networks, distributions, rollout, GAE, update, diagnostics.
 *
 * The agent acts with a plain-JS forward pass (`HostMlp`, fast at small batch) and trains with
 * one jitted jax-js step per minibatch (`Trainer`). For grid observations (the arcade games)
 * `network: "minatar-cnn"` swaps the MLPs for MinAtar's CNN as a shared torso with a policy and a
 * value head; that agent acts through one jitted forward per step at batch numEnvs. `update`
 * takes the rewards to learn from as an argument, so the preference loop can train on the reward
 * model's r̂ instead of the env's.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng, type RngState } from "../core/rng.ts";
import { flatSize, type Space } from "../core/spaces.ts";
import type { Frame, Rollout } from "../core/types.ts";
import type { Env, VecEnv } from "../envs/env.ts";
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
  minatarCnnSpec,
  mlp,
  nn,
  np,
  optimizerFromTensors,
  optimizerTensors,
  saveSafetensors,
  Trainer,
} from "../nn/index.ts";
import { playEpisodes } from "./episodes.ts";
import { HostMlp } from "./host_mlp.ts";
import { RewardScaler, RunningMeanStd } from "./running_stats.ts";

// ───────────────────────────────────────── CONFIG ─────────────────────────────────────────

export type PpoConfig = {
  /** Environments stepped together; the VecEnv handed to `collect` must have this many. */
  numEnvs: number;
  /** Steps per env per rollout: a rollout holds numEnvs × nSteps samples. */
  nSteps: number;
  /** Passes over each rollout in `update`. */
  epochs: number;
  /** Minibatches per epoch, each one jitted Adam step; numEnvs × nSteps must divide evenly. */
  minibatches: number;
  /** Adam learning rate (the start value when annealed). */
  lr: number;
  /** Anneal the learning rate linearly to 0 over `totalTimesteps`. */
  annealLr: boolean;
  /** Env steps (all envs together) of the whole run; only used to anneal the learning rate. */
  totalTimesteps: number;
  /** Discount factor γ. */
  gamma: number;
  /** GAE's λ (Schulman et al. 2016). */
  gaeLambda: number;
  /** Clip range ε of the probability ratio. */
  clipCoef: number;
  /** Entropy bonus coefficient (0.01, as in the paper's RL setups). */
  entCoef: number;
  /** Value loss coefficient. */
  vfCoef: number;
  /** Clip the global gradient norm to this. */
  maxGradNorm: number;
  /** Stop an update's epochs early once an epoch's mean approx KL passes this; null = never. */
  targetKl: number | null;
  /**
   * `mlp`: separate policy and value MLPs (`hidden`, `activation`). `minatar-cnn`: for grid
   * observations, MinAtar's network (3×3 convolution with 16 filters, VALID; dense 128; ReLU)
   * as one torso shared by a policy head and a value head (`hidden` and `activation` unused).
   */
  network: PpoNetwork;
  /**
   * The CNN's grid height and width: observations are NHWC rows of grid[0] × grid[1] × C, with
   * C = obsSize / (grid[0] · grid[1]). A Box shaped [H, W, C] gives its own grid instead.
   */
  grid: [number, number];
  /** Hidden layer widths of the policy and value MLPs (separate networks). */
  hidden: number[];
  /** Hidden-layer activation. */
  activation: Activation;
  /** Normalise observations by a running mean/variance (updated while collecting). */
  normalizeObs: boolean;
  /** Clip normalised observations to ±obsClip. */
  obsClip: number;
  /** Divide rewards by the running std of the discounted return (PPO's MuJoCo setup). */
  rewardScaling: boolean;
  /** Initial log standard deviation of the Gaussian policy (Box actions only). */
  logStdInit: number;
  /** Normalise advantages to zero mean, unit std within each minibatch. */
  normalizeAdvantages: boolean;
};

export type PpoNetwork = "mlp" | "minatar-cnn";

export const defaultPpoConfig: PpoConfig = {
  numEnvs: 1,
  nSteps: 2048,
  epochs: 10,
  minibatches: 32,
  lr: 3e-4,
  annealLr: true,
  totalTimesteps: 1_000_000,
  gamma: 0.99,
  gaeLambda: 0.95,
  clipCoef: 0.2,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: null,
  network: "mlp",
  grid: [10, 10],
  hidden: [64, 64],
  activation: "tanh",
  normalizeObs: true,
  obsClip: 10,
  rewardScaling: true,
  logStdInit: 0,
  normalizeAdvantages: true,
};

/** What one `update` did, for logging. Loss terms are means over the last epoch's minibatches. */
export type PpoStats = {
  policyLoss: number;
  valueLoss: number;
  /** Mean policy entropy (nats). */
  entropy: number;
  /** KL(old ‖ new) estimated as E[(r − 1) − log r] (Schulman, "Approximating KL divergence"). */
  approxKl: number;
  /** Fraction of samples whose ratio left [1 − ε, 1 + ε]. */
  clipFraction: number;
  /** 1 − Var[returns − values] / Var[returns] on the rollout, before the update. */
  explainedVariance: number;
  /** The learning rate used. */
  lr: number;
  /** Epochs run (fewer than `epochs` when `targetKl` stopped the update). */
  epochs: number;
  /** Wall time of the update in seconds. */
  seconds: number;
};

// ─────────────────────────────────────── DISTRIBUTIONS ────────────────────────────────────────

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Traced: log-density of a diagonal Gaussian, summed over the action dims, per row. `mean` and
 * `actions` are [B × k], `logStd` is [k]. Consumes its arguments.
 */
export function gaussianLogProb(mean: JaxArray, logStd: JaxArray, actions: JaxArray): JaxArray {
  const k = logStd.shape[0];
  const z = actions.sub(mean).mul(np.exp(logStd.ref.mul(-1)));
  return np
    .square(z)
    .sum(-1)
    .mul(-0.5)
    .sub(logStd.sum())
    .sub(0.5 * k * LOG_2PI);
}

/** Traced: entropy of a diagonal Gaussian with log-std `logStd` [k]: Σ log σ + k/2 (1 + log 2π). */
export function gaussianEntropy(logStd: JaxArray): JaxArray {
  const k = logStd.shape[0];
  return logStd.sum().add(0.5 * k * (1 + LOG_2PI));
}

/**
 * Traced: log-probability of one-hot `actions` [B × n] under `logits` [B × n], per row, and the
 * entropy per row. Written as logSoftmax · oneHot because gathers fail under jit (NOTES.md).
 */
export function categoricalLogProb(
  logits: JaxArray,
  actionsOneHot: JaxArray,
): { logp: JaxArray; entropy: JaxArray } {
  const logpAll = nn.logSoftmax(logits, -1);
  const logp = logpAll.ref.mul(actionsOneHot).sum(-1);
  const entropy = np.exp(logpAll.ref).mul(logpAll).sum(-1).mul(-1);
  return { logp, entropy };
}

/** Host: log-density of row `r` of `actions` under N(mean[r], exp(logStd)²). */
export function gaussianLogProbHost(
  mean: ArrayLike<number>,
  logStd: ArrayLike<number>,
  actions: ArrayLike<number>,
  r = 0,
): number {
  const k = logStd.length;
  let s = -0.5 * k * LOG_2PI;
  for (let j = 0; j < k; j++) {
    const z = (actions[r * k + j] - mean[r * k + j]) / Math.exp(logStd[j]);
    s -= 0.5 * z * z + logStd[j];
  }
  return s;
}

/** Host: softmax of row `r` of `logits` ([B × n]) into `out`; returns log Σ exp. */
function softmaxRow(logits: ArrayLike<number>, n: number, r: number, out: Float64Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) max = Math.max(max, logits[r * n + j]);
  let z = 0;
  for (let j = 0; j < n; j++) {
    out[j] = Math.exp(logits[r * n + j] - max);
    z += out[j];
  }
  for (let j = 0; j < n; j++) out[j] /= z;
  return max + Math.log(z);
}

/** Host: log-probability of action index `a` under row `r` of `logits` ([B × n]). */
export function categoricalLogProbHost(
  logits: ArrayLike<number>,
  n: number,
  a: number,
  r = 0,
): number {
  return logits[r * n + a] - softmaxRow(logits, n, r, new Float64Array(n));
}

// ─────────────────────────────────────────── GAE ───────────────────────────────────────────

export type GaeInput = {
  /** [steps × numEnvs], time-major. */
  rewards: Float32Array;
  /** V(s_t), [steps × numEnvs]. */
  values: Float32Array;
  /**
   * V of the state after step t: V(s_{t+1}) within an episode and at the rollout's end, V(final
   * observation) where the episode was truncated; ignored where it terminated.
   */
  nextValues: Float32Array;
  /** 1 where the episode terminated (no bootstrap) after step t. */
  terminated: Uint8Array;
  /** 1 where the episode ended after step t for any reason (the GAE sum stops there). */
  done: Uint8Array;
  numEnvs: number;
  gamma: number;
  lambda: number;
};

/**
 * Generalised advantage estimation: Â_t = Σ_k (γλ)^k δ_{t+k} within an episode, with
 * δ_t = r_t + γ V(s_{t+1}) (1 − terminated_t) − V(s_t). Returns Â and the value targets Â + V.
 */
export function gae(input: GaeInput): { advantages: Float32Array; returns: Float32Array } {
  const { rewards, values, nextValues, terminated, done, numEnvs, gamma, lambda } = input;
  const n = rewards.length;
  const advantages = new Float32Array(n);
  const returns = new Float32Array(n);
  const carry = new Float64Array(numEnvs);
  for (let i = n - 1; i >= 0; i--) {
    const e = i % numEnvs;
    const bootstrap = terminated[i] ? 0 : gamma * nextValues[i];
    const delta = rewards[i] + bootstrap - values[i];
    carry[e] = delta + gamma * lambda * (done[i] ? 0 : carry[e]);
    advantages[i] = carry[e];
    returns[i] = carry[e] + values[i];
  }
  return { advantages, returns };
}

// ────────────────────────────────────────── AGENT ──────────────────────────────────────────

/** What `collect` keeps for `update`, alongside the public Rollout. */
type RolloutInternals = {
  /** Normalised observations the policy saw, [steps × numEnvs × obsSize]. */
  obsNorm: Float32Array;
  /** The sampled actions before clipping to the Box (indices for Discrete). */
  sampled: Float32Array;
  logProbs: Float32Array;
  values: Float32Array;
  nextValues: Float32Array;
};

type SavedAgent = {
  format: "backflip-ppo/1";
  config: PpoConfig;
  observationSpace: unknown;
  actionSpace: unknown;
  obsRms: ReturnType<RunningMeanStd["toJSON"]> | null;
  rewardScaler: ReturnType<RewardScaler["toJSON"]> | null;
  policyVersion: number;
  envSteps: number;
  seed: number;
  /**
   * Training state beyond the weights (absent from checkpoints written before it was saved):
   * Adam's step count, with its moments in `optimizer.safetensors`, and the generators' states.
   */
  adamStep?: number;
  sampleRng?: RngState;
  shuffleRng?: RngState;
};

const FILE_POLICY = "policy.safetensors";
const FILE_OPTIMIZER = "optimizer.safetensors";
const FILE_AGENT = "agent.json";

export class PpoAgent {
  readonly config: PpoConfig;
  readonly obsSize: number;
  /** Scalars per action (1 for Discrete). */
  readonly actSize: number;
  /** Number of updates so far. */
  policyVersion = 0;
  /** Env steps collected so far (all envs together). */
  envSteps = 0;

  private readonly discrete: boolean;
  /** Policy head width: the Box size, or the number of discrete actions. */
  private readonly outSize: number;
  /** The policy and value MLPs; with the CNN, the heads on its torso's features. */
  private readonly piSpec: MlpSpec;
  private readonly vfSpec: MlpSpec;
  /** The CNN's shared torso (its last dense layer's output, ReLU'd, feeds both heads); null = MLP. */
  private readonly torsoSpec: CnnSpec | null;
  private readonly trainer: Trainer;
  private readonly obsRms: RunningMeanStd | null;
  private readonly rewardScaler: RewardScaler | null;
  private readonly sampleRng: Rng;
  private readonly shuffleRng: Rng;
  private readonly internals = new WeakMap<Rollout, RolloutInternals>();
  /** Where the last rollout stopped: the env and its current observations. */
  private venv: VecEnv | null = null;
  private lastObs: Float32Array | null = null;
  private valueForward: ((inputs: Record<string, HostTensor>) => Float32Array) | null = null;
  /** Host copies of the networks for acting; rebuilt after the parameters change. */
  private hostNets: { pi: HostMlp; vf: HostMlp } | null = null;
  /** The CNN's jitted forward at batch numEnvs: [numEnvs × (outSize + 1)], policy head then V. */
  private cnnForward: ((inputs: Record<string, HostTensor>) => Float32Array) | null = null;

  constructor(
    config: Partial<PpoConfig>,
    readonly observationSpace: Space,
    readonly actionSpace: Space,
    readonly seed: number,
  ) {
    const c: PpoConfig = { ...defaultPpoConfig, ...config };
    this.config = c;
    if ((c.numEnvs * c.nSteps) % c.minibatches !== 0) {
      throw new Error(
        `PPO: numEnvs × nSteps (${c.numEnvs} × ${c.nSteps}) must divide into ${c.minibatches} minibatches`,
      );
    }
    if (observationSpace.kind !== "box") throw new Error("PPO: observations must be a Box");
    this.obsSize = flatSize(observationSpace);
    this.discrete = actionSpace.kind === "discrete";
    this.actSize = flatSize(actionSpace);
    this.outSize = actionSpace.kind === "discrete" ? actionSpace.n : this.actSize;
    if (c.network === "minatar-cnn") {
      const [h, w, ch] = gridOf(observationSpace, c.grid);
      const spec = minatarCnnSpec(ch, this.outSize, { grid: [h, w] });
      // The torso ends at the dense layer's 128 features; the heads replace its output layer.
      const features = spec.dense[0];
      this.torsoSpec = { ...spec, dense: [features] };
      this.piSpec = { sizes: [features, this.outSize], activation: "relu" };
      this.vfSpec = { sizes: [features, 1], activation: "relu" };
    } else if (c.network === "mlp") {
      this.torsoSpec = null;
      this.piSpec = { sizes: [this.obsSize, ...c.hidden, this.outSize], activation: c.activation };
      this.vfSpec = { sizes: [this.obsSize, ...c.hidden, 1], activation: c.activation };
    } else {
      throw new Error(`PPO: unknown network '${c.network}' (mlp or minatar-cnn)`);
    }

    const rng = new Rng(seed);
    const initRng = rng.fork();
    this.sampleRng = rng.fork();
    this.shuffleRng = rng.fork();
    // Orthogonal init as in CleanRL: a near-uniform policy (gain 0.01) and a unit-gain value head;
    // the CNN torso's layers all take √2, as hidden layers do.
    const params: HostParams = {
      ...(this.torsoSpec ? initCnn(this.torsoSpec, initRng, "torso", { outGain: Math.SQRT2 }) : {}),
      ...initMlp(this.piSpec, initRng, "pi", { outGain: 0.01 }),
      ...initMlp(this.vfSpec, initRng, "vf", { outGain: 1 }),
    };
    if (!this.discrete) {
      params.logStd = {
        data: new Float32Array(this.actSize).fill(c.logStdInit),
        shape: [this.actSize],
      };
    }
    this.trainer = new Trainer(params, this.loss(), { lr: c.lr, maxGradNorm: c.maxGradNorm });
    this.obsRms = c.normalizeObs ? new RunningMeanStd(this.obsSize) : null;
    this.rewardScaler = c.rewardScaling ? new RewardScaler(c.numEnvs, c.gamma) : null;
  }

  // ───────────────────────────── LOSS (traced, one jit per minibatch) ─────────────────────────────

  /**
   * Traced: the policy head [B × outSize] and V [B] for observations [B × obsSize]. Consumes
   * `obs` and the networks' parameters (the CNN's torso once, shared by both heads).
   */
  private forward(p: Record<string, JaxArray>, obs: JaxArray): { head: JaxArray; v: JaxArray } {
    const { piSpec, vfSpec, torsoSpec } = this;
    if (!torsoSpec) {
      return { head: mlp(p, "pi", piSpec, obs.ref), v: mlp(p, "vf", vfSpec, obs).reshape([-1]) };
    }
    const features = np.maximum(cnn(p, "torso", torsoSpec, obs), 0);
    return {
      head: mlp(p, "pi", piSpec, features.ref),
      v: mlp(p, "vf", vfSpec, features).reshape([-1]),
    };
  }

  /** L = −L^CLIP + c_v · ½(V − R)² − c_e · H, with every term reported. */
  private loss(): LossFn {
    const { clipCoef, vfCoef, entCoef } = this.config;
    const { discrete } = this;
    return (p, b) => {
      const { head, v } = this.forward(p, b.obs);
      let logp: JaxArray;
      let entropy: JaxArray;
      if (discrete) {
        const d = categoricalLogProb(head, b.act);
        logp = d.logp;
        entropy = d.entropy.mean();
      } else {
        logp = gaussianLogProb(head, p.logStd.ref, b.act);
        entropy = gaussianEntropy(p.logStd);
      }
      const logRatio = logp.sub(b.logp);
      const ratio = np.exp(logRatio.ref);
      const adv = b.adv;
      const unclipped = adv.ref.mul(ratio.ref);
      const clipped = adv.mul(np.clip(ratio.ref, 1 - clipCoef, 1 + clipCoef));
      const policyLoss = np.minimum(unclipped, clipped).mean().mul(-1);

      const valueLoss = np.square(v.sub(b.ret)).mean().mul(0.5);

      const loss = policyLoss.ref.add(valueLoss.ref.mul(vfCoef)).sub(entropy.ref.mul(entCoef));
      // Diagnostics (http://joschu.net/blog/kl-approx.html for the KL estimate).
      const approxKl = ratio.ref.sub(1).sub(logRatio).mean();
      const clipFraction = np.abs(ratio.sub(1)).greater(clipCoef).astype(np.float32).mean();
      return { loss, metrics: { policyLoss, valueLoss, entropy, approxKl, clipFraction } };
    };
  }

  // ─────────────────────────────────────── ACTING ───────────────────────────────────────

  private nets(): { pi: HostMlp; vf: HostMlp } {
    if (!this.hostNets) {
      const params = this.trainer.params;
      this.hostNets = {
        pi: new HostMlp(params, "pi", this.piSpec),
        vf: new HostMlp(params, "vf", this.vfSpec),
      };
    }
    return this.hostNets;
  }

  /** Normalised copy of raw observations [rows × obsSize] (statistics unchanged). */
  private normalize(obs: Float32Array): Float32Array {
    return this.obsRms ? this.obsRms.normalize(obs, this.config.obsClip) : obs;
  }

  /**
   * V for normalised observations [rows × obsSize]: a jitted jax-js forward for the rollout's
   * fixed-size batch (~3× faster than the host MLP there), the host MLP for anything else.
   */
  private values(obsNorm: Float32Array): Float32Array {
    const rows = obsNorm.length / this.obsSize;
    if (this.torsoSpec) {
      const out = this.cnnOutputs(obsNorm);
      const width = this.outSize + 1;
      return Float32Array.from({ length: rows }, (_, r) => out[r * width + this.outSize]);
    }
    if (rows !== this.config.numEnvs * this.config.nSteps) return this.nets().vf.forward(obsNorm);
    this.valueForward ??= this.trainer.compile((p, x) => mlp(p, "vf", this.vfSpec, x.obs));
    return this.valueForward({ obs: { data: obsNorm, shape: [rows, this.obsSize] } });
  }

  /**
   * The CNN's policy head and V for normalised observations [rows × obsSize], as rows of
   * [outSize + 1], through one jitted forward at batch numEnvs (rows are padded to a multiple of
   * it, so that one shape is ever compiled).
   */
  private cnnOutputs(obsNorm: Float32Array): Float32Array {
    const { obsSize, outSize } = this;
    const batch = this.config.numEnvs;
    const rows = obsNorm.length / obsSize;
    const width = outSize + 1;
    this.cnnForward ??= this.trainer.compile((p, x) => {
      const { head, v } = this.forward(p, x.obs);
      return np.concatenate([head, v.reshape([-1, 1])], 1);
    });
    const forward = this.cnnForward;
    const run = (x: Float32Array) => forward({ obs: { data: x, shape: [batch, obsSize] } });
    if (rows === batch) return run(obsNorm);
    const out = new Float32Array(rows * width);
    for (let start = 0; start < rows; start += batch) {
      const n = Math.min(batch, rows - start);
      const piece = new Float32Array(batch * obsSize);
      piece.set(obsNorm.subarray(start * obsSize, (start + n) * obsSize));
      out.set(run(piece).subarray(0, n * width), start * width);
    }
    return out;
  }

  /** The Box's bounds applied to a sampled action, for the env. */
  private clipAction(a: Float32Array): Float32Array {
    const space = this.actionSpace;
    if (space.kind === "discrete") return a;
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const j = i % this.actSize;
      out[i] = Math.min(Math.max(a[i], space.low[j]), space.high[j]);
    }
    return out;
  }

  /**
   * Samples (or picks the mode of) the policy for normalised observations [rows × obsSize]:
   * returns the actions before clipping and their log-probabilities.
   */
  private sample(
    obsNorm: Float32Array,
    deterministic: boolean,
  ): { actions: Float32Array; logProbs: Float32Array; values: Float32Array | null } {
    const rows = obsNorm.length / this.obsSize;
    const { outSize, actSize, sampleRng: rng } = this;
    let head: Float32Array;
    let values: Float32Array | null = null;
    if (this.torsoSpec) {
      // One forward gives both heads: the values are kept for the rollout.
      const out = this.cnnOutputs(obsNorm);
      head = new Float32Array(rows * outSize);
      values = new Float32Array(rows);
      for (let r = 0; r < rows; r++) {
        head.set(out.subarray(r * (outSize + 1), r * (outSize + 1) + outSize), r * outSize);
        values[r] = out[r * (outSize + 1) + outSize];
      }
    } else {
      head = this.nets().pi.forward(obsNorm);
    }
    const logProbs = new Float32Array(rows);
    if (this.discrete) {
      const actions = new Float32Array(rows);
      const probs = new Float64Array(outSize);
      for (let r = 0; r < rows; r++) {
        const logZ = softmaxRow(head, outSize, r, probs);
        let a = 0;
        if (deterministic) {
          for (let j = 1; j < outSize; j++) if (probs[j] > probs[a]) a = j;
        } else {
          let u = rng.random();
          while (a < outSize - 1 && u >= probs[a]) u -= probs[a++];
        }
        actions[r] = a;
        logProbs[r] = head[r * outSize + a] - logZ;
      }
      return { actions, logProbs, values };
    }
    const logStd = this.trainer.params.logStd.data;
    const actions = new Float32Array(rows * actSize);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < actSize; j++) {
        const i = r * actSize + j;
        actions[i] = deterministic ? head[i] : head[i] + Math.exp(logStd[j]) * rng.normal();
      }
      logProbs[r] = gaussianLogProbHost(head, logStd, actions, r);
    }
    return { actions, logProbs, values };
  }

  /**
   * Actions for raw observations, one env ([obsSize]) or a batch ([rows × obsSize]), ready for
   * `env.step` (Box actions clipped; Discrete as indices). `deterministic` takes the mean / argmax.
   */
  act(obs: Float32Array, deterministic = false): Float32Array {
    if (obs.length % this.obsSize !== 0) {
      throw new Error(
        `act: expected rows of ${this.obsSize} observation values, got ${obs.length}`,
      );
    }
    return this.clipAction(this.sample(this.normalize(obs), deterministic).actions);
  }

  // ─────────────────────────────────────── ROLLOUT ───────────────────────────────────────

  /**
   * Steps `venv` for nSteps with the current policy, carrying on from where the last rollout
   * stopped (the first call resets the env with the agent's seed). Frames, when asked for, show
   * each env as the action was taken, like `obs`.
   */
  collect(venv: VecEnv, opts: { recordFrames?: boolean } = {}): Rollout {
    const { numEnvs, nSteps } = this.config;
    if (venv.numEnvs !== numEnvs) {
      throw new Error(`collect: the VecEnv has ${venv.numEnvs} envs, the config ${numEnvs}`);
    }
    if (venv.obsSize !== this.obsSize || venv.actSize !== this.actSize) {
      throw new Error(`collect: '${venv.spec.id}' does not match the agent's spaces`);
    }
    if (this.venv !== venv || this.lastObs === null) {
      this.venv = venv;
      this.lastObs = venv.reset(this.seed);
    }
    const { obsSize, actSize } = this;
    const n = nSteps * numEnvs;
    const obs = new Float32Array(n * obsSize);
    const obsNorm = new Float32Array(n * obsSize);
    const actions = new Float32Array(n * actSize);
    const sampled = new Float32Array(n * actSize);
    const rewards = new Float32Array(n);
    const terminated = new Uint8Array(n);
    const truncated = new Uint8Array(n);
    const unhealthy = new Uint8Array(n);
    const logProbs = new Float32Array(n);
    /** Filled while stepping when the policy's forward gives V too (the CNN), else after. */
    let stepValues: Float32Array | null = this.torsoSpec ? new Float32Array(n) : null;
    const nextValues = new Float32Array(n);
    /** Truncated steps, bootstrapped below from V(final observation). */
    const truncations: { index: number; obsNorm: Float32Array }[] = [];
    const signals: Record<string, Float32Array> = {};
    const frames: Frame[] | null = opts.recordFrames ? [] : null;

    let current = this.lastObs;
    for (let t = 0; t < nSteps; t++) {
      const base = t * numEnvs;
      this.obsRms?.update(current, numEnvs);
      const norm = this.normalize(current);
      obs.set(current, base * obsSize);
      obsNorm.set(norm, base * obsSize);
      const { actions: a, logProbs: lp, values: v } = this.sample(norm, false);
      if (stepValues && v) stepValues.set(v, base);
      else stepValues = null;
      const envActions = this.clipAction(a);
      sampled.set(a, base * actSize);
      actions.set(envActions, base * actSize);
      logProbs.set(lp, base);
      if (frames) for (let e = 0; e < numEnvs; e++) frames.push(venv.frame(e));

      const res = venv.step(envActions);
      rewards.set(res.rewards, base);
      terminated.set(res.terminated, base);
      truncated.set(res.truncated, base);
      unhealthy.set(res.unhealthy, base);
      for (let e = 0; e < numEnvs; e++) {
        const info = res.infos[e].signals;
        if (!info) continue;
        for (const [name, value] of Object.entries(info)) {
          signals[name] ??= new Float32Array(n);
          signals[name][base + e] = value;
        }
      }
      for (let e = 0; e < numEnvs; e++) {
        const final = res.finalObs[e];
        if (res.truncated[e] && !res.terminated[e] && final) {
          truncations.push({ index: base + e, obsNorm: this.normalize(final) });
        }
      }
      current = res.obs;
    }

    // Values of the rollout, then V(s_{t+1}): the next step's value within an episode, a fresh
    // one after the last step, and V(final observation) where the time limit truncated it.
    const values = stepValues ?? this.values(obsNorm);
    const bootstrapObs = new Float32Array((numEnvs + truncations.length) * obsSize);
    bootstrapObs.set(this.normalize(current));
    truncations.forEach((tr, k) => {
      bootstrapObs.set(tr.obsNorm, (numEnvs + k) * obsSize);
    });
    const bootstrap = this.values(bootstrapObs);
    for (let i = 0; i < n; i++) {
      if (terminated[i] || truncated[i]) continue;
      nextValues[i] = i + numEnvs < n ? values[i + numEnvs] : bootstrap[i % numEnvs];
    }
    truncations.forEach((tr, k) => {
      nextValues[tr.index] = bootstrap[numEnvs + k];
    });
    this.lastObs = current;

    const rollout: Rollout = {
      envId: venv.spec.id,
      numEnvs,
      steps: nSteps,
      obsSize,
      actSize,
      obs,
      actions,
      rewards,
      terminated,
      truncated,
      unhealthy,
      signals,
      frames,
      policyVersion: this.policyVersion,
      envStepStart: this.envSteps,
    };
    this.envSteps += n;
    this.internals.set(rollout, { obsNorm, sampled, logProbs, values, nextValues });
    return rollout;
  }

  // ─────────────────────────────────────── UPDATE ───────────────────────────────────────

  /**
   * One PPO update on a rollout from `collect`, learning from `rewards` ([steps × numEnvs]) in
   * place of the env's reward: pass `rollout.rewards` for true-reward RL, r̂ for preferences.
   */
  update(rollout: Rollout, rewards: Float32Array): PpoStats {
    const started = performance.now();
    const saved = this.internals.get(rollout);
    if (!saved) throw new Error("update: the rollout did not come from this agent's collect()");
    const n = rollout.steps * rollout.numEnvs;
    if (rewards.length !== n) {
      throw new Error(`update: expected ${n} rewards (steps × numEnvs), got ${rewards.length}`);
    }
    const c = this.config;
    const done = new Uint8Array(n);
    for (let i = 0; i < n; i++) done[i] = rollout.terminated[i] | rollout.truncated[i];
    const r = this.rewardScaler ? this.rewardScaler.scale(rewards, done, rollout.numEnvs) : rewards;
    const { advantages, returns } = gae({
      rewards: r,
      values: saved.values,
      nextValues: saved.nextValues,
      terminated: rollout.terminated,
      done,
      numEnvs: rollout.numEnvs,
      gamma: c.gamma,
      lambda: c.gaeLambda,
    });

    const lr = c.annealLr ? c.lr * Math.max(0, 1 - rollout.envStepStart / c.totalTimesteps) : c.lr;
    const mb = n / c.minibatches;
    const { obsSize, actSize, outSize } = this;
    const actWidth = this.discrete ? outSize : actSize;
    const order = Array.from({ length: n }, (_, i) => i);
    const sums: Record<string, number> = {};
    let epochs = 0;
    for (let epoch = 0; epoch < c.epochs; epoch++) {
      this.shuffleRng.shuffle(order);
      for (const k of Object.keys(sums)) sums[k] = 0;
      for (let start = 0; start < n; start += mb) {
        const obs = new Float32Array(mb * obsSize);
        const act = new Float32Array(mb * actWidth);
        const logp = new Float32Array(mb);
        const adv = new Float32Array(mb);
        const ret = new Float32Array(mb);
        for (let j = 0; j < mb; j++) {
          const i = order[start + j];
          obs.set(saved.obsNorm.subarray(i * obsSize, (i + 1) * obsSize), j * obsSize);
          if (this.discrete) act[j * outSize + saved.sampled[i]] = 1;
          else act.set(saved.sampled.subarray(i * actSize, (i + 1) * actSize), j * actSize);
          logp[j] = saved.logProbs[i];
          adv[j] = advantages[i];
          ret[j] = returns[i];
        }
        if (c.normalizeAdvantages) standardize(adv);
        const { metrics } = this.trainer.step(
          {
            obs: { data: obs, shape: [mb, obsSize] },
            act: { data: act, shape: [mb, actWidth] },
            logp: { data: logp, shape: [mb] },
            adv: { data: adv, shape: [mb] },
            ret: { data: ret, shape: [mb] },
          },
          lr,
        );
        for (const [k, v] of Object.entries(metrics)) sums[k] = (sums[k] ?? 0) + v;
      }
      epochs++;
      if (c.targetKl !== null && sums.approxKl / c.minibatches > c.targetKl) break;
    }
    this.policyVersion++;
    this.hostNets = null;
    const mean = (k: string) => sums[k] / c.minibatches;
    return {
      policyLoss: mean("policyLoss"),
      valueLoss: mean("valueLoss"),
      entropy: mean("entropy"),
      approxKl: mean("approxKl"),
      clipFraction: mean("clipFraction"),
      explainedVariance: explainedVariance(saved.values, returns),
      lr,
      epochs,
      seconds: (performance.now() - started) / 1000,
    };
  }

  // ──────────────────────────────────── EVALUATION ─────────────────────────────────────

  /**
   * Forgets the reward scale learned so far: for a policy that starts on a different reward (after
   * an intrinsic-reward phase).
   */
  resetRewardScale(): void {
    this.rewardScaler?.reset();
  }

  /**
   * Mean and std of the true episode return with deterministic actions; episode i uses seed + i.
   * Up to numEnvs episodes are played at once, the policy acting on all of them in one batch.
   */
  evaluate(
    makeEnv: () => Env,
    episodes: number,
    seed: number,
  ): { mean: number; std: number; returns: number[] } {
    const returns = playEpisodes(this, makeEnv, episodes, seed, this.config.numEnvs);
    const mean = returns.reduce((a, b) => a + b, 0) / episodes;
    const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / episodes);
    return { mean, std, returns };
  }

  // ─────────────────────────────────────── CHECKPOINTS ───────────────────────────────────────

  /** Host copy of the weights (`pi.*`, `vf.*`, and `logStd` for Box actions). */
  get params(): HostParams {
    return this.trainer.params;
  }

  /**
   * Writes `policy.safetensors` (weights), `optimizer.safetensors` (Adam's moments, `m.<name>`
   * and `v.<name>`) and, last, `agent.json` (config, spaces, normaliser statistics, Adam's step
   * count, the sampling and shuffling generators' states): all the training state, so that a run
   * can resume from it.
   */
  save(dir: string): void {
    mkdirSync(dir, { recursive: true });
    saveSafetensors(join(dir, FILE_POLICY), this.trainer.params, {
      format: "backflip-ppo/1",
      policyVersion: String(this.policyVersion),
    });
    const optimizer = this.trainer.optimizerState();
    saveSafetensors(join(dir, FILE_OPTIMIZER), optimizerTensors(optimizer), {
      format: "backflip-ppo/1",
    });
    const state: SavedAgent = {
      format: "backflip-ppo/1",
      config: this.config,
      observationSpace: spaceToJson(this.observationSpace),
      actionSpace: spaceToJson(this.actionSpace),
      obsRms: this.obsRms?.toJSON() ?? null,
      rewardScaler: this.rewardScaler?.toJSON() ?? null,
      policyVersion: this.policyVersion,
      envSteps: this.envSteps,
      seed: this.seed,
      adamStep: optimizer.t,
      sampleRng: this.sampleRng.getState(),
      shuffleRng: this.shuffleRng.getState(),
    };
    const path = join(dir, FILE_AGENT);
    writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
  }

  /**
   * An agent from a `save` directory, with its training state restored. A checkpoint written
   * before the optimiser and generators were saved still loads: Adam then starts afresh and the
   * generators start from the seed. `overrides` change the saved config, e.g. a longer
   * `totalTimesteps` for a run that resumes with more steps.
   */
  static load(dir: string, overrides: Partial<PpoConfig> = {}): PpoAgent {
    const state = JSON.parse(readFileSync(join(dir, FILE_AGENT), "utf8")) as SavedAgent;
    if (state.format !== "backflip-ppo/1") {
      throw new Error(
        `${dir}/agent.json is not a backflip PPO checkpoint (format ${state.format})`,
      );
    }
    const agent = new PpoAgent(
      { ...state.config, ...overrides },
      spaceFromJson(state.observationSpace),
      spaceFromJson(state.actionSpace),
      state.seed,
    );
    try {
      agent.trainer.setParams(loadSafetensors(join(dir, FILE_POLICY)).params);
      if (state.adamStep !== undefined) {
        const path = join(dir, FILE_OPTIMIZER);
        if (!existsSync(path)) {
          throw new Error(
            `${dir}/agent.json records Adam's state but ${FILE_OPTIMIZER} is missing`,
          );
        }
        const tensors = loadSafetensors(path).params;
        agent.trainer.setOptimizerState(optimizerFromTensors(tensors, state.adamStep));
      }
      if (state.sampleRng) agent.sampleRng.setState(state.sampleRng);
      if (state.shuffleRng) agent.shuffleRng.setState(state.shuffleRng);
      if (state.obsRms) agent.obsRms?.setState(state.obsRms);
      if (state.rewardScaler) agent.rewardScaler?.setState(state.rewardScaler);
    } catch (e) {
      agent.dispose();
      throw e;
    }
    agent.hostNets = null;
    agent.policyVersion = state.policyVersion;
    agent.envSteps = state.envSteps;
    return agent;
  }

  /** Frees the jax-js buffers and compiled steps. */
  dispose(): void {
    this.trainer.dispose();
  }
}

/**
 * True-reward PPO: collect and update until `totalTimesteps` env steps, calling `onUpdate`
 * after each update (return `false` from it to stop early).
 */
export function learn(
  agent: PpoAgent,
  venv: VecEnv,
  totalTimesteps: number,
  onUpdate?: (stats: PpoStats, rollout: Rollout) => boolean | undefined,
): void {
  while (agent.envSteps < totalTimesteps) {
    const rollout = agent.collect(venv);
    const stats = agent.update(rollout, rollout.rewards);
    if (onUpdate?.(stats, rollout) === false) break;
  }
}

// ─────────────────────────────────────── HELPERS ───────────────────────────────────────

function standardize(x: Float32Array): void {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i];
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - m) ** 2;
  const std = Math.sqrt(v / x.length) + 1e-8;
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - m) / std;
}

/** 1 − Var[y − ŷ] / Var[y]; NaN when y is constant. */
export function explainedVariance(predicted: Float32Array, target: Float32Array): number {
  const variance = (f: (i: number) => number) => {
    let m = 0;
    for (let i = 0; i < target.length; i++) m += f(i);
    m /= target.length;
    let v = 0;
    for (let i = 0; i < target.length; i++) v += (f(i) - m) ** 2;
    return v / target.length;
  };
  const vy = variance((i) => target[i]);
  return vy === 0 ? Number.NaN : 1 - variance((i) => target[i] - predicted[i]) / vy;
}

/**
 * The [H, W, C] grid of NHWC observations: a Box shaped [H, W, C] says it itself; a flat Box of
 * H·W·C values takes H and W from `grid` and C from its size.
 */
export function gridOf(space: Space, grid: readonly [number, number]): [number, number, number] {
  if (space.kind !== "box") throw new Error("PPO: a CNN needs Box observations");
  if (space.shape.length === 3) return [space.shape[0], space.shape[1], space.shape[2]];
  const [h, w] = grid;
  const size = flatSize(space);
  const c = size / (h * w);
  if (!(Number.isInteger(c) && c >= 1)) {
    throw new Error(`PPO: ${size} observation values do not form a ${h}×${w} grid of channels`);
  }
  return [h, w, c];
}

/** Spaces as JSON; infinite bounds become the strings "Infinity" / "-Infinity". */
function spaceToJson(space: Space): unknown {
  if (space.kind === "discrete") return space;
  const enc = (a: Float32Array) => [...a].map((v) => (Number.isFinite(v) ? v : String(v)));
  return { kind: "box", shape: space.shape, low: enc(space.low), high: enc(space.high) };
}

function spaceFromJson(json: unknown): Space {
  const s = json as { kind: string; n?: number; shape?: number[]; low?: unknown[] };
  if (s.kind === "discrete") return { kind: "discrete", n: s.n as number };
  const box = json as { shape: number[]; low: (number | string)[]; high: (number | string)[] };
  return {
    kind: "box",
    shape: box.shape,
    low: Float32Array.from(box.low, Number),
    high: Float32Array.from(box.high, Number),
  };
}
