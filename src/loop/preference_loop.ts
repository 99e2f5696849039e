/**
 * The cycle of Christiano et al. (2017), Figure 1: the policy acts, clips of its behaviour go to
 * a teacher as pairs, the reward-model ensemble is fitted to the answers, and PPO trains the
 * policy on the predicted reward r̂. The store is the meeting point for answers, so synthetic
 * and human teachers look the same from here.
 *
 * People answer far slower than a CPU steps Pendulum, so with `pace: "wait"` RL pauses whenever
 * the answers fall behind the label schedule by more than a small lag, and the trainer's
 * heartbeat in the store tells the page and the dashboard which of the two it is doing.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { Rng } from "../core/rng.ts";
import type { Clip, Rollout } from "../core/types.ts";
import { GridGameEnv } from "../envs/arcade/grid_game.ts";
import { makeEnv, type VecEnv } from "../envs/index.ts";
import { isMujocoEnvId, sceneDescription } from "../envs/mujoco/index.ts";
import { cutClips, LabelSchedule, type QuerySelector } from "../queries/index.ts";
import { predictClips, type RewardEnsemble } from "../reward/index.ts";
import type { LabelledPair, RewardTrainResult } from "../reward/types.ts";
import type { PpoAgent, PpoStats } from "../rl/ppo.ts";
import {
  channelLegend,
  type LabellerAgreement,
  type LiveClip,
  META,
  type PreferenceStore,
  type QueryPhase,
  type RunInfo,
  type TrainerControl,
  type TrainerState,
  type TrainerStatus,
} from "../store/index.ts";
import { type EpisodeCounter, goalMeasure } from "../teachers/index.ts";
import type { RunTeacher } from "../teachers/store_teachers.ts";
import { type Checkpoint, writeCheckpoint, writeDurably } from "./checkpoint.ts";
import { type EvalResult, evaluatePolicy, type Goal, goalOf, scoreSteps } from "./evaluate.ts";
import { rewardWithDisagreementBonus, stateEntropyReward } from "./exploration.ts";
import { MetricsLog, type MetricsRow, meanStd, pearson, windowedPearson } from "./metrics.ts";
import type { RunConfig } from "./run_config.ts";

/** What the caller sees of a run in progress (for progress bars and dashboards). */
export type LoopEvents = {
  onPhase?(phase: "explore" | "pretrain-labels" | "rl", detail: string): void;
  onProgress?(row: MetricsRow): void;
  /** Env steps so far of PEBBLE's exploration, before any question. */
  onExploring?(steps: number): void;
  /** Every heartbeat: what the trainer is doing, and the labels wanted and answered. */
  onStatus?(status: TrainerStatus): void;
};

export type RunResult = {
  env: string;
  steps: number;
  labels: number;
  seed: number;
  wallSeconds: number;
  /** Seconds RL spent paused, waiting for people's answers. */
  waitedSeconds: number;
  /** True when the run was stopped (Ctrl-C, the dashboard) before its last step. */
  stopped: boolean;
  evalReturn: EvalResult;
  /**
   * The same policy on the env it was trained in, by that env's reward (the paper's measure),
   * when that is not where `evalReturn` was measured.
   */
  trainingEnvReturn: EvalResult | null;
  final: MetricsRow | null;
};

/** The pieces a loop is built from (see build_loop.ts). */
export type LoopParts = {
  venv: VecEnv;
  agent: PpoAgent;
  reward: RewardEnsemble;
  selector: QuerySelector;
  teacher: RunTeacher;
  /** Clip cutting and query selection. */
  rng: Rng;
  /** Where a resumed run carries on from; null for a new run. */
  resumeFrom: Checkpoint | null;
};

/** Clips kept as candidates for queries: the most recent ones. */
const POOL_SIZE = 600;
/** Clips cut from each rollout into the pool. */
const CLIPS_PER_ROLLOUT = 120;
/** Steps of the live clip shown on the dashboard. */
const LIVE_STEPS = 300;
/** How often a waiting trainer looks for answers and beats its heart. */
const POLL_MS = 400;
/** Seconds between checkpoints when the config does not say. */
export const DEFAULT_CHECKPOINT_SECONDS = 30;

/**
 * Pairs per reward-model minibatch: 64 (the paper's batch) for short clips, fewer for long
 * ones so that a step sees about 8k rows. Hopper's 188-step clips would otherwise make each
 * step 6× dearer than PPO's whole update.
 */
export function rewardBatchPairs(clipSteps: number): number {
  return Math.max(8, Math.min(64, Math.floor(ROWS_PER_REWARD_BATCH / (2 * clipSteps))));
}
const ROWS_PER_REWARD_BATCH = 8192;

/**
 * Unanswered questions a paced run lets stand before RL waits: enough that the page always has
 * the next pair ready, few enough that the agent never runs far ahead of its teacher.
 */
export function paceLag(labels: number): number {
  return Math.max(2, Math.round(labels * 0.02));
}

/** A trained-on answer with who gave it (for the model's agreement with each labeller). */
type Labelled = LabelledPair & { labeller: string };

export class PreferenceLoop {
  private readonly venv: VecEnv;
  private readonly agent: PpoAgent;
  private readonly reward: RewardEnsemble;
  private readonly selector: QuerySelector;
  private readonly teacher: RunTeacher;
  private readonly rng: Rng;
  private readonly schedule: LabelSchedule;
  private readonly metrics: MetricsLog;
  private pool: Clip[] = [];
  private phase: "pretrain" | "rl" = "pretrain";
  private pairs: Labelled[] = [];
  private answerCursor = 0;
  /** Queries asked (repeats left out) and how many have an answer: the schedule's counts. */
  private asked = 0;
  private answered = 0;
  private lastTrain: RewardTrainResult | null = null;
  private started: number;
  private waitedSeconds = 0;
  private lastCheckpointAt = performance.now();
  private metricsRows = 0;
  private stopRequested = false;
  private labellingEnded = false;
  /** A goal teacher's measure, which the metrics report instead of the env's reward. */
  private readonly goal: Goal | null;
  /** Per-env running sums of the episode in progress: true and predicted reward. */
  private readonly episodeTrue: Float64Array;
  private readonly episodePred: Float64Array;
  /** Per env, the goal's count over its current episode (goals with a measure only). */
  private readonly episodeCounters: EpisodeCounter[];
  /**
   * Per env, whether its current episode began before the steps the metrics saw (in random-policy
   * rollouts before RL, or before a resume): its return and count would be partial, so they are
   * left out.
   */
  private readonly episodeUnseenStart: boolean[];

  constructor(
    private readonly config: RunConfig,
    private readonly runDir: string,
    private readonly store: PreferenceStore,
    parts: LoopParts,
    private readonly events: LoopEvents = {},
  ) {
    ({
      venv: this.venv,
      agent: this.agent,
      reward: this.reward,
      selector: this.selector,
      teacher: this.teacher,
      rng: this.rng,
    } = parts);
    this.goal = goalOf(config.teacher);
    this.schedule = new LabelSchedule({
      totalLabels: config.labels,
      totalSteps: config.steps,
      pretrainFraction: config.pretrainFraction,
      c: config.scheduleC,
    });
    this.metrics = new MetricsLog(join(runDir, "metrics.jsonl"));
    this.episodeTrue = new Float64Array(this.venv.numEnvs);
    this.episodePred = new Float64Array(this.venv.numEnvs);
    this.episodeUnseenStart = new Array(this.venv.numEnvs).fill(parts.resumeFrom !== null);
    const measure = this.goal?.measure;
    this.episodeCounters = measure
      ? Array.from({ length: this.venv.numEnvs }, () => measure.counter())
      : [];
    this.started = performance.now();
    const resume = parts.resumeFrom;
    if (resume) {
      this.phase = resume.state.phase;
      this.pool = resume.pool;
      this.started -= resume.state.wallSeconds * 1000;
      this.waitedSeconds = resume.state.waitedSeconds;
      this.metricsRows = resume.state.metricsRows;
      this.rng.setState(resume.state.rng);
      this.teacher.setState(resume.state.teacher);
    }
    // Rows written after the checkpoint (or by a run restarted without one) belong to lost work.
    this.metrics.truncate(this.metricsRows);
  }

  async run(): Promise<RunResult> {
    await this.leaveStoredIds();
    await this.publishRunInfo();
    await this.store.setMeta(META.control, {} satisfies TrainerControl);
    await this.heartbeat("starting");
    // Answers given while no trainer ran count too, and a synthetic teacher answers what it was
    // asked just before a crash.
    await this.teacher.catchUp();
    await this.syncAnswers();
    if (this.phase === "pretrain") await this.pretrain();
    this.events.onPhase?.("rl", "training the policy on the learned reward");
    let last: MetricsRow | null = null;
    while (this.agent.envSteps < this.config.steps && !this.stopRequested) {
      await this.heartbeat("training");
      const rollout = this.agent.collect(this.venv, { recordFrames: true });
      const { reward, predicted } = this.policyReward(rollout);
      const stats = this.agent.update(rollout, reward);
      this.addToPool(rollout);
      await this.askFor(this.schedule.labelsWantedBy(this.agent.envSteps) - this.asked, "online");
      await this.keepPace(paceLag(this.config.labels));
      if (await this.syncAnswers()) this.trainReward(this.config.rewardStepsPerUpdate);
      last = this.record(rollout, predicted, stats);
      await this.publish(rollout, predicted);
      this.checkpointIfDue();
    }
    // A paced run ends once its teacher has answered every question it was asked.
    if (!this.stopRequested) await this.keepPace(0);
    if (await this.syncAnswers()) this.trainReward(this.config.rewardStepsPerUpdate);
    this.checkpoint();
    this.saveModels(this.runDir);
    const stopped = this.agent.envSteps < this.config.steps;
    await this.heartbeat(stopped ? "stopped" : "finished");
    const evalReturn = this.evaluate(this.config.evalEnvId);
    const trainingEnvReturn =
      this.config.evalEnvId === this.config.envId ? null : this.evaluate(this.config.envId);
    const result: RunResult = {
      env: this.config.envId,
      steps: this.agent.envSteps,
      labels: this.pairs.length,
      seed: this.config.seed,
      wallSeconds: this.wallSeconds(),
      waitedSeconds: this.waitedSeconds,
      stopped,
      evalReturn,
      trainingEnvReturn,
      final: last,
    };
    if (!stopped) writeDurably(join(this.runDir, RESULT_FILE), `${JSON.stringify(result)}\n`);
    return result;
  }

  /**
   * Clip and query ids are drawn from `rng`. A run killed after its last checkpoint had drawn ids
   * from the stream that resuming restores, and stored some; drawn again, they would name other
   * clips, and the store keeps the first clip under an id, so a query's stored clip would not be
   * the one its teacher judged. A loop that finds queries in its store therefore draws from a
   * stream keyed by their number, which grows with every query stored.
   */
  private async leaveStoredIds(): Promise<void> {
    const stored = await this.store.countQueries();
    if (stored === 0) return;
    const seed = (this.rng.nextU32() ^ Math.imul(stored, 0x9e3779b1)) >>> 0;
    this.rng.setState(new Rng(seed).getState());
  }

  /** Ends the run after the current update (Ctrl-C): the policy and reward model are still saved. */
  requestStop(): void {
    this.stopRequested = true;
  }

  dispose(): void {
    this.venv.close();
    this.agent.dispose();
    this.reward.dispose();
  }

  /**
   * The paper's first phase: a share of the labels about clips of the untrained (near-random)
   * policy, then the reward model is fitted before RL starts. A run resumed in this phase has
   * its pool and its questions already.
   */
  private async pretrain(): Promise<void> {
    this.explore();
    if (this.stopRequested) return;
    const wanted = this.schedule.labelsWantedBy(0);
    this.events.onPhase?.("pretrain-labels", `${wanted} labels about random-policy clips`);
    // Clips may appear in several pairs, so one rollout's worth is usually enough.
    while (this.pool.length < Math.min(CLIPS_PER_ROLLOUT, 2 * wanted)) {
      this.addToPool(this.agent.collect(this.venv, { recordFrames: true }));
      this.episodeUnseenStart.fill(true);
    }
    await this.askFor(wanted - this.asked, "pretrain");
    this.checkpoint();
    // Every pace waits for the first labels: without them r̂ means nothing.
    await this.keepPace(0, true);
    if (this.stopRequested) return;
    // A synthetic teacher has answered by now without keepPace having to wait, so pull its
    // answers in here: otherwise r̂ starts RL untrained.
    await this.syncAnswers();
    this.trainReward(this.config.pretrainRewardSteps);
    this.phase = "rl";
    this.checkpoint();
  }

  /** What the policy is trained on: r̂, plus RUNE's disagreement bonus when it is on. */
  private policyReward(rollout: Rollout): { reward: Float32Array; predicted: Float32Array } {
    const bonus = this.config.explorationBonus;
    if (!bonus) {
      const predicted = this.reward.predictRollout(rollout);
      return { reward: predicted, predicted };
    }
    return rewardWithDisagreementBonus(this.reward, rollout, bonus, this.agent.envSteps);
  }

  /**
   * PEBBLE's unsupervised pre-training: PPO on the state-entropy reward until `unsupervisedSteps`
   * env steps, then the reward scale is forgotten for r̂. A resumed run carries on from its steps.
   */
  private explore(): void {
    const steps = this.config.unsupervisedSteps;
    if (this.agent.envSteps >= steps) return;
    this.events.onPhase?.("explore", `${steps} steps exploring for varied first clips`);
    while (this.agent.envSteps < steps && !this.stopRequested) {
      const rollout = this.agent.collect(this.venv);
      const columns = this.config.exploreColumns ?? undefined;
      this.agent.update(rollout, stateEntropyReward(rollout.obs, rollout.obsSize, columns));
      this.events.onExploring?.(this.agent.envSteps);
    }
    this.agent.resetRewardScale();
  }

  private addToPool(rollout: Rollout): void {
    const fresh = cutClips(rollout, {
      length: this.config.clipSteps,
      rng: this.rng,
      maxClips: CLIPS_PER_ROLLOUT,
    });
    this.pool = [...this.pool, ...fresh].slice(-POOL_SIZE);
  }

  /** Selects `count` queries from the pool, stores them with r̂ per step, and asks the teacher. */
  private async askFor(count: number, phase: QueryPhase): Promise<void> {
    if (count <= 0 || this.pool.length < 2 || this.labellingEnded) return;
    const queries = this.selector.select(this.pool, count, this.rng);
    const clips = new Map<string, Clip>();
    for (const q of queries) {
      clips.set(q.left.id, q.left);
      clips.set(q.right.id, q.right);
    }
    await this.store.addQueries(queries, phase);
    const asked = [...clips.values()];
    const predicted = predictClips(this.reward, asked);
    await this.store.setClipPredictions(
      asked.map((clip, i) => ({ clipId: clip.id, predicted: predicted[i] })),
    );
    this.asked += queries.length;
    await this.teacher.ask(queries, phase);
  }

  /**
   * With `pace: "wait"` (or `always`, for the first labels), waits until at most `lag` of the
   * questions asked are unanswered. The reward model trains on answers as they come in, and the
   * heartbeat and the owner's requests are looked at on every poll.
   */
  private async keepPace(lag: number, always = false): Promise<void> {
    if (this.config.pace !== "wait" && !always) return;
    ({ asked: this.asked, answered: this.answered } = await this.store.labelProgress());
    const behind = () => this.asked - this.answered > lag;
    if (!behind()) return;
    const start = performance.now();
    while (behind() && !this.stopRequested && !this.labellingEnded) {
      await this.heartbeat("waiting");
      await sleep(POLL_MS);
      if (await this.syncAnswers()) this.trainReward(this.config.rewardStepsPerUpdate);
      if (this.phase === "rl") this.checkpointIfDue();
    }
    this.waitedSeconds += (performance.now() - start) / 1000;
  }

  /** Pulls answers stored since the last call into the training set; true if any arrived. */
  private async syncAnswers(): Promise<boolean> {
    ({ asked: this.asked, answered: this.answered } = await this.store.labelProgress());
    const answers = await this.store.answersSince(this.answerCursor);
    for (const a of answers) {
      this.answerCursor = Math.max(this.answerCursor, a.id);
      if (a.answer === "cant_tell") continue;
      const query = await this.store.getQuery(a.queryId);
      if (query) {
        this.pairs.push({
          left: query.left,
          right: query.right,
          answer: a.answer,
          labeller: a.labeller,
        });
      }
    }
    return answers.length > 0;
  }

  private trainReward(steps: number): void {
    if (this.pairs.length === 0) return;
    this.lastTrain = this.reward.train(this.pairs, { steps, unlabelled: this.pool });
  }

  /** Writes the heartbeat, and reads the owner's requests from the dashboard. */
  private async heartbeat(state: TrainerState): Promise<void> {
    // The store answers synchronously, so without this turn of the event loop a run would
    // starve timers and signal handlers (Ctrl-C) until it ended.
    await new Promise((resolve) => setImmediate(resolve));
    const control = (await this.store.getMeta(META.control)) ?? {};
    if (control.stopAt !== undefined) this.stopRequested = true;
    if (control.endLabellingAt !== undefined) this.labellingEnded = true;
    const status: TrainerStatus = {
      state,
      pace: this.config.pace,
      labels: this.config.labels,
      wanted: Math.min(this.asked, this.schedule.labelsWantedBy(this.agent.envSteps)),
      answered: this.answered,
      envSteps: this.agent.envSteps,
      totalSteps: this.config.steps,
      waitedSeconds: this.waitedSeconds,
      labellingEnded: this.labellingEnded,
      heartbeatAt: Date.now(),
      pid: process.pid,
      host: hostname(),
    };
    await this.store.setMeta(META.trainer, status);
    this.events.onStatus?.(status);
  }

  private checkpointIfDue(): void {
    const every = (this.config.checkpointSeconds ?? DEFAULT_CHECKPOINT_SECONDS) * 1000;
    if (performance.now() - this.lastCheckpointAt >= every) this.checkpoint();
  }

  private checkpoint(): void {
    writeCheckpoint(this.runDir, {
      state: {
        phase: this.phase,
        envSteps: this.agent.envSteps,
        policyVersion: this.agent.policyVersion,
        wallSeconds: this.wallSeconds(),
        waitedSeconds: this.waitedSeconds,
        metricsRows: this.metricsRows,
        rng: this.rng.getState(),
        teacher: this.teacher.getState(),
      },
      pool: this.pool,
      saveModels: (dir) => this.saveModels(dir),
    });
    this.lastCheckpointAt = performance.now();
  }

  private saveModels(dir: string): void {
    const policyDir = join(dir, "policy");
    const rewardDir = join(dir, "reward");
    mkdirSync(policyDir, { recursive: true });
    mkdirSync(rewardDir, { recursive: true });
    this.agent.save(policyDir);
    this.reward.save(rewardDir);
  }

  private wallSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** What the teacher judges by, per rollout step: the env's reward, or a goal teacher's score. */
  private truth(rollout: Rollout): Float32Array {
    return this.goal ? scoreSteps(this.goal, rollout.envId, rollout) : rollout.rewards;
  }

  private record(rollout: Rollout, predicted: Float32Array, stats: PpoStats): MetricsRow {
    const truth = this.truth(rollout);
    const trueReturns: number[] = [];
    const predictedReturns: number[] = [];
    const counts: number[] = [];
    const measure = this.goal?.measure;
    const signalNames = Object.keys(rollout.signals);
    const n = rollout.numEnvs;
    for (let t = 0; t < rollout.steps; t++) {
      for (let e = 0; e < n; e++) {
        const i = t * n + e;
        this.episodeTrue[e] += truth[i];
        this.episodePred[e] += predicted[i];
        if (measure) {
          const signals: Record<string, number> = {};
          for (const name of signalNames) signals[name] = rollout.signals[name][i];
          this.episodeCounters[e].step(signals);
        }
        if (rollout.terminated[i] || rollout.truncated[i]) {
          if (!this.episodeUnseenStart[e]) {
            trueReturns.push(this.episodeTrue[e]);
            predictedReturns.push(this.episodePred[e]);
            if (measure) counts.push(this.episodeCounters[e].value);
          }
          this.episodeUnseenStart[e] = false;
          this.episodeTrue[e] = 0;
          this.episodePred[e] = 0;
          if (measure) this.episodeCounters[e] = measure.counter();
        }
      }
    }
    const wallSeconds = this.wallSeconds();
    const train = this.lastTrain;
    const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
    const row: MetricsRow = {
      steps: this.agent.envSteps,
      labels: this.pairs.length,
      predictedReturn: predictedReturns.length ? meanStd(predictedReturns).mean : Number.NaN,
      trueReturn: trueReturns.length ? meanStd(trueReturns).mean : null,
      ...(measure && { goalCount: counts.length ? meanStd(counts).mean : null }),
      rewardValAccuracy: finite(train?.valAccuracy),
      rewardCorrelation: pearson(predicted, truth),
      rewardClipCorrelation: windowedPearson(
        predicted,
        truth,
        n,
        this.config.clipSteps,
        (i) => rollout.terminated[i] === 1 || rollout.truncated[i] === 1,
      ),
      policyEntropy: stats.entropy,
      approxKl: stats.approxKl,
      explainedVariance: stats.explainedVariance,
      clipFraction: stats.clipFraction,
      policyLoss: stats.policyLoss,
      valueLoss: stats.valueLoss,
      learningRate: stats.lr,
      rewardTrainLoss: finite(train?.trainLoss),
      rewardValLoss: finite(train?.valLoss),
      rewardL2: train ? train.l2PerMember : null,
      waitedSeconds: this.waitedSeconds,
      wallSeconds,
      stepsPerSecond: this.agent.envSteps / wallSeconds,
    };
    this.metrics.append(row);
    this.metricsRows += 1;
    this.events.onProgress?.(row);
    return row;
  }

  private async publishRunInfo(): Promise<void> {
    await this.store.setMeta(META.run, describeRun(this.config));
  }

  /** What the labelling page and dashboard show: the schedule, the live agent, agreement. */
  private async publish(rollout: Rollout, predicted: Float32Array): Promise<void> {
    await this.store.setMeta(META.schedule, {
      wanted: this.schedule.labelsWantedBy(this.agent.envSteps),
      asked: this.asked,
    });
    if (rollout.frames) {
      const n = rollout.numEnvs;
      const steps = Math.min(rollout.steps, LIVE_STEPS);
      const first = rollout.steps - steps;
      const live: LiveClip = {
        frames: Array.from({ length: steps }, (_, t) => rollout.frames![(first + t) * n]),
        predicted: Array.from({ length: steps }, (_, t) => predicted[(first + t) * n]),
        policyVersion: rollout.policyVersion,
        envStep: rollout.envStepStart + first * n,
        fps: this.venv.spec.fps,
        frameKind: rollout.frames[0].kind,
      };
      await this.store.setMeta(META.live, live);
    }
    if (this.teacher.human) await this.store.setMeta(META.labellerAgreement, this.agreement());
  }

  /** How often the ensemble's predicted preference matches each labeller's left/right answers. */
  private agreement(): LabellerAgreement {
    const strict = this.pairs.filter((p) => p.answer === "left" || p.answer === "right");
    const probs = this.reward.preferenceProbabilities(strict);
    const out: LabellerAgreement = {};
    strict.forEach((p, i) => {
      const mean = probs.reduce((a, m) => a + m[i], 0) / probs.length;
      const entry = out[p.labeller] ?? { agree: 0, total: 0 };
      entry.total += 1;
      if (mean > 0.5 === (p.answer === "left")) entry.agree += 1;
      out[p.labeller] = entry;
    });
    return out;
  }

  private evaluate(envId: string): EvalResult {
    return evaluatePolicy(
      this.agent,
      envId,
      this.config.evalEpisodes,
      this.config.seed + 10_000,
      this.goal,
      { respawn: this.config.respawn },
    );
  }
}

/** Written when a run has taken all its steps; its absence means the run can be resumed. */
export const RESULT_FILE = "result.json";

export function readResult(runDir: string): RunResult | null {
  try {
    return JSON.parse(readFileSync(join(runDir, RESULT_FILE), "utf8")) as RunResult;
  } catch {
    return null;
  }
}

export function writeConfig(runDir: string, config: RunConfig): void {
  writeFileSync(join(runDir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What the labelling page needs to know about a run of `config` (run_meta `run`). */
export function describeRun(
  config: Pick<RunConfig, "envId" | "seed" | "rubric"> & { teacher?: string },
): RunInfo {
  const env = makeEnv(config.envId);
  env.reset(config.seed);
  const info: RunInfo = {
    envId: config.envId,
    fps: env.spec.fps,
    frameKind: env.frame().kind,
    rubric: config.rubric,
    scene: isMujocoEnvId(config.envId) ? sceneDescription(config.envId) : null,
  };
  // Pixel games name their channels; the page colours cells by channel and shows the legend.
  if (env instanceof GridGameEnv) info.legend = channelLegend(env.game.channels);
  const measure = config.teacher ? goalMeasure(config.teacher) : null;
  if (measure) info.goalMeasure = measure.label;
  env.close();
  return info;
}
