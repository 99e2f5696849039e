/**
 * A custom environment written outside Backflip: a point mass on a square table that should
 * reach a target.
 *
 * - Arena: [−1, 1] × [−1, 1]; the walls stop the point (the velocity into a wall is lost).
 * - Action: a force (fx, fy), each clipped to [−1, 1]; the point accelerates by FORCE·f and is
 *   slowed by linear damping, so its top speed is about 2 arena units per second.
 * - Observation: [x, y, vx, vy, tx, ty] (position, velocity, target).
 * - Reward: −(distance to the target) per step; an oracle teacher prefers the clip that stays
 *   closer, and so teaches the agent to go to the target and stay there.
 * - Episodes: a fixed 100 steps at 20 fps (5 s), no early end; `reset(seed)` draws the start and
 *   the target from the seed.
 * - Frame: the generic `shapes` frame (docs/frames.md), so the labelling page draws it with no
 *   renderer of its own: the arena, the target (green ring), the point (blue) and its velocity.
 *
 * The default export is a factory, `(options) => Env`. Register it under an id with
 * `registerEnv("PointReacher-v0", makePointReacher)`, or pass the file to `--env`.
 *
 * Only types come from Backflip, so the module has no runtime dependency on it.
 */
import type { BoxSpace } from "../../src/core/spaces.ts";
import type { Frame, Shape } from "../../src/core/types.ts";
import type { Env, EnvOptions, EnvSpec, StepResult } from "../../src/envs/env.ts";

export const POINT_REACHER_ID = "PointReacher-v0";

const HALF = 1; // the arena is [−HALF, HALF]²
const DT = 0.05;
const FPS = 20;
const HORIZON = 100;
const FORCE = 4; // acceleration per unit of action
const DAMPING = 2; // 1/s: top speed FORCE / DAMPING = 2 per second
const MAX_SPEED = 3;
/** Start and target lie this far inside the walls. */
const INNER = 0.8;
const AGENT_RADIUS = 0.05;
const TARGET_RADIUS = 0.1;

export type PointReacherOptions = {
  /** Seed of the first episode when `reset()` is called without one (default: random). */
  seed?: number;
  /** Steps per episode (default 100). */
  horizon?: number;
};

function boxSpace(low: number[], high: number[]): BoxSpace {
  return {
    kind: "box",
    shape: [low.length],
    low: Float32Array.from(low),
    high: Float32Array.from(high),
  };
}

/** mulberry32: a small seeded generator, enough for start and target positions. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class PointReacher implements Env {
  readonly spec: EnvSpec;
  readonly observationSpace = boxSpace(
    [-HALF, -HALF, -MAX_SPEED, -MAX_SPEED, -HALF, -HALF],
    [HALF, HALF, MAX_SPEED, MAX_SPEED, HALF, HALF],
  );
  readonly actionSpace = boxSpace([-1, -1], [1, 1]);
  private readonly horizon: number;
  private random: () => number;
  private pos = [0, 0];
  private vel = [0, 0];
  private target = [0, 0];
  private elapsed = 0;
  private started = false;

  constructor(options: PointReacherOptions = {}) {
    this.horizon = options.horizon ?? HORIZON;
    this.random = generator(options.seed ?? Math.floor(Math.random() * 4294967296));
    this.spec = {
      id: POINT_REACHER_ID,
      maxEpisodeSteps: this.horizon,
      fps: FPS,
      dt: DT,
      preferenceReady: true,
    };
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.random = generator(seed);
    const u = () => (2 * this.random() - 1) * INNER;
    this.pos = [u(), u()];
    this.vel = [0, 0];
    this.target = [u(), u()];
    this.elapsed = 0;
    this.started = true;
    return this.obs();
  }

  step(action: ArrayLike<number>): StepResult {
    if (!this.started) throw new Error(`${POINT_REACHER_ID}: call reset() before step()`);
    if (action.length !== 2) {
      throw new Error(`${POINT_REACHER_ID}: expected 2 action values, got ${action.length}`);
    }
    for (let i = 0; i < 2; i++) {
      // NaN counts as no force.
      const f = Math.min(1, Math.max(-1, Number(action[i]) || 0));
      let v = this.vel[i] + (FORCE * f - DAMPING * this.vel[i]) * DT;
      v = Math.min(MAX_SPEED, Math.max(-MAX_SPEED, v));
      let p = this.pos[i] + v * DT;
      if (p > HALF || p < -HALF) {
        p = Math.min(HALF, Math.max(-HALF, p));
        v = 0;
      }
      this.pos[i] = p;
      this.vel[i] = v;
    }
    this.elapsed++;
    const reward = -this.distance();
    const truncated = this.elapsed >= this.horizon;
    return {
      obs: this.obs(),
      reward,
      terminated: false,
      truncated,
      info: { signals: { distance: this.distance() } },
    };
  }

  distance(): number {
    return Math.hypot(this.pos[0] - this.target[0], this.pos[1] - this.target[1]);
  }

  frame(): Frame {
    const r = (v: number) => Math.round(v * 1000) / 1000;
    const [x, y] = this.pos;
    const [vx, vy] = this.vel;
    const shapes: Shape[] = [
      { type: "box", x: 0, y: 0, w: 2 * HALF, h: 2 * HALF, color: "#f8f9fa", stroke: "#adb5bd" },
      {
        type: "circle",
        x: r(this.target[0]),
        y: r(this.target[1]),
        r: TARGET_RADIUS,
        color: "#2f9e44",
        fill: false,
        width: 0.03,
      },
      { type: "circle", x: r(x), y: r(y), r: AGENT_RADIUS, color: "#1c7ed6" },
    ];
    if (Math.hypot(vx, vy) > 0.05) {
      // The velocity over a quarter of a second.
      shapes.push({
        type: "line",
        points: [r(x), r(y), r(x + 0.25 * vx), r(y + 0.25 * vy)],
        color: "#e8590c",
        width: 0.02,
      });
    }
    const m = HALF + 0.05;
    return { kind: "shapes", view: [-m, -m, m, m], shapes };
  }

  close(): void {}

  private obs(): Float32Array {
    return Float32Array.of(
      this.pos[0],
      this.pos[1],
      this.vel[0],
      this.vel[1],
      this.target[0],
      this.target[1],
    );
  }
}

/** The module's default export: a factory for the env. Backflip's env options do not apply. */
export default function makePointReacher(options: EnvOptions & PointReacherOptions = {}): Env {
  return new PointReacher(options);
}
