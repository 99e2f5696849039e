/**
 * A small RGB image (docs/frames.md): `data` is base64 of width × height × 3 bytes, rows from the
 * top. The image is scaled up by nearest neighbour, by a whole number of device pixels per image
 * pixel when it fits at least once, and centred; the canvas itself is `image-rendering:
 * pixelated` so that the browser's own scaling keeps the pixels square too. Frames larger than
 * MAX_SIDE on a side, or whose data has the wrong length, draw a notice instead.
 */

/** @import { RgbFrame } from "../../src/core/types.ts" */
import { context2d } from "./_2d.js";

export const MAX_SIDE = 64;

const MARGIN = "#101418";

/** @param {HTMLCanvasElement} canvas */
export function create(canvas) {
  const ctx = context2d(canvas);
  canvas.style.imageRendering = "pixelated";
  const image = document.createElement("canvas");
  const imageCtx = context2d(image);
  /** @type {string | null} */
  let lastData = null;

  return {
    /** @param {RgbFrame} frame */
    draw(frame) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = MARGIN;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      const problem = frameProblem(frame);
      if (problem) {
        notice(ctx, canvas, problem);
        return;
      }
      const { width: w, height: h } = frame;
      if (frame.data !== lastData || image.width !== w || image.height !== h) {
        image.width = w;
        image.height = h;
        const bytes = decodeBase64(frame.data);
        const pixels = imageCtx.createImageData(w, h);
        for (let i = 0, j = 0; i < w * h * 3; i += 3, j += 4) {
          pixels.data[j] = bytes[i];
          pixels.data[j + 1] = bytes[i + 1];
          pixels.data[j + 2] = bytes[i + 2];
          pixels.data[j + 3] = 255;
        }
        imageCtx.putImageData(pixels, 0, 0);
        lastData = frame.data;
      }
      const fit = Math.min(canvas.width / w, canvas.height / h);
      const scale = fit >= 1 ? Math.floor(fit) : fit;
      const dw = Math.round(w * scale);
      const dh = Math.round(h * scale);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(
        image,
        Math.floor((canvas.width - dw) / 2),
        Math.floor((canvas.height - dh) / 2),
        dw,
        dh,
      );
    },
  };
}

/**
 * Why `frame` cannot be drawn, or null. The frame comes off the wire, so nothing about its
 * fields is taken for granted.
 * @param {Partial<RgbFrame> | null | undefined} frame
 */
export function frameProblem(frame) {
  const { width: w, height: h, data } = frame ?? {};
  if (
    typeof w !== "number" ||
    typeof h !== "number" ||
    !Number.isInteger(w) ||
    !Number.isInteger(h) ||
    w < 1 ||
    h < 1
  ) {
    return "rgb frame: width and height must be positive integers";
  }
  if (w > MAX_SIDE || h > MAX_SIDE) {
    return `rgb frame ${w}×${h} is larger than ${MAX_SIDE}×${MAX_SIDE}`;
  }
  if (typeof data !== "string" || base64Length(data) !== w * h * 3) {
    return `rgb frame: data must be base64 of ${w}×${h}×3 bytes`;
  }
  return null;
}

/**
 * Bytes encoded by a base64 string (without decoding it).
 * @param {string} s
 */
function base64Length(s) {
  const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

/** @param {string} s */
function decodeBase64(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {HTMLCanvasElement} canvas
 * @param {string} text
 */
function notice(ctx, canvas, text) {
  ctx.fillStyle = "#ced4da";
  ctx.font = `${Math.max(12, canvas.width / 40)}px system-ui, sans-serif`;
  ctx.textAlign = "center";
  ctx.fillText(text, canvas.width / 2, canvas.height / 2);
}
