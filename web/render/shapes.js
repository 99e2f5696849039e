/**
 * The generic 2-D frame (docs/frames.md): circles, boxes and polylines in world units inside the
 * frame's view box `[xmin, ymin, xmax, ymax]`, y up. The view box keeps its aspect ratio and is
 * centred in the canvas; the margin around it is grey. The player sizes the canvas in device
 * pixels (CSS size × devicePixelRatio), so shapes are drawn at full resolution, and widths given
 * in CSS pixels (the default line width) are scaled by devicePixelRatio.
 */

/** @import { Shape, ShapesFrame } from "../../src/core/types.ts" */
import { context2d } from "./_2d.js";

const MARGIN = "#e9ecef";
const DEFAULT_BACKGROUND = "#ffffff";
/** Line and outline width when a shape gives none, in CSS pixels. */
const DEFAULT_WIDTH_CSS = 1.5;

/** @param {HTMLCanvasElement} canvas */
export function create(canvas) {
  const ctx = context2d(canvas);

  return {
    /** @param {ShapesFrame} frame */
    draw(frame) {
      const dpr = window.devicePixelRatio || 1;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = MARGIN;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      const view = validView(frame.view);
      if (!view) return;
      const [xmin, ymin, xmax, ymax] = view;
      const s = Math.min(canvas.width / (xmax - xmin), canvas.height / (ymax - ymin));
      const ox = (canvas.width - (xmax - xmin) * s) / 2;
      const oy = (canvas.height + (ymax - ymin) * s) / 2;
      // World (x, y) → canvas (ox + (x − xmin)·s, oy − (y − ymin)·s).
      ctx.setTransform(s, 0, 0, -s, ox - xmin * s, oy + ymin * s);
      ctx.fillStyle = frame.background ?? DEFAULT_BACKGROUND;
      ctx.fillRect(xmin, ymin, xmax - xmin, ymax - ymin);
      ctx.save();
      ctx.beginPath();
      ctx.rect(xmin, ymin, xmax - xmin, ymax - ymin);
      ctx.clip();
      const hairline = (DEFAULT_WIDTH_CSS * dpr) / s;
      for (const shape of frame.shapes ?? []) drawShape(ctx, shape, hairline);
      ctx.restore();
    },
  };
}

/**
 * The view box, when it is four finite numbers that enclose some area; else null.
 * @param {unknown} view
 * @returns {ShapesFrame["view"] | null}
 */
function validView(view) {
  if (!Array.isArray(view) || view.length !== 4 || !view.every(isFiniteNumber)) return null;
  const [xmin, ymin, xmax, ymax] = view;
  return xmax > xmin && ymax > ymin ? [xmin, ymin, xmax, ymax] : null;
}

/**
 * @param {unknown} v
 * @returns {v is number}
 */
function isFiniteNumber(v) {
  return Number.isFinite(v);
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {Shape} shape
 * @param {number} hairline
 */
function drawShape(ctx, shape, hairline) {
  const width = isFiniteNumber(shape.width) && shape.width > 0 ? shape.width : hairline;
  ctx.lineWidth = width;
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  switch (shape.type) {
    case "circle":
      ctx.beginPath();
      ctx.arc(shape.x, shape.y, Math.max(0, shape.r), 0, 2 * Math.PI);
      paint(ctx, shape);
      break;
    case "box":
      ctx.save();
      ctx.translate(shape.x, shape.y);
      if (shape.angle) ctx.rotate(shape.angle);
      ctx.beginPath();
      ctx.rect(-shape.w / 2, -shape.h / 2, shape.w, shape.h);
      ctx.restore();
      // The path keeps the rotation it was built with; the stroke width stays unrotated.
      paint(ctx, shape);
      break;
    case "line": {
      const p = shape.points;
      if (!Array.isArray(p) || p.length < 4) return;
      ctx.beginPath();
      ctx.moveTo(p[0], p[1]);
      for (let i = 2; i + 1 < p.length; i += 2) ctx.lineTo(p[i], p[i + 1]);
      ctx.strokeStyle = shape.color;
      ctx.stroke();
      break;
    }
    default:
      // Unknown shape types are skipped, so a newer env still draws on an older page.
      break;
  }
}

/**
 * Fills the current path with `color` (or outlines it when `fill` is false), then `stroke`.
 * @param {CanvasRenderingContext2D} ctx
 * @param {Shape} shape
 */
function paint(ctx, shape) {
  if (shape.fill === false) {
    ctx.strokeStyle = shape.color;
    ctx.stroke();
    return;
  }
  ctx.fillStyle = shape.color;
  ctx.fill();
  if (shape.stroke) {
    ctx.strokeStyle = shape.stroke;
    ctx.stroke();
  }
}
