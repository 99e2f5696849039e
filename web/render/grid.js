/**
 * Pixel games (MinAtar-style channel grids). A frame is `{channels, height, width, cells}`;
 * `cells` is either one value per cell (0 empty, c > 0 the channel c − 1 shown there) or, when
 * it holds height·width·channels values, a row-major height × width × channels occupancy
 * (NHWC); a cell then shows its highest occupied channel.
 *
 * Each channel has its own colour: `runInfo.legend` (`[{name, color}]`, one per channel, what
 * the page's legend shows), else `runInfo.palette` (CSS colours by channel), else the default
 * below. Cells are drawn as crisp squares: a whole number of canvas pixels each, with a small
 * gap, the grid centred in the canvas.
 */

/** @import { Frame, RunInfo } from "../../src/server/api_types.ts" */
import { context2d } from "./_2d.js";

/**
 * The run as this renderer reads it: `palette` is a page-side option no server sends today.
 * @typedef {RunInfo & {palette?: string[]}} GridRunInfo
 */

/** The default channel colours, the same as CHANNEL_COLORS in src/store/run_meta.ts. */
export const PALETTE = [
  "#e69f00",
  "#56b4e9",
  "#009e73",
  "#f0e442",
  "#0072b2",
  "#d55e00",
  "#cc79a7",
  "#f5f5f5",
  "#9a9a9a",
  "#bbcc33",
];
export const BACKGROUND = "#101418";
/** Empty cells, a shade lighter than the background so the grid reads as cells. */
export const EMPTY = "#1c2228";

/**
 * The colour of each channel for a run: its legend's, its palette, or the default.
 * @param {GridRunInfo | null} runInfo
 * @returns {string[]}
 */
export function channelColors(runInfo) {
  const legend = runInfo?.legend;
  if (Array.isArray(legend) && legend.length > 0) {
    return legend.map((entry, i) => entry?.color || PALETTE[i % PALETTE.length]);
  }
  return Array.isArray(runInfo?.palette) && runInfo.palette.length > 0 ? runInfo.palette : PALETTE;
}

/**
 * Where the cells go in a canvas of `cw` × `ch` pixels: whole-pixel cells of `size`, a gap of
 * `gap` pixels between them, and the offset of the centred grid.
 * @param {number} cw
 * @param {number} ch
 * @param {number} w
 * @param {number} h
 */
export function layout(cw, ch, w, h) {
  const size = Math.max(1, Math.floor(Math.min(cw / w, ch / h)));
  const gap = size >= 6 ? Math.max(1, Math.round(size / 16)) : 0;
  const ox = Math.floor((cw - size * w) / 2);
  const oy = Math.floor((ch - size * h) / 2);
  return { size, gap, ox, oy };
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {GridRunInfo | null} runInfo
 */
export function create(canvas, runInfo) {
  const ctx = context2d(canvas);
  const palette = channelColors(runInfo);

  return {
    /** @param {Extract<Frame, {kind: "grid"}>} frame */
    draw(frame) {
      const { height: h, width: w, channels: c, cells } = frame;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.fillStyle = BACKGROUND;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      const { size, gap, ox, oy } = layout(canvas.width, canvas.height, w, h);
      const inner = size - gap;
      // Half the gap on each side keeps the grid centred and the cells whole pixels.
      const lead = Math.floor(gap / 2);
      const perChannel = cells.length === h * w * c && c > 1;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let channel = -1;
          if (perChannel) {
            const base = (y * w + x) * c;
            for (let k = c - 1; k >= 0; k--) {
              if (cells[base + k]) {
                channel = k;
                break;
              }
            }
          } else {
            channel = cells[y * w + x] - 1;
          }
          ctx.fillStyle = channel >= 0 ? palette[channel % palette.length] : EMPTY;
          ctx.fillRect(ox + x * size + lead, oy + y * size + lead, inner, inner);
        }
      }
    },
  };
}
