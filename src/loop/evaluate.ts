import { type EnvOptions, makeEnv } from "../envs/index.ts";
import { playEpisodes } from "../rl/episodes.ts";
import type { PpoAgent } from "../rl/ppo.ts";
import {
  type ClipScorer,
  type GoalMeasure,
  getGoal,
  goalMeasure,
  measureEpisodes,
  type StepSignals,
} from "../teachers/index.ts";
import { meanStd } from "./metrics.ts";

export type EvalResult = {
  mean: number;
  std: number;
  episodes: number;
  env: string;
  /** What was summed: the env's reward, or a goal teacher's score (`goal:backflip`). */
  measure: string;
  /** For a goal with a measure (GoalMeasure): what it counts, per episode. */
  count?: { label: string; mean: number; perEpisode: number[] };
};

/**
 * A goal teacher's score, named by its teacher spec (`goal:backflip`), with what the goal counts
 * per episode when it has a measure (landed backflips).
 */
export type Goal = { name: string; scorer: ClipScorer; measure: GoalMeasure | null };

/** The goal a run's teacher judged by, if it was a goal teacher. */
export function goalOf(teacher: string): Goal | null {
  if (!teacher.startsWith("goal:")) return null;
  return {
    name: teacher,
    scorer: getGoal(teacher.slice("goal:".length)),
    measure: goalMeasure(teacher),
  };
}

type Steps = {
  obs: Float32Array;
  obsSize: number;
  actions: Float32Array;
  actSize: number;
  signals?: Record<string, Float32Array>;
};

/**
 * A goal scores each step from its obs, action and signals alone, so any run of steps (a
 * rollout, an evaluation episode) can be scored as one long clip.
 */
export function scoreSteps(goal: Goal, envId: string, steps: Steps): Float32Array {
  return goal.scorer({
    id: "steps",
    envId,
    obs: steps.obs,
    obsSize: steps.obsSize,
    actions: steps.actions,
    actSize: steps.actSize,
    rewards: new Float32Array(steps.obs.length / steps.obsSize),
    signals: steps.signals,
    frames: [],
    policyVersion: 0,
    envStep: 0,
  });
}

/**
 * The deterministic policy over `episodes` episodes of `envId`, scored by the env's reward or,
 * for goal runs, by the goal: what the teacher wanted, not what the env happens to pay for.
 */
export function evaluatePolicy(
  agent: PpoAgent,
  envId: string,
  episodes: number,
  seed: number,
  goal: Goal | null = null,
  envOptions: EnvOptions = {},
): EvalResult {
  if (!goal) {
    const { mean, std } = agent.evaluate(() => makeEnv(envId, envOptions), episodes, seed);
    return { mean, std, episodes, env: envId, measure: "env reward" };
  }
  const records: EpisodeRecord[] = Array.from({ length: episodes }, () => ({
    obs: [],
    actions: [],
    signals: {},
    steps: [],
  }));
  playEpisodes(
    agent,
    () => makeEnv(envId, envOptions),
    episodes,
    seed,
    agent.config.numEnvs,
    (episode, obs, action, step) => {
      const record = records[episode];
      record.obs.push(obs);
      record.actions.push(action);
      record.steps.push(step.info.signals ?? {});
      for (const [k, v] of Object.entries(step.info.signals ?? {})) {
        record.signals[k] ??= [];
        record.signals[k].push(v);
      }
    },
  );
  const returns = records.map((r) => {
    const scores = scoreSteps(goal, envId, episodeSteps(r.obs, r.actions, r.signals));
    return scores.reduce((a, b) => a + b, 0);
  });
  const result: EvalResult = { ...meanStd(returns), episodes, env: envId, measure: goal.name };
  if (goal.measure) {
    const perEpisode = measureEpisodes(
      goal.measure,
      records.map((r) => r.steps),
    );
    result.count = { label: goal.measure.label, mean: meanStd(perEpisode).mean, perEpisode };
  }
  return result;
}

type EpisodeRecord = {
  obs: Float32Array[];
  actions: Float32Array[];
  signals: Record<string, number[]>;
  /** Each step's signals, for the goal's measure. */
  steps: StepSignals[];
};

function episodeSteps(
  obsRows: Float32Array[],
  actRows: Float32Array[],
  signals: Record<string, number[]>,
): Steps {
  const flat = (rows: Float32Array[]) => {
    const out = new Float32Array(rows.length * rows[0].length);
    rows.forEach((r, i) => {
      out.set(r, i * r.length);
    });
    return out;
  };
  return {
    obs: flat(obsRows),
    obsSize: obsRows[0].length,
    actions: flat(actRows),
    actSize: actRows[0].length,
    signals: Object.fromEntries(Object.entries(signals).map(([k, v]) => [k, Float32Array.from(v)])),
  };
}

/** "landed backflips: 3.2 per episode (3, 4, 3, 2, 4)". */
export function describeCount(count: NonNullable<EvalResult["count"]>): string {
  const each = count.perEpisode.map((v) => (Number.isInteger(v) ? String(v) : v.toFixed(1)));
  return `${count.label}: ${count.mean.toFixed(1)} per episode (${each.join(", ")})`;
}
