/**
 * Two ways to explore before and beside learning from preferences, each off by default:
 *
 *   - RUNE (Liang et al. 2022): the policy's reward gets a bonus β_t · std of the ensemble
 *     members' r̂, with β_t = β₀ · (1 − ρ)^t decaying over env steps t: where the reward models
 *     disagree, the agent goes to look, and the clips it brings back are worth asking about.
 *   - PEBBLE's unsupervised pre-training (Lee et al. 2021): before the first questions, the
 *     policy maximises state entropy, rewarded by the distance from each state to its k-th
 *     nearest neighbour among the rollout's states, so that the first clips people compare are
 *     varied instead of many near-copies of a random policy's. Measured over chosen observation
 *     columns only, it seeks variety in what the goal is about (a Hopper's height and pitch for
 *     a flip) rather than in the joint velocities, which dominate the whole observation.
 */
import type { Rollout } from "../core/types.ts";
import type { RewardModel } from "../reward/types.ts";

export type ExplorationBonus = { beta: number; decay: number };

/** r̂ (the members' mean) plus β_t times the members' std, for every step of the rollout. */
export function rewardWithDisagreementBonus(
  model: RewardModel,
  rollout: Rollout,
  bonus: ExplorationBonus,
  envSteps: number,
): { reward: Float32Array; predicted: Float32Array; beta: number } {
  const members = model.predictMembers(rollout.obs, rollout.actions);
  const beta = bonus.beta * (1 - bonus.decay) ** envSteps;
  const rows = members[0].length;
  const predicted = new Float32Array(rows);
  const reward = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (const m of members) mean += m[r] / members.length;
    let variance = 0;
    for (const m of members) variance += (m[r] - mean) ** 2 / members.length;
    predicted[r] = mean;
    reward[r] = mean + beta * Math.sqrt(variance);
  }
  return { reward, predicted, beta };
}

/** Neighbours counted for the state-entropy reward (PEBBLE: k = 5). */
const K_NEAREST = 5;
/** At most this many states of a rollout are searched as neighbours (a random-free stride). */
const MAX_REFERENCE_STATES = 4096;

/**
 * PEBBLE's intrinsic reward for each step: log(1 + the distance from its observation to the
 * k-th nearest other observation of the rollout), on observations standardised per dimension
 * over the rollout; on the observation `columns` only, where given.
 */
export function stateEntropyReward(
  obs: Float32Array,
  obsSize: number,
  columns?: readonly number[],
): Float32Array {
  if (columns) return stateEntropyReward(selectColumns(obs, obsSize, columns), columns.length);
  const rows = obs.length / obsSize;
  const mean = new Float64Array(obsSize);
  const std = new Float64Array(obsSize);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < obsSize; j++) mean[j] += obs[r * obsSize + j] / rows;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < obsSize; j++) std[j] += (obs[r * obsSize + j] - mean[j]) ** 2 / rows;
  }
  for (let j = 0; j < obsSize; j++) std[j] = Math.sqrt(std[j]) || 1;
  const z = new Float32Array(obs.length);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < obsSize; j++)
      z[r * obsSize + j] = (obs[r * obsSize + j] - mean[j]) / std[j];
  }
  const stride = Math.max(1, Math.ceil(rows / MAX_REFERENCE_STATES));
  const k = Math.min(K_NEAREST, Math.max(1, Math.floor(rows / stride) - 1));
  const out = new Float32Array(rows);
  const nearest = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    nearest.fill(Number.POSITIVE_INFINITY);
    for (let q = 0; q < rows; q += stride) {
      if (q === r) continue;
      let d = 0;
      for (let j = 0; j < obsSize; j++) d += (z[r * obsSize + j] - z[q * obsSize + j]) ** 2;
      if (d < nearest[k - 1]) {
        let i = k - 1;
        while (i > 0 && nearest[i - 1] > d) {
          nearest[i] = nearest[i - 1];
          i -= 1;
        }
        nearest[i] = d;
      }
    }
    out[r] = Math.log(1 + Math.sqrt(nearest[k - 1]));
  }
  return out;
}

function selectColumns(obs: Float32Array, obsSize: number, columns: readonly number[]) {
  const rows = obs.length / obsSize;
  const out = new Float32Array(rows * columns.length);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < columns.length; j++)
      out[r * columns.length + j] = obs[r * obsSize + columns[j]];
  }
  return out;
}
