/**
 * Scores a Hopper policy for backflips over 1,000-step episodes of the preference-ready Hopper
 * (no early termination), two ways:
 *
 *   - landed: backward turns that end upright on the foot (LandedFlipCounter, the measure
 *     `backflip eval` reports for goal:backflip runs);
 *   - rotations: complete backward rotations of the unwrapped torso angle, landed or not (the
 *     earlier measure: its lowest point below the start, in whole turns).
 *
 *   node --import tsx experiments/backflip_count.ts runs/<run> [episodes]
 */
import { join } from "node:path";
import { makeEnv } from "../src/envs/index.ts";
import { PpoAgent, playEpisodes } from "../src/rl/index.ts";
import { LandedFlipCounter } from "../src/teachers/goals/backflip.ts";

export function countBackflips(runDir: string, episodes: number) {
  const agent = PpoAgent.load(join(runDir, "policy"));
  try {
    return countAgentBackflips(agent, episodes);
  } finally {
    agent.dispose();
  }
}

/** The same for a policy in hand. */
export function countAgentBackflips(agent: PpoAgent, episodes: number) {
  const counters = Array.from({ length: episodes }, () => new LandedFlipCounter());
  const start: (number | null)[] = new Array(episodes).fill(null);
  const lowest = new Array<number>(episodes).fill(0);
  playEpisodes(
    agent,
    () => makeEnv("Hopper-pref-v5"),
    episodes,
    50_000,
    episodes,
    (ep, _o, _a, step) => {
      const signals = step.info.signals ?? {};
      const angle = signals.torso_angle;
      if (angle === undefined) throw new Error("Hopper-pref-v5 gives no torso_angle signal");
      start[ep] ??= angle;
      lowest[ep] = Math.min(lowest[ep], angle - (start[ep] as number));
      counters[ep].step(signals);
    },
  );
  const rotations = lowest.map((l) => Math.floor(-l / (2 * Math.PI)));
  const landed = counters.map((c) => c.value);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { meanLanded: mean(landed), landed, meanRotations: mean(rotations), rotations };
}

if (process.argv[1] === import.meta.filename) {
  const [runDir, episodes = "5"] = process.argv.slice(2);
  if (!runDir) throw new Error("usage: backflip_count.ts RUN_DIR [EPISODES]");
  console.log(JSON.stringify(countBackflips(runDir, Number(episodes))));
}
