/**
 * Can PPO learn landed backflips at all when it is given a backflip score as its reward? A
 * preference-trained Hopper can do no better than what RL finds on the teacher's own score, so
 * this separates "the score does not ask for landings" from "too few labels". Scores:
 *
 *   - original: the original work's per-step backflip score (goal:backflip's formula), which
 *     pays for backward rotation whether or not the robot lands;
 *   - landed: goal:backflip's score, streamed over whole episodes: backward turning paid only
 *     while the torso is high (a roll on the ground earns nothing), plus a bonus for each landed
 *     backflip (LandedFlipCounter).
 *
 * PPO (the MuJoCo preset) on Hopper-pref-v5 without respawn, 1,000-step episodes; the final
 * policy is scored by landed flips and whole backward rotations over 5 episodes.
 *
 *   - turn: goal:backflip's turning pay alone, without the landing bonus: can landings be found
 *     without ever being paid for (as a preference-taught policy must, whose teacher has not
 *     yet seen one)?
 *
 * The progress lines also count the landings in the training episodes themselves.
 *
 *   node --import tsx experiments/backflip_rl.ts [--score landed|turn|original] [--steps 1000000]
 *     [--seed 1] [--save DIR (the final policy, for backflip_diagnose.ts)]
 */
import { parseArgs } from "node:util";
import type { Rollout } from "../src/core/types.ts";
import { makeVecEnv } from "../src/envs/index.ts";
import { PpoAgent, ppoPreset } from "../src/rl/index.ts";
import {
  airborneTurnScore,
  BackflipStepScorer,
  backflipStepScore,
  LandedFlipCounter,
} from "../src/teachers/goals/backflip.ts";
import { countAgentBackflips } from "./backflip_count.ts";

const { values } = parseArgs({
  options: {
    score: { type: "string", default: "landed" },
    steps: { type: "string", default: "1000000" },
    seed: { type: "string", default: "1" },
    save: { type: "string" },
  },
});
const ENV = "Hopper-pref-v5";
const OBS = 11;
const ACT = 3;

type Scorer = (rollout: Rollout) => Float32Array;

function originalScore(rollout: Rollout): Float32Array {
  const out = new Float32Array(rollout.rewards.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = backflipStepScore(
      rollout.obs.subarray(i * OBS, (i + 1) * OBS),
      rollout.actions.subarray(i * ACT, (i + 1) * ACT),
    );
  }
  return out;
}

function turnScore(rollout: Rollout): Float32Array {
  const out = new Float32Array(rollout.rewards.length);
  for (let i = 0; i < out.length; i++)
    out[i] = airborneTurnScore(rollout.obs.subarray(i * OBS, (i + 1) * OBS));
  return out;
}

/** Per-env state over a time-major rollout, made afresh at each episode's end. */
function streamEpisodes<T>(numEnvs: number, fresh: () => T) {
  const states = Array.from({ length: numEnvs }, fresh);
  return (rollout: Rollout, visit: (state: T, ob: Float32Array, i: number) => void) => {
    for (let i = 0; i < rollout.rewards.length; i++) {
      const e = i % numEnvs;
      visit(states[e], rollout.obs.subarray(i * OBS, (i + 1) * OBS), i);
      if (rollout.terminated[i] || rollout.truncated[i]) states[e] = fresh();
    }
  };
}

/** goal:backflip's score, streamed over each env's episodes. */
function landedScore(numEnvs: number): Scorer {
  const stream = streamEpisodes(numEnvs, () => new BackflipStepScorer());
  return (rollout) => {
    const out = new Float32Array(rollout.rewards.length);
    stream(rollout, (scorer, ob, i) => {
      out[i] = scorer.step(ob);
    });
    return out;
  };
}

const seed = Number(values.seed);
const config = { ...ppoPreset(ENV) };
const venv = makeVecEnv(ENV, config.numEnvs ?? 1, { respawn: false });
const agent = new PpoAgent(config, venv.observationSpace, venv.actionSpace, seed);
const scores: Record<string, Scorer> = {
  original: originalScore,
  turn: turnScore,
  landed: landedScore(venv.numEnvs),
};
const score = scores[values.score];
if (!score) throw new Error(`--score ${values.score}? (${Object.keys(scores).join(", ")})`);
/** Landings in the training rollouts, streamed per env like the score. */
const streamFlips = streamEpisodes(venv.numEnvs, () => new LandedFlipCounter());
let landedInTraining = 0;
function countTrainingLandings(rollout: Rollout): void {
  streamFlips(rollout, (flips, ob) => {
    const before = flips.value;
    flips.step({ torso_angle: ob[1], height: ob[0] });
    landedInTraining += flips.value - before;
  });
}
const t0 = performance.now();
let sum = 0;
let n = 0;
while (agent.envSteps < Number(values.steps)) {
  const rollout = agent.collect(venv);
  const reward = score(rollout);
  for (const r of reward) sum += r;
  n += reward.length;
  countTrainingLandings(rollout);
  agent.update(rollout, reward);
  if (agent.envSteps % 102_400 < rollout.rewards.length) {
    const { meanLanded, meanRotations } = countAgentBackflips(agent, 3);
    console.error(
      JSON.stringify({
        steps: agent.envSteps,
        scorePerStep: +(sum / n).toFixed(3),
        landedInTraining,
        meanLanded,
        meanRotations,
      }),
    );
    sum = 0;
    n = 0;
    landedInTraining = 0;
  }
}
const flips = countAgentBackflips(agent, 5);
if (values.save) agent.save(values.save);
console.log(
  JSON.stringify({
    score: values.score,
    seed,
    steps: agent.envSteps,
    ...flips,
    wallSeconds: Math.round((performance.now() - t0) / 1000),
  }),
);
