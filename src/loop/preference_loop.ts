/**
 * The cycle of Christiano et al. (2017), Figure 1: the policy acts, clips of its behaviour go to
 * a teacher as pairs, the reward-model ensemble is fitted to the answers, and PPO trains the
 * policy on the predicted reward r̂. The store is the meeting point for answers, so synthetic
 * and human teachers look the same from here.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../core/rng.ts";
import type { Clip, Query, Rollout, Teacher } from "../core/types.ts";
import { makeEnv, makeVecEnv, type VecEnv } from "../envs/index.ts";
import { isMujocoEnvId, sceneDescription } from "../envs/mujoco/index.ts";
import { cutClips, LabelSchedule, makeSelector, type QuerySelector } from "../queries/index.ts";
import { RewardEnsemble } from "../reward/index.ts";
import type { LabelledPair, RewardTrainResult } from "../reward/types.ts";
import { PpoAgent } from "../rl/ppo.ts";
import {
  type LabellerAgreement,
  type LiveClip,
  META,
  type PreferenceStore,
  type QueryPhase,
  type RunInfo,
} from "../store/index.ts";
import { type EvalResult, evaluatePolicy, type Goal, goalOf, scoreSteps } from "./evaluate.ts";
import { MetricsLog, type MetricsRow, meanStd, pearson } from "./metrics.ts";
import type { RunConfig } from "./run_config.ts";

/** What the caller sees of a run in progress (for progress bars and dashboards). */
export type LoopEvents = {
  onPhase?(phase: "pretrain-labels" | "rl", detail: string): void;
  onProgress?(row: MetricsRow): void;
  /** Human teachers: the pretraining labels wanted and answered so far. */
  onWaitingForLabels?(answered: number, wanted: number): void;
};

export type RunResult = {
  env: string;
  steps: number;
  labels: number;
  seed: number;
  wallSeconds: number;
  evalReturn: EvalResult;
  /**
   * The same policy on the env it was trained in, by that env's reward (the paper's measure),
   * when that is not where `evalReturn` was measured.
   */
  trainingEnvReturn: EvalResult | null;
  final: MetricsRow | null;
};

/** Clips kept as candidates for queries: the most recent ones. */
const POOL_SIZE = 600;
/** Clips cut from each rollout into the pool. */
const CLIPS_PER_ROLLOUT = 120;
/** Policy updates between checkpoints of the policy and reward model. */
const CHECKPOINT_EVERY = 25;
/** Steps of the live clip shown on the dashboard. */
const LIVE_STEPS = 300;

/**
 * Pairs per reward-model minibatch: 64 (the paper's batch) for short clips, fewer for long
 * ones so that a step sees about 8k rows. Hopper's 188-step clips would otherwise make each
 * step 6× dearer than PPO's whole update.
 */
export function rewardBatchPairs(clipSteps: number): number {
  return Math.max(8, Math.min(64, Math.floor(ROWS_PER_REWARD_BATCH / (2 * clipSteps))));
}
const ROWS_PER_REWARD_BATCH = 8192;

/** A trained-on answer with who gave it (for the model's agreement with each labeller). */
type Labelled = LabelledPair & { labeller: string };

export class PreferenceLoop {
  private readonly rng: Rng;
  private readonly venv: VecEnv;
  private readonly agent: PpoAgent;
  private readonly reward: RewardEnsemble;
  private readonly selector: QuerySelector;
  private readonly schedule: LabelSchedule;
  private readonly metrics: MetricsLog;
  private pool: Clip[] = [];
  /** Clips this process has asked about, by id, so answers become pairs without reloading. */
  private readonly clips = new Map<string, Clip>();
  private pairs: Labelled[] = [];
  /** Queries asked so far, for deliberate repeats to a second labeller. */
  private readonly askedQueries: Query[] = [];
  private answerCursor = 0;
  /** Answers pulled from the store, "can't tell" included. */
  private answered = 0;
  private asked = 0;
  private lastTrain: RewardTrainResult | null = null;
  private readonly started = performance.now();
  private stopRequested = false;
  /** A goal teacher's measure, which the metrics report instead of the env's reward. */
  private readonly goal: Goal | null;
  /** Per-env running sums of the episode in progress: true and predicted reward. */
  private episodeTrue: Float64Array;
  private episodePred: Float64Array;

  constructor(
    private readonly config: RunConfig,
    private readonly runDir: string,
    private readonly store: PreferenceStore,
    /** Null for human teachers: their answers arrive through the store. */
    private readonly teacher: Teacher | null,
    private readonly events: LoopEvents = {},
  ) {
    this.rng = new Rng(config.seed);
    this.goal = goalOf(config.teacher);
    const ppoConfig = { ...config.ppo, totalTimesteps: config.steps };
    const numEnvs = ppoConfig.numEnvs ?? 1;
    this.venv = makeVecEnv(config.envId, numEnvs, { respawn: config.respawn });
    this.venv.reset(config.seed);
    this.agent = new PpoAgent(
      ppoConfig,
      this.venv.observationSpace,
      this.venv.actionSpace,
      config.seed,
    );
    this.reward = new RewardEnsemble(this.venv.observationSpace, this.venv.actionSpace, {
      seed: config.seed + 1,
      batchPairs: rewardBatchPairs(config.clipSteps),
    });
    this.selector = makeSelector(config.selection, this.reward);
    this.schedule = new LabelSchedule({
      totalLabels: config.labels,
      totalSteps: config.steps,
      pretrainFraction: config.pretrainFraction,
      c: config.scheduleC,
    });
    this.metrics = new MetricsLog(join(runDir, "metrics.jsonl"));
    this.episodeTrue = new Float64Array(numEnvs);
    this.episodePred = new Float64Array(numEnvs);
  }

  async run(): Promise<RunResult> {
    await this.publishRunInfo();
    await this.pretrain();
    this.events.onPhase?.("rl", "training the policy on the learned reward");
    let last: MetricsRow | null = null;
    while (this.agent.envSteps < this.config.steps && !this.stopRequested) {
      const rollout = this.agent.collect(this.venv, { recordFrames: true });
      const predicted = this.reward.predictRollout(rollout);
      const stats = this.agent.update(rollout, predicted);
      this.addToPool(rollout);
      await this.askFor(this.schedule.labelsWantedBy(this.agent.envSteps) - this.asked, "online");
      if (await this.syncAnswers()) {
        this.lastTrain = this.reward.train(this.pairs, { steps: this.config.rewardStepsPerUpdate });
      }
      last = this.record(rollout, predicted, stats);
      await this.publish(rollout, predicted);
      if (this.agent.policyVersion % CHECKPOINT_EVERY === 0) this.save();
    }
    this.save();
    const evalReturn = this.evaluate(this.config.evalEnvId);
    const trainingEnvReturn =
      this.config.evalEnvId === this.config.envId ? null : this.evaluate(this.config.envId);
    return {
      env: this.config.envId,
      steps: this.agent.envSteps,
      labels: this.pairs.length,
      seed: this.config.seed,
      wallSeconds: (performance.now() - this.started) / 1000,
      evalReturn,
      trainingEnvReturn,
      final: last,
    };
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
   * policy, then the reward model is fitted before RL starts.
   */
  private async pretrain(): Promise<void> {
    const wanted = this.schedule.labelsWantedBy(0);
    this.events.onPhase?.("pretrain-labels", `${wanted} labels about random-policy clips`);
    // Clips may appear in several pairs, so one rollout's worth is usually enough.
    let rollout: Rollout | null = null;
    while (rollout === null || this.pool.length < Math.min(CLIPS_PER_ROLLOUT, 2 * wanted)) {
      rollout = this.agent.collect(this.venv, { recordFrames: true });
      this.addToPool(rollout);
    }
    await this.askFor(wanted, "pretrain");
    await this.syncAnswers();
    // A person may answer "can't tell": that is an answer too, or the wait could never end.
    while (this.answered < wanted && this.teacher === null && !this.stopRequested) {
      this.events.onWaitingForLabels?.(this.answered, wanted);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await this.syncAnswers();
    }
    if (this.teacher === null) this.events.onWaitingForLabels?.(this.answered, wanted);
    this.lastTrain = this.reward.train(this.pairs, { steps: this.config.pretrainRewardSteps });
    // The last random-policy rollout is as good as any for the first policy update.
    this.agent.update(rollout, this.reward.predictRollout(rollout));
  }

  private addToPool(rollout: Rollout): void {
    const fresh = cutClips(rollout, {
      length: this.config.clipSteps,
      rng: this.rng,
      maxClips: CLIPS_PER_ROLLOUT,
    });
    this.pool = [...this.pool, ...fresh].slice(-POOL_SIZE);
  }

  /** Selects `count` queries from the pool, stores them, and lets a synthetic teacher answer. */
  private async askFor(count: number, phase: QueryPhase): Promise<void> {
    if (count <= 0 || this.pool.length < 2) return;
    const queries = this.selector.select(this.pool, count, this.rng);
    const clips = new Map<string, Clip>();
    for (const q of queries) {
      clips.set(q.left.id, q.left);
      clips.set(q.right.id, q.right);
    }
    for (const [id, clip] of clips) this.clips.set(id, clip);
    await this.store.addQueries(queries, phase);
    await this.store.setClipPredictions(
      [...clips.values()].map((clip) => ({
        clipId: clip.id,
        predicted: this.reward.predict(clip.obs, clip.actions),
      })),
    );
    this.asked += queries.length;
    this.askedQueries.push(...queries);
    if (this.teacher) await this.answer(this.teacher, queries);
    else await this.askRepeats(queries.length, phase);
  }

  /**
   * Human runs: a share of queries goes out a second time, sides swapped, so the owner can see
   * how often two labellers agree. The store leases a repeat only to someone else.
   */
  private async askRepeats(asked: number, phase: QueryPhase): Promise<void> {
    let repeats = 0;
    for (let i = 0; i < asked; i++) if (this.rng.random() < this.config.repeatShare) repeats++;
    for (let i = 0; i < repeats && this.askedQueries.length > 0; i++) {
      const original = this.askedQueries[this.rng.int(this.askedQueries.length)];
      const repeat: Query = {
        id: `${original.id}-r${this.rng.nextU32().toString(16)}`,
        left: original.right,
        right: original.left,
        disagreement: original.disagreement,
      };
      await this.store.addQuery(repeat, phase, { repeatOf: original.id });
    }
  }

  private async answer(teacher: Teacher, queries: Query[]): Promise<void> {
    for (const preference of await teacher.label(queries)) {
      await this.store.recordAnswer({
        ...preference,
        requestId: `${teacher.name}:${preference.queryId}`,
      });
    }
  }

  /** Pulls answers stored since the last call into the training set; true if any arrived. */
  private async syncAnswers(): Promise<boolean> {
    const answers = await this.store.answersSince(this.answerCursor);
    for (const a of answers) {
      this.answerCursor = Math.max(this.answerCursor, a.id);
      this.answered += 1;
      if (a.answer === "cant_tell") continue;
      const query = await this.store.getQueryRecord(a.queryId);
      if (!query) continue;
      const left = this.clips.get(query.leftClipId) ?? (await this.store.getClip(query.leftClipId));
      const right =
        this.clips.get(query.rightClipId) ?? (await this.store.getClip(query.rightClipId));
      if (left && right) this.pairs.push({ left, right, answer: a.answer, labeller: a.labeller });
    }
    return answers.length > 0;
  }

  /** What the teacher judges by, per rollout step: the env's reward, or a goal teacher's score. */
  private truth(rollout: Rollout): Float32Array {
    return this.goal ? scoreSteps(this.goal, rollout.envId, rollout) : rollout.rewards;
  }

  private record(
    rollout: Rollout,
    predicted: Float32Array,
    stats: ReturnType<PpoAgent["update"]>,
  ): MetricsRow {
    const truth = this.truth(rollout);
    const trueReturns: number[] = [];
    const predictedReturns: number[] = [];
    const n = rollout.numEnvs;
    for (let t = 0; t < rollout.steps; t++) {
      for (let e = 0; e < n; e++) {
        const i = t * n + e;
        this.episodeTrue[e] += truth[i];
        this.episodePred[e] += predicted[i];
        if (rollout.terminated[i] || rollout.truncated[i]) {
          trueReturns.push(this.episodeTrue[e]);
          predictedReturns.push(this.episodePred[e]);
          this.episodeTrue[e] = 0;
          this.episodePred[e] = 0;
        }
      }
    }
    const wallSeconds = (performance.now() - this.started) / 1000;
    const row: MetricsRow = {
      steps: this.agent.envSteps,
      labels: this.pairs.length,
      predictedReturn: predictedReturns.length ? meanStd(predictedReturns).mean : Number.NaN,
      trueReturn: trueReturns.length ? meanStd(trueReturns).mean : null,
      rewardValAccuracy:
        this.lastTrain && Number.isFinite(this.lastTrain.valAccuracy)
          ? this.lastTrain.valAccuracy
          : null,
      rewardCorrelation: pearson(predicted, truth),
      policyEntropy: stats.entropy,
      approxKl: stats.approxKl,
      explainedVariance: stats.explainedVariance,
      wallSeconds,
      stepsPerSecond: this.agent.envSteps / wallSeconds,
    };
    this.metrics.append(row);
    this.events.onProgress?.(row);
    return row;
  }

  private async publishRunInfo(): Promise<void> {
    const env = makeEnv(this.config.envId);
    env.reset(this.config.seed);
    const info: RunInfo = {
      envId: this.config.envId,
      fps: env.spec.fps,
      frameKind: env.frame().kind,
      rubric: this.config.rubric,
      scene: isMujocoEnvId(this.config.envId) ? sceneDescription(this.config.envId) : null,
    };
    env.close();
    await this.store.setMeta(META.run, info);
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
    if (this.teacher === null) await this.store.setMeta(META.labellerAgreement, this.agreement());
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

  private save(): void {
    const policyDir = join(this.runDir, "policy");
    const rewardDir = join(this.runDir, "reward");
    mkdirSync(policyDir, { recursive: true });
    mkdirSync(rewardDir, { recursive: true });
    this.agent.save(policyDir);
    this.reward.save(rewardDir);
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

export function writeConfig(runDir: string, config: RunConfig): void {
  writeFileSync(join(runDir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
}
