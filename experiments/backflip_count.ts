/**
 * Scores a Hopper policy for backflips: complete backward rotations of the torso per 1,000-step
 * episode of the preference-ready Hopper (no early termination), counted from the unwrapped
 * torso angle. Hopper's torso angle grows when it pitches forward, so a backward turn lowers it.
 *
 *   node --import tsx experiments/backflip_count.ts runs/<run> [episodes]
 */
import { join } from "node:path";
import { makeEnv } from "../src/envs/index.ts";
import { PpoAgent } from "../src/rl/index.ts";

export function countBackflips(runDir: string, episodes: number) {
  const agent = PpoAgent.load(join(runDir, "policy"));
  const rotations: number[] = [];
  for (let e = 0; e < episodes; e++) {
    const env = makeEnv("Hopper-pref-v5");
    let obs = env.reset(50_000 + e);
    let start: number | null = null;
    let lowest = 0;
    for (let t = 0; t < 1000; t++) {
      const step = env.step(agent.act(obs, true));
      const angle = step.info.signals?.torso_angle;
      if (angle === undefined) throw new Error("Hopper-pref-v5 gives no torso_angle signal");
      start ??= angle;
      lowest = Math.min(lowest, angle - start);
      obs = step.obs;
      if (step.terminated || step.truncated) break;
    }
    env.close();
    rotations.push(Math.floor(-lowest / (2 * Math.PI)));
  }
  agent.dispose();
  const meanRotations = rotations.reduce((a, b) => a + b, 0) / rotations.length;
  return { meanRotations, rotations };
}

if (process.argv[1] === import.meta.filename) {
  const [runDir, episodes = "5"] = process.argv.slice(2);
  if (!runDir) throw new Error("usage: backflip_count.ts RUN_DIR [EPISODES]");
  console.log(JSON.stringify(countBackflips(runDir, Number(episodes))));
}
