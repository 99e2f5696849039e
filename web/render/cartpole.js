/**
 * CartPole, drawn as Gymnasium draws it: a 600×400 screen spanning the track ±2.4 m
 * (x_threshold), the cart 50×30 px on a track 100 px up, a pole 10 px wide and one metre long
 * (2 × half-length 0.5) on an axle a quarter of the cart's height above its centre.
 * The preference-ready variant keeps running between walls at ±4.8 m, so its screen spans
 * ±4.8 m with the healthy range marked.
 */
/** @import { Frame, RunInfo } from "../../src/server/api_types.ts" */
/** @import { Point } from "./_2d.js" */
import { circle, context2d, fitWorld, polygon, rotate } from "./_2d.js";

const SCREEN_W = 600;
const SCREEN_H = 400;
const X_THRESHOLD = 2.4;
const WALL = 4.8;
const POLE_LENGTH = 1.0;
const CART_W = 50;
const CART_H = 30;
const POLE_W = 10;
const CART_Y = 100;

/**
 * @param {HTMLCanvasElement} canvas
 * @param {RunInfo | null} runInfo
 */
export function create(canvas, runInfo) {
  const ctx = context2d(canvas);
  const pref = /-pref-/.test(runInfo?.envId ?? "");
  const halfWidth = pref ? WALL + 0.8 : X_THRESHOLD;
  const scale = SCREEN_W / (2 * halfWidth);
  const poleLen = scale * POLE_LENGTH;

  return {
    /** @param {Extract<Frame, {kind: "cartpole"}>} frame */
    draw(frame) {
      fitWorld(ctx, canvas, SCREEN_W, SCREEN_H, "#ffffff");
      const cartX = frame.x * scale + SCREEN_W / 2;

      // Track, with a faint mark at its centre (x = 0) to judge drift by.
      ctx.fillStyle = "#000000";
      ctx.fillRect(0, CART_Y - 0.5, SCREEN_W, 1);
      ctx.fillStyle = "#ced4da";
      ctx.fillRect(SCREEN_W / 2 - 0.75, CART_Y - 22, 1.5, 16);
      if (pref) {
        // Healthy range (the standard task's thresholds) and the walls.
        ctx.fillStyle = "#c9ced6";
        for (const x of [-X_THRESHOLD, X_THRESHOLD]) {
          ctx.fillRect(x * scale + SCREEN_W / 2 - 1, CART_Y - 12, 2, 24);
        }
        ctx.fillStyle = "#868e96";
        for (const x of [-WALL, WALL]) {
          const px = x * scale + SCREEN_W / 2 + Math.sign(x) * (CART_W / 2 + 2);
          ctx.fillRect(px - 3, CART_Y - 10, 6, 70);
        }
      }

      // Cart.
      const l = -CART_W / 2;
      const r = CART_W / 2;
      const t = CART_H / 2;
      const b = -CART_H / 2;
      polygon(
        ctx,
        [
          [l + cartX, b + CART_Y],
          [l + cartX, t + CART_Y],
          [r + cartX, t + CART_Y],
          [r + cartX, b + CART_Y],
        ],
        "#000000",
      );

      // Pole, rotated by -θ (θ > 0 leans right) about the axle.
      const axleY = CART_Y + CART_H / 4;
      const pl = -POLE_W / 2;
      const pr = POLE_W / 2;
      const pt = poleLen - POLE_W / 2;
      const pb = -POLE_W / 2;
      /** @type {Point[]} */
      const corners = [
        [pl, pb],
        [pl, pt],
        [pr, pt],
        [pr, pb],
      ];
      const pole = corners.map((p) => rotate(p, -frame.theta, cartX, axleY));
      polygon(ctx, pole, "rgb(202,152,101)");
      circle(ctx, cartX, axleY, POLE_W / 2, "rgb(129,132,203)");
    },
  };
}
