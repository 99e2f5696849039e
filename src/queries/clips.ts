/**
 * Cutting a rollout into clips (the paper's trajectory segments σ): `length` consecutive steps
 * of one environment within one episode. MuJoCo clips last 1.5 s of simulated time, arcade
 * clips 25 steps (Christiano et al. 2017, App. A).
 */
import type { Rng } from "../core/rng.ts";
import type { Clip, Frame, Rollout } from "../core/types.ts";

/** A random 64-bit id in hex, drawn from `rng` so that a seeded run repeats its ids. */
export function randomId(rng: Rng): string {
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  return hex(rng.nextU32()) + hex(rng.nextU32());
}

/**
 * Steps per clip for an env whose step lasts `spec.dt` simulated seconds: `seconds` of simulated
 * time (default 1.5, the paper's MuJoCo clips), rounded, at least 1; or `steps` as given.
 */
export function clipSteps(
  spec: { dt: number },
  length: { seconds: number } | { steps: number } = { seconds: 1.5 },
): number {
  if ("steps" in length) {
    if (!(Number.isInteger(length.steps) && length.steps >= 1)) {
      throw new Error(`clipSteps: steps must be a positive integer, got ${length.steps}`);
    }
    return length.steps;
  }
  if (!(spec.dt > 0)) throw new Error(`clipSteps: the env's dt must be positive, got ${spec.dt}`);
  if (!(length.seconds > 0)) {
    throw new Error(`clipSteps: seconds must be positive, got ${length.seconds}`);
  }
  return Math.max(1, Math.round(length.seconds / spec.dt));
}

export type CutOptions = {
  /** Steps per clip. */
  length: number;
  /** Steps between the starts of neighbouring clips in an episode (default `length`: no overlap). */
  stride?: number;
  rng: Rng;
  /** Keep at most this many clips, chosen at random (default: all). */
  maxClips?: number;
};

/**
 * Clips of `length` consecutive steps from each env of the rollout. A clip never crosses the end
 * of an episode: the step where `terminated` or `truncated` is set may be a clip's last step,
 * never an inner one. Within each stretch of one episode the clips start `stride` apart, from a
 * random offset, so that clip boundaries do not always fall on the same steps. `envStep` is the
 * trainer's env step count at the clip's first step; frames are copied when the rollout has them.
 */
export function cutClips(rollout: Rollout, opts: CutOptions): Clip[] {
  const { length, rng } = opts;
  const stride = opts.stride ?? length;
  if (!(Number.isInteger(length) && length >= 1)) {
    throw new Error(`cutClips: length must be a positive integer, got ${length}`);
  }
  if (!(Number.isInteger(stride) && stride >= 1)) {
    throw new Error(`cutClips: stride must be a positive integer, got ${stride}`);
  }
  const { numEnvs, steps } = rollout;
  const starts: { env: number; t: number }[] = [];
  for (let e = 0; e < numEnvs; e++) {
    let begin = 0;
    for (let t = 0; t < steps; t++) {
      const i = t * numEnvs + e;
      const ends = rollout.terminated[i] === 1 || rollout.truncated[i] === 1 || t === steps - 1;
      if (!ends) continue;
      const span = t + 1 - begin;
      if (span >= length) {
        const count = Math.floor((span - length) / stride) + 1;
        const slack = span - length - (count - 1) * stride;
        const offset = rng.int(slack + 1);
        for (let k = 0; k < count; k++) starts.push({ env: e, t: begin + offset + k * stride });
      }
      begin = t + 1;
    }
  }
  let chosen = starts;
  if (opts.maxClips !== undefined && opts.maxClips < starts.length) {
    chosen = rng.shuffle(starts.slice()).slice(0, Math.max(0, opts.maxClips));
  }
  return chosen.map(({ env, t }) => cutOne(rollout, env, t, length, rng));
}

function cutOne(rollout: Rollout, env: number, start: number, length: number, rng: Rng): Clip {
  const { numEnvs, obsSize, actSize } = rollout;
  const obs = new Float32Array(length * obsSize);
  const actions = new Float32Array(length * actSize);
  const rewards = new Float32Array(length);
  const unhealthy = new Uint8Array(length);
  const signals: Record<string, Float32Array> = {};
  for (const name of Object.keys(rollout.signals)) signals[name] = new Float32Array(length);
  const frames: Frame[] = [];
  for (let k = 0; k < length; k++) {
    const i = (start + k) * numEnvs + env;
    obs.set(rollout.obs.subarray(i * obsSize, (i + 1) * obsSize), k * obsSize);
    actions.set(rollout.actions.subarray(i * actSize, (i + 1) * actSize), k * actSize);
    rewards[k] = rollout.rewards[i];
    unhealthy[k] = rollout.unhealthy[i];
    for (const [name, values] of Object.entries(rollout.signals)) signals[name][k] = values[i];
    if (rollout.frames) frames.push(rollout.frames[i]);
  }
  return {
    id: randomId(rng),
    envId: rollout.envId,
    obs,
    obsSize,
    actions,
    actSize,
    rewards,
    unhealthy,
    signals,
    frames,
    policyVersion: rollout.policyVersion,
    envStep: rollout.envStepStart + start * numEnvs,
  };
}
