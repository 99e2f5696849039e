/**
 * MountainCar (continuous), drawn as Gymnasium draws it: a 600×400 screen spanning positions
 * [-1.2, 0.6], the hill y = 0.45·sin(3x) + 0.55, a 40×20 car 10 px above the curve and tilted
 * by cos(3x), two grey wheels, and the yellow flag at the goal (0.45). The applied force is an
 * arrow from the car, full length at |force| = 1.
 */
/** @import { Frame } from "../../src/server/api_types.ts" */
/** @import { Point } from "./_2d.js" */
import { circle, context2d, fitWorld, hArrow, polygon, rotate } from "./_2d.js";

const SCREEN_W = 600;
const SCREEN_H = 400;
const MIN_POS = -1.2;
const MAX_POS = 0.6;
const GOAL = 0.45;
const CAR_W = 40;
const CAR_H = 20;
const CLEARANCE = 10;

/** @param {number} x */
const height = (x) => Math.sin(3 * x) * 0.45 + 0.55;

/** @param {HTMLCanvasElement} canvas */
export function create(canvas) {
  const ctx = context2d(canvas);
  const scale = SCREEN_W / (MAX_POS - MIN_POS);

  return {
    /** @param {Extract<Frame, {kind: "mountaincar"}>} frame */
    draw(frame) {
      fitWorld(ctx, canvas, SCREEN_W, SCREEN_H, "#ffffff");
      const pos = frame.position;

      // The hill.
      ctx.strokeStyle = "#000000";
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (let i = 0; i < 100; i++) {
        const x = MIN_POS + ((MAX_POS - MIN_POS) * i) / 99;
        const px = (x - MIN_POS) * scale;
        const py = height(x) * scale;
        if (i === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      }
      ctx.stroke();

      // The flag.
      const flagX = (GOAL - MIN_POS) * scale;
      const flagY1 = height(GOAL) * scale;
      const flagY2 = flagY1 + 50;
      ctx.fillStyle = "#000000";
      ctx.fillRect(flagX - 0.75, flagY1, 1.5, flagY2 - flagY1);
      polygon(
        ctx,
        [
          [flagX, flagY2],
          [flagX, flagY2 - 10],
          [flagX + 25, flagY2 - 5],
        ],
        "rgb(204,204,0)",
      );

      // The car.
      const angle = Math.cos(3 * pos);
      const cx = (pos - MIN_POS) * scale;
      const cy = CLEARANCE + height(pos) * scale;
      /** @type {Point[]} */
      const corners = [
        [-CAR_W / 2, 0],
        [-CAR_W / 2, CAR_H],
        [CAR_W / 2, CAR_H],
        [CAR_W / 2, 0],
      ];
      const body = corners.map((p) => rotate(p, angle, cx, cy));
      polygon(ctx, body, "#000000");
      for (const wx of [CAR_W / 4, -CAR_W / 4]) {
        const [x, y] = rotate([wx, 0], angle, cx, cy);
        circle(ctx, x, y, CAR_H / 2.5, "rgb(128,128,128)");
      }

      // The force, drawn above the car.
      const force = Math.max(-1, Math.min(1, frame.force ?? 0));
      hArrow(ctx, cx, cy + CAR_H + 22, force * 45, "rgb(25,113,194)", 4);
    },
  };
}
