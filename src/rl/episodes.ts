import type { Env, StepResult } from "../envs/env.ts";

/** What playing episodes needs of a policy: actions for a batch of observation rows. */
export type Actor = { act(obs: Float32Array, deterministic?: boolean): Float32Array };

/**
 * Plays `episodes` deterministic episodes, episode i from `env.reset(seed + i)`, on up to
 * `parallel` envs in lockstep, so that the policy acts on one batch per step instead of one row
 * (a CNN policy acting a row at a time spends nearly all its time in call overhead). Each
 * episode is the same as when played alone. `onStep(episode, obs, action, result)` sees every
 * step, in order within each episode. Returns each episode's return.
 */
export function playEpisodes(
  actor: Actor,
  makeEnv: () => Env,
  episodes: number,
  seed: number,
  parallel: number,
  onStep?: (episode: number, obs: Float32Array, action: Float32Array, result: StepResult) => void,
): number[] {
  const returns = new Array<number>(episodes).fill(0);
  const slots = Math.max(1, Math.min(parallel, episodes));
  const envs = Array.from({ length: slots }, () => makeEnv());
  const episodeOf: number[] = [];
  const obsOf: Float32Array[] = [];
  let next = 0;
  for (const env of envs) {
    if (next >= episodes) break;
    episodeOf.push(next);
    obsOf.push(env.reset(seed + next));
    next += 1;
  }
  try {
    for (;;) {
      const live = episodeOf.flatMap((ep, slot) => (ep >= 0 ? [slot] : []));
      if (live.length === 0) break;
      const obsSize = obsOf[live[0]].length;
      const batch = new Float32Array(live.length * obsSize);
      live.forEach((slot, row) => {
        batch.set(obsOf[slot], row * obsSize);
      });
      const actions = actor.act(batch, true);
      const actSize = actions.length / live.length;
      live.forEach((slot, row) => {
        const action = actions.slice(row * actSize, (row + 1) * actSize);
        const result = envs[slot].step(action);
        const episode = episodeOf[slot];
        returns[episode] += result.reward;
        onStep?.(episode, obsOf[slot], action, result);
        if (result.terminated || result.truncated) {
          if (next < episodes) {
            episodeOf[slot] = next;
            obsOf[slot] = envs[slot].reset(seed + next);
            next += 1;
          } else {
            episodeOf[slot] = -1;
          }
        } else {
          obsOf[slot] = result.obs;
        }
      });
    }
  } finally {
    for (const env of envs) env.close();
  }
  return returns;
}
