/** Arcade tests' shared piece: a seeded stretch of play, for the determinism tests. */
import { Rng } from "../../../src/core/rng.ts";
import { makeEnv } from "../../../src/envs/index.ts";

/**
 * 500 steps of `envId` from `reset(seed)`, with actions drawn by `choose` (uniform by default)
 * from a stream seeded with seed + `actionSeedOffset`; a game that ends is reset. Returns every
 * observation, every reward, and how many games ended.
 */
export function seededPlay(
  envId: string,
  seed: number,
  options: { actionSeedOffset?: number; choose?: (rng: Rng, actions: number) => number } = {},
) {
  const env = makeEnv(envId);
  const actionCount = env.actionSpace.kind === "discrete" ? env.actionSpace.n : 0;
  const choose = options.choose ?? ((rng: Rng, n: number) => rng.int(n));
  const actions = new Rng(seed + (options.actionSeedOffset ?? 1000));
  const obs: number[][] = [Array.from(env.reset(seed))];
  const rewards: number[] = [];
  let ends = 0;
  for (let t = 0; t < 500; t++) {
    const r = env.step([choose(actions, actionCount)]);
    rewards.push(r.reward);
    const ended = r.terminated || r.truncated;
    if (ended) ends += 1;
    obs.push(Array.from(ended ? env.reset() : r.obs));
  }
  return { obs, rewards, ends, total: rewards.reduce((a, b) => a + b, 0) };
}
