import type { Clip } from "../core/types.ts";
import { makeEnv } from "../envs/index.ts";
import type { PpoAgent } from "../rl/ppo.ts";
import { type ClipScorer, getGoal } from "../teachers/index.ts";
import { meanStd } from "./metrics.ts";

export type EvalResult = {
  mean: number;
  std: number;
  episodes: number;
  env: string;
  /** What was summed: the env's reward, or a goal teacher's score (`goal:backflip`). */
  measure: string;
};

/** The goal a run's teacher judged by, if it was a goal teacher. */
export function goalOf(teacher: string): ClipScorer | null {
  return teacher.startsWith("goal:") ? getGoal(teacher.slice("goal:".length)) : null;
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
  goal: { name: string; scorer: ClipScorer } | null = null,
): EvalResult {
  if (!goal) {
    const { mean, std } = agent.evaluate(() => makeEnv(envId), episodes, seed);
    return { mean, std, episodes, env: envId, measure: "env reward" };
  }
  const returns: number[] = [];
  const env = makeEnv(envId);
  for (let ep = 0; ep < episodes; ep++) {
    let obs = env.reset(seed + ep);
    const obsRows: Float32Array[] = [];
    const actRows: Float32Array[] = [];
    const signals: Record<string, number[]> = {};
    for (;;) {
      const action = agent.act(obs, true);
      const step = env.step(action);
      obsRows.push(obs);
      actRows.push(Float32Array.from(action));
      for (const [k, v] of Object.entries(step.info.signals ?? {})) {
        signals[k] = signals[k] ?? [];
        signals[k].push(v);
      }
      obs = step.obs;
      if (step.terminated || step.truncated) break;
    }
    const scores = goal.scorer(episodeClip(envId, obsRows, actRows, signals));
    returns.push(scores.reduce((a, b) => a + b, 0));
  }
  env.close();
  return { ...meanStd(returns), episodes, env: envId, measure: goal.name };
}

function episodeClip(
  envId: string,
  obsRows: Float32Array[],
  actRows: Float32Array[],
  signals: Record<string, number[]>,
): Clip {
  const flat = (rows: Float32Array[]) => {
    const out = new Float32Array(rows.length * rows[0].length);
    rows.forEach((r, i) => {
      out.set(r, i * r.length);
    });
    return out;
  };
  return {
    id: "eval",
    envId,
    obs: flat(obsRows),
    obsSize: obsRows[0].length,
    actions: flat(actRows),
    actSize: actRows[0].length,
    rewards: new Float32Array(obsRows.length),
    signals: Object.fromEntries(Object.entries(signals).map(([k, v]) => [k, Float32Array.from(v)])),
    frames: [],
    policyVersion: 0,
    envStep: 0,
  };
}
