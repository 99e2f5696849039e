/**
 * A goal for the example arm (examples/arm/arm.xml): touch the red target with the fingertip
 * and stay there.
 *
 * Each step scores −d / 0.1 m, where d is the fingertip's distance to the target in the table's
 * plane, plus 1 while d < 2 cm (the two spheres overlap). Summed over a clip, a clip that gets
 * to the target sooner and stays on it wins; among clips that never arrive, the one that ends
 * closer wins.
 *
 * The positions come from the clip's signals: an env built from an MJCF file reports each
 * named site's world position after every step (`site.<name>.x|y|z`), so this module needs no
 * forward kinematics. Use it with:
 *
 *   backflip train --env ./examples/arm/arm.xml --teacher goal:./examples/arm/touch_goal.ts
 */
import type { Clip } from "../../src/core/types.ts";

/** Distance (m) under which the fingertip counts as touching the target. */
export const TOUCH_RADIUS = 0.02;
/** Distance (m) that costs one point a step. */
export const DISTANCE_SCALE = 0.1;

/** Per-step fingertip–target distances (m) of a clip from the arm. */
export function fingertipDistances(clip: Clip): Float32Array {
  const s = clip.signals ?? {};
  const fx = s["site.fingertip.x"];
  const fy = s["site.fingertip.y"];
  const tx = s["site.target.x"];
  const ty = s["site.target.y"];
  if (fx === undefined || fy === undefined || tx === undefined || ty === undefined) {
    throw new Error(
      `touch goal needs clips with signals site.fingertip.x/y and site.target.x/y (clip ${clip.id} of ${clip.envId} has ${Object.keys(s).join(", ") || "none"})`,
    );
  }
  const out = new Float32Array(fx.length);
  for (let t = 0; t < out.length; t++) out[t] = Math.hypot(fx[t] - tx[t], fy[t] - ty[t]);
  return out;
}

/** The goal's score of each step of a clip. */
export function touchScore(clip: Clip): Float32Array {
  const d = fingertipDistances(clip);
  const out = new Float32Array(d.length);
  for (let t = 0; t < d.length; t++)
    out[t] = -d[t] / DISTANCE_SCALE + (d[t] < TOUCH_RADIUS ? 1 : 0);
  return out;
}

export default {
  name: "arm-touch",
  scorer: touchScore,
  rubric: "Prefer the clip whose blue fingertip reaches the red target sooner and stays on it.",
};
