/**
 * Shared helpers for the 2-D canvas renderers: fit a fixed logical screen (Gymnasium's render
 * size, y pointing up as after pygame's flip) into a canvas of any size, letterboxed.
 */

/** @typedef {[number, number]} Point */

/**
 * The canvas's 2-D context. A canvas keeps the first kind of context it was asked for, so this
 * fails only on a canvas that already has a WebGL one; the player gives each renderer a new one.
 * @param {HTMLCanvasElement} canvas
 */
export function context2d(canvas) {
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("this canvas has no 2-D context (it was used for WebGL)");
  return ctx;
}

/**
 * Clears `canvas` with `background` and sets a transform so that logical coordinates
 * [0, width] × [0, height], y up, fill the canvas centred. Returns the scale in pixels per unit.
 * @param {CanvasRenderingContext2D} ctx
 * @param {HTMLCanvasElement} canvas
 * @param {number} width
 * @param {number} height
 * @param {string} background
 */
export function fitWorld(ctx, canvas, width, height, background) {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const s = Math.min(canvas.width / width, canvas.height / height);
  const ox = (canvas.width - width * s) / 2;
  const oy = (canvas.height + height * s) / 2;
  ctx.setTransform(s, 0, 0, -s, ox, oy);
  return s;
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {Point[]} points
 * @param {string} fill
 */
export function polygon(ctx, points, fill) {
  ctx.beginPath();
  ctx.moveTo(points[0][0], points[0][1]);
  for (let i = 1; i < points.length; i++) ctx.lineTo(points[i][0], points[i][1]);
  ctx.closePath();
  ctx.fillStyle = fill;
  ctx.fill();
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} x
 * @param {number} y
 * @param {number} r
 * @param {string} fill
 */
export function circle(ctx, x, y, r, fill) {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fillStyle = fill;
  ctx.fill();
}

/**
 * Rotates (x, y) by `angle` radians counter-clockwise (y up), then moves it by (dx, dy).
 * @param {Point} point
 * @param {number} angle
 * @returns {Point}
 */
export function rotate([x, y], angle, dx = 0, dy = 0) {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [x * c - y * s + dx, x * s + y * c + dy];
}

/**
 * An arrow from (x, y) along `dx` (logical units, sign gives the direction), for the applied
 * force or torque. Draws nothing for a negligible length.
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} x
 * @param {number} y
 * @param {number} dx
 * @param {string} color
 */
export function hArrow(ctx, x, y, dx, color, width = 4) {
  if (Math.abs(dx) < 1) return;
  const dir = Math.sign(dx);
  const head = Math.min(10, Math.abs(dx));
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.lineCap = "round";
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(x + dx - dir * head * 0.6, y);
  ctx.stroke();
  polygon(
    ctx,
    [
      [x + dx, y],
      [x + dx - dir * head, y + head * 0.6],
      [x + dx - dir * head, y - head * 0.6],
    ],
    color,
  );
}
