/**
 * Does the docs' goal module teach HalfCheetah to run backwards? Mean x-velocity (m/s) over 10
 * deterministic 1,000-step episodes of HalfCheetah-pref-v5, for the goal-taught policy, a policy
 * taught forwards by the oracle, and uniformly random actions.
 *
 *   npx backflip train --env HalfCheetah-v5 --teacher goal:./examples/halfcheetah_backwards.ts \
 *     --labels 700 --steps 1000000 --run runs/cheetah-back
 *   npx backflip train --env HalfCheetah-v5 --teacher oracle --labels 700 --steps 1000000 \
 *     --run runs/cheetah-fwd
 *   node --import tsx experiments/halfcheetah_backwards.ts runs/cheetah-back runs/cheetah-fwd
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../src/core/rng.ts";
import { makeEnv } from "../src/envs/index.ts";
import { latestModelDir } from "../src/loop/checkpoint.ts";
import { PpoAgent } from "../src/rl/ppo.ts";

const ENV = "HalfCheetah-pref-v5";
const EPISODES = 10;

type Policy = (obs: Float32Array) => Float32Array;

function meanXVelocity(policy: Policy): { mean: number; perEpisode: number[] } {
  const env = makeEnv(ENV);
  const perEpisode: number[] = [];
  for (let ep = 0; ep < EPISODES; ep++) {
    let obs = env.reset(50_000 + ep);
    let sum = 0;
    let steps = 0;
    for (;;) {
      const step = env.step(policy(obs));
      sum += step.info.signals?.x_velocity ?? Number.NaN;
      steps++;
      obs = step.obs;
      if (step.terminated || step.truncated) break;
    }
    perEpisode.push(sum / steps);
  }
  env.close();
  const mean = perEpisode.reduce((a, b) => a + b, 0) / perEpisode.length;
  return { mean, perEpisode };
}

function trained(runDir: string): Policy {
  const dir = latestModelDir(runDir, "policy");
  if (!dir) throw new Error(`${runDir} has no saved policy`);
  const agent = PpoAgent.load(dir);
  return (obs) => agent.act(obs, true);
}

const [backwardsRun, forwardRun] = process.argv.slice(2);
if (!backwardsRun || !forwardRun) {
  throw new Error("usage: halfcheetah_backwards.ts BACKWARDS_RUN FORWARD_RUN");
}
const rng = new Rng(7);
const random: Policy = () => Float32Array.from({ length: 6 }, () => rng.uniform(-1, 1));
const row = {
  env: ENV,
  episodes: EPISODES,
  goalBackwards: meanXVelocity(trained(backwardsRun)),
  oracleForward: meanXVelocity(trained(forwardRun)),
  random: meanXVelocity(random),
};
console.log(JSON.stringify(row));
writeFileSync(
  join(import.meta.dirname, "results", "halfcheetah_backwards.json"),
  `${JSON.stringify(row)}\n`,
);
