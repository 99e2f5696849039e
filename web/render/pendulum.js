/**
 * Pendulum, drawn as Gymnasium draws it: a 500×500 screen spanning ±2.2, a rod of length 1 and
 * width 0.2 in (204, 77, 77) with rounded ends, θ = 0 pointing up and θ > 0 turning it
 * counter-clockwise, a black axle, and the applied torque as a curved arrow whose size grows
 * with |u| (Gymnasium scales its clockwise.png by |u| / 2; u > 0 turns counter-clockwise).
 */
/** @import { Frame } from "../../src/server/api_types.ts" */
/** @import { Point } from "./_2d.js" */
import { circle, context2d, fitWorld, polygon, rotate } from "./_2d.js";

const DIM = 500;
const BOUND = 2.2;
const MAX_TORQUE = 2;

/** @param {HTMLCanvasElement} canvas */
export function create(canvas) {
  const ctx = context2d(canvas);
  const scale = DIM / (2 * BOUND);
  const offset = DIM / 2;
  const rodLength = 1 * scale;
  const rodWidth = 0.2 * scale;

  return {
    /** @param {Extract<Frame, {kind: "pendulum"}>} frame */
    draw(frame) {
      fitWorld(ctx, canvas, DIM, DIM, "#ffffff");
      const angle = frame.theta + Math.PI / 2;

      torqueArrow(ctx, offset, offset, (frame.torque ?? 0) / MAX_TORQUE, scale);

      /** @type {Point[]} */
      const corners = [
        [0, -rodWidth / 2],
        [0, rodWidth / 2],
        [rodLength, rodWidth / 2],
        [rodLength, -rodWidth / 2],
      ];
      const rod = corners.map((p) => rotate(p, angle, offset, offset));
      polygon(ctx, rod, "rgb(204,77,77)");
      circle(ctx, offset, offset, rodWidth / 2, "rgb(204,77,77)");
      const [ex, ey] = rotate([rodLength, 0], angle, offset, offset);
      circle(ctx, ex, ey, rodWidth / 2, "rgb(204,77,77)");
      circle(ctx, offset, offset, 0.05 * scale, "#000000");
    },
  };
}

/**
 * A 3/4-turn arc around the axle; `u` in [-1, 1], positive counter-clockwise.
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} cx
 * @param {number} cy
 * @param {number} u
 * @param {number} scale
 */
function torqueArrow(ctx, cx, cy, u, scale) {
  const mag = Math.min(1, Math.abs(u));
  if (mag < 0.02) return;
  const radius = scale * (0.25 + 0.35 * mag);
  const span = 1.5 * Math.PI * Math.max(0.25, mag);
  const start = Math.PI / 2 - span / 2;
  const end = start + span;
  ctx.strokeStyle = "rgba(40,40,40,0.75)";
  ctx.lineWidth = 0.05 * scale;
  ctx.lineCap = "round";
  ctx.beginPath();
  // Angles grow counter-clockwise here (y is up); the arc is centred above the axle.
  ctx.arc(cx, cy, radius, start, end, false);
  ctx.stroke();
  const tipAngle = u > 0 ? end : start;
  const dir = u > 0 ? 1 : -1;
  const tip = [cx + radius * Math.cos(tipAngle), cy + radius * Math.sin(tipAngle)];
  const tangent = [-Math.sin(tipAngle) * dir, Math.cos(tipAngle) * dir];
  const normal = [Math.cos(tipAngle), Math.sin(tipAngle)];
  const h = 0.12 * scale;
  polygon(
    ctx,
    [
      [tip[0] + tangent[0] * h, tip[1] + tangent[1] * h],
      [tip[0] + normal[0] * h * 0.6, tip[1] + normal[1] * h * 0.6],
      [tip[0] - normal[0] * h * 0.6, tip[1] - normal[1] * h * 0.6],
    ],
    "rgba(40,40,40,0.75)",
  );
}
