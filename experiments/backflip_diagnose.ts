/**
 * Does a goal:backflip run's reward model pay for backflips it never saw? The run's teacher
 * compared clips of a policy that never flipped, so r̂ was fitted only there. This plays
 * the run's own final policy and other policies (one that flips: PPO on goal:backflip's own
 * score, `experiments/backflip_rl.ts --save DIR`) on Hopper-pref-v5 without respawn, and scores
 * every clip-length window of their deterministic episodes by the run's final r̂ and by the goal.
 *
 * Per policy: landed flips per episode, the mean window score by the goal and by r̂, and the
 * Pearson correlation of the two over its windows. Across each other policy and the run's own:
 * the share of window pairs (one from each, with different goal scores) that r̂ orders as the
 * goal does, and the same over the pairs whose other window holds a landing. If r̂ orders the
 * flipping policy's windows below the run's own, no amount of RL on it leads to a backflip.
 *
 *   node --import tsx experiments/backflip_diagnose.ts RUN_DIR [--policy NAME=DIR ...]
 *     [--episodes 5] >> experiments/results/backflip_diagnosis.md
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { makeEnv } from "../src/envs/index.ts";
import { latestModelDir } from "../src/loop/checkpoint.ts";
import { pearson } from "../src/loop/metrics.ts";
import { readRunConfig } from "../src/loop/run_config.ts";
import { RewardEnsemble } from "../src/reward/index.ts";
import { PpoAgent, playEpisodes } from "../src/rl/index.ts";
import {
  BackflipStepScorer,
  HOPPER_OBS_SIZE,
  LandedFlipCounter,
} from "../src/teachers/goals/backflip.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    policy: { type: "string", multiple: true, default: [] },
    episodes: { type: "string", default: "5" },
  },
});
const [runDir] = positionals;
if (!runDir) throw new Error("usage: backflip_diagnose.ts RUN_DIR [--policy NAME=DIR ...]");
const ENV = "Hopper-pref-v5";
const SEED = 70_000;
const episodes = Number(values.episodes);
const config = readRunConfig(runDir);
const window = config.clipSteps;
const rewardDir = latestModelDir(runDir, "reward");
if (!rewardDir) throw new Error(`${runDir} has no saved reward model`);
const probe = makeEnv(ENV);
const reward = RewardEnsemble.fromSaved(rewardDir, probe.observationSpace, probe.actionSpace);
probe.close();

type Windows = { goal: number[]; predicted: number[]; landing: boolean[]; landed: number };

/** Deterministic episodes of a policy, cut into windows scored by the goal and by r̂. */
function windowsOf(agent: PpoAgent): Windows {
  const obs: number[][] = Array.from({ length: episodes }, () => []);
  const acts: number[][] = Array.from({ length: episodes }, () => []);
  const counters = Array.from({ length: episodes }, () => new LandedFlipCounter());
  const landedAt: number[][] = Array.from({ length: episodes }, () => []);
  playEpisodes(
    agent,
    () => makeEnv(ENV, { respawn: false }),
    episodes,
    SEED,
    episodes,
    (ep, o, a, step) => {
      obs[ep].push(...o);
      acts[ep].push(...a);
      const before = counters[ep].value;
      counters[ep].step(step.info.signals ?? {});
      if (counters[ep].value > before) landedAt[ep].push(acts[ep].length / a.length - 1);
    },
  );
  const out: Windows = { goal: [], predicted: [], landing: [], landed: 0 };
  for (let ep = 0; ep < episodes; ep++) {
    const o = Float32Array.from(obs[ep]);
    const steps = o.length / HOPPER_OBS_SIZE;
    const predicted = reward.predict(o, Float32Array.from(acts[ep]));
    const scorer = new BackflipStepScorer();
    const goal = Array.from({ length: steps }, (_, t) =>
      scorer.step(o.subarray(t * HOPPER_OBS_SIZE, (t + 1) * HOPPER_OBS_SIZE)),
    );
    for (let t0 = 0; t0 + window <= steps; t0 += window) {
      let g = 0;
      let p = 0;
      for (let t = t0; t < t0 + window; t++) {
        g += goal[t];
        p += predicted[t];
      }
      out.goal.push(g);
      out.predicted.push(p);
      out.landing.push(landedAt[ep].some((t) => t >= t0 && t < t0 + window));
    }
    out.landed += counters[ep].value / episodes;
  }
  return out;
}

/** Share of window pairs (a from `own`, b from `other`) with different goal scores ordered alike. */
function agreement(own: Windows, other: Windows, onlyLandings: boolean): number | null {
  let agree = 0;
  let pairs = 0;
  for (let i = 0; i < own.goal.length; i++) {
    for (let j = 0; j < other.goal.length; j++) {
      if (onlyLandings && !other.landing[j]) continue;
      const dg = own.goal[i] - other.goal[j];
      if (dg === 0) continue;
      pairs += 1;
      if (Math.sign(dg) === Math.sign(own.predicted[i] - other.predicted[j])) agree += 1;
    }
  }
  return pairs > 0 ? agree / pairs : null;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const fmt = (x: number | null, digits = 2) => (x === null ? "–" : x.toFixed(digits));

const policies: [string, string][] = [
  ["the run's own", join(runDir, "policy")],
  ...values.policy.map((spec): [string, string] => {
    const at = spec.indexOf("=");
    if (at < 0) throw new Error(`--policy NAME=DIR, not '${spec}'`);
    return [spec.slice(0, at), spec.slice(at + 1)];
  }),
];
const scored = policies.map(([name, dir]) => {
  const agent = PpoAgent.load(dir);
  try {
    return { name, windows: windowsOf(agent) };
  } finally {
    agent.dispose();
  }
});
const own = scored[0].windows;
const lines = [
  `Run ${runDir} (${config.teacher}, ${config.labels} labels), ${window}-step windows, ${episodes} deterministic episodes per policy`,
  "",
  "| policy | landed / episode | goal / window | r̂ / window | corr(r̂, goal) | r̂ orders pairs with own | …pairs on a landing |",
  "| --- | --- | --- | --- | --- | --- | --- |",
];
for (const { name, windows } of scored) {
  const versus = windows === own ? null : agreement(own, windows, false);
  const landings = windows === own ? null : agreement(own, windows, true);
  lines.push(
    `| ${name} | ${fmt(windows.landed, 1)} | ${fmt(mean(windows.goal), 1)} | ${fmt(mean(windows.predicted), 2)} | ${fmt(pearson(windows.goal, windows.predicted))} | ${fmt(versus)} | ${fmt(landings)} |`,
  );
}
console.log(lines.join("\n"));
reward.dispose();
