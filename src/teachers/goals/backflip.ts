/**
 * The Hopper backflip goal: what a person teaching a backflip prefers, as a per-step score a
 * scripted goal teacher sums over a clip.
 *
 * `backflipScore` (goal:backflip) pays for turning backwards (and charges for turning forwards)
 * while the torso is high, so that a roll on the ground earns nothing, and pays LANDING_BONUS for each backflip landed in the clip
 * (LandedFlipCounter: a backward turn that ends upright on the foot). From the standard
 * 11-number Hopper observation `ob` (qpos[1:] then qvel: ob[0] the torso height, ob[1] its
 * unwrapped angle, ob[7] its angular velocity).
 *
 * `originalBackflipScore` (goal:backflip-original) is the original work's formula, kept for
 * comparison. It pays for backward rotation whether or not the robot lands, and a Hopper taught
 * by it learns to roll on its back (0 landed flips with 450 labels, seed 1):
 *
 *   backroll  = −ob[7]                 (rotating backwards)
 *   height    = ob[0]
 *   vel_act   = a[0]·ob[8] + a[1]·ob[9] + a[2]·ob[10]
 *   backslide = −ob[5]
 *   score     = backroll · (1 + 0.3·height + 0.1·vel_act + 0.05·backslide)
 */
import type { Clip } from "../../core/types.ts";
import {
  type EpisodeCounter,
  type GoalMeasure,
  requireSignal,
  type StepSignals,
} from "./measures.ts";

export const HOPPER_OBS_SIZE = 11;
export const HOPPER_ACT_SIZE = 3;

/**
 * Torso height (m) above which turning backwards pays. Standing, the torso is at 1.25; lying on
 * the ground, below 0.4; a Hopper turning over its foot must hold it higher than its leg is long.
 */
export const AIRBORNE_HEIGHT = 0.6;
/**
 * Paid for each landed backflip. A whole turn with the torso about 0.5 m above AIRBORNE_HEIGHT
 * earns about 400 (the per-step |ω| sums to 2π / dt = 785 over a turn), so a clip that lands its
 * flip is worth nearly twice one that falls out of it.
 */
export const LANDING_BONUS = 300;

/** Per-step goal:backflip scores of a Hopper clip: airborne backward turning, and landings. */
export function backflipScore(clip: Clip): Float32Array {
  checkHopperClip(clip, "backflipScore");
  const steps = clip.rewards.length;
  const out = new Float32Array(steps);
  const scorer = new BackflipStepScorer();
  for (let t = 0; t < steps; t++) {
    out[t] = scorer.step(clip.obs.subarray(t * HOPPER_OBS_SIZE, (t + 1) * HOPPER_OBS_SIZE));
  }
  return out;
}

/**
 * goal:backflip step by step over one stretch of steps (a clip, or an episode): a landing is
 * paid on the step it completes, counted from the stretch's first step.
 */
export class BackflipStepScorer {
  private readonly landed = new LandedFlipCounter();

  step(ob: ArrayLike<number>): number {
    const before = this.landed.value;
    this.landed.step({ torso_angle: ob[1], height: ob[0] });
    return airborneTurnScore(ob) + LANDING_BONUS * (this.landed.value - before);
  }
}

/**
 * goal:backflip's pay for one step's turning: the torso's backward angular velocity while it is
 * above AIRBORNE_HEIGHT. Turning forwards costs as much, so rocking back and forth earns nothing
 * (taught with the backward part alone, a Hopper learned to rock: 0 flips with 450 labels).
 */
export function airborneTurnScore(ob: ArrayLike<number>): number {
  return -ob[7] * Math.max(0, ob[0] - AIRBORNE_HEIGHT);
}

/** The original work's backflip score of one step. */
export function backflipStepScore(ob: ArrayLike<number>, a: ArrayLike<number>): number {
  const backroll = -ob[7];
  const height = ob[0];
  const velAct = a[0] * ob[8] + a[1] * ob[9] + a[2] * ob[10];
  const backslide = -ob[5];
  return backroll * (1 + 0.3 * height + 0.1 * velAct + 0.05 * backslide);
}

/** Per-step goal:backflip-original scores of a Hopper clip. */
export function originalBackflipScore(clip: Clip): Float32Array {
  checkHopperClip(clip, "originalBackflipScore");
  const steps = clip.rewards.length;
  const out = new Float32Array(steps);
  for (let t = 0; t < steps; t++) {
    const ob = clip.obs.subarray(t * HOPPER_OBS_SIZE, (t + 1) * HOPPER_OBS_SIZE);
    const a = clip.actions.subarray(t * HOPPER_ACT_SIZE, (t + 1) * HOPPER_ACT_SIZE);
    out[t] = backflipStepScore(ob, a);
  }
  return out;
}

function checkHopperClip(clip: Clip, what: string): void {
  if (clip.obsSize !== HOPPER_OBS_SIZE || clip.actSize !== HOPPER_ACT_SIZE) {
    throw new Error(
      `${what} needs Hopper clips (obs 11, action 3); clip ${clip.id} of ${clip.envId} has obs ${clip.obsSize}, action ${clip.actSize}`,
    );
  }
}

/** The torso is upright when its angle is within this of a whole turn (rad, about 23°). */
const UPRIGHT_TOLERANCE = 0.4;
/** …and the robot is on its foot when the torso is this high (Hopper's own healthy z). */
const STANDING_HEIGHT = 0.7;
/** Both must hold this many steps in a row (0.12 s at dt 0.008) for a landing to count. */
const LANDING_STEPS = 15;

/**
 * Landed backflips: backward turns of the Hopper's torso, each counted when the robot lands
 * upright on its foot after it (upright and standing for LANDING_STEPS steps). A turn that ends
 * in a fall or on its back is not counted; nor is a forward turn, which resets the reference so
 * that later backflips count again. A landing after two whole turns counts two. From the
 * unwrapped `torso_angle` (the hinge angle, which grows as the torso pitches forward) and
 * `height` signals of Hopper-v5 / Hopper-pref-v5.
 */
export class LandedFlipCounter implements EpisodeCounter {
  private turn: number | null = null;
  private held = 0;
  private flips = 0;

  step(signals: StepSignals): void {
    const angle = requireSignal(signals, "torso_angle", "landed backflips");
    const height = requireSignal(signals, "height", "landed backflips");
    const nearest = Math.round(angle / (2 * Math.PI));
    const upright = Math.abs(angle - nearest * 2 * Math.PI) < UPRIGHT_TOLERANCE;
    this.turn ??= nearest;
    this.held = upright && height > STANDING_HEIGHT ? this.held + 1 : 0;
    if (this.held >= LANDING_STEPS && nearest !== this.turn) {
      if (nearest < this.turn) this.flips += this.turn - nearest;
      this.turn = nearest;
    }
  }

  get value(): number {
    return this.flips;
  }
}

export const landedBackflips: GoalMeasure = {
  label: "landed backflips",
  counter: () => new LandedFlipCounter(),
};
