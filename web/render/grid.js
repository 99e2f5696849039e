/**
 * Pixel games (MinAtar-style channel grids). A frame is `{channels, height, width, cells}`;
 * `cells` is either one value per cell (0 empty, c > 0 the channel c − 1 shown there) or, when
 * it holds height·width·channels values, a row-major height × width × channels occupancy
 * (NHWC); a cell then shows its highest occupied channel. Each channel has its own colour, as
 * in MinAtar's display; a run may name them in `runInfo.palette` (CSS colours by channel).
 */

const PALETTE = [
  "#e8b04a",
  "#4dabf7",
  "#ff6b6b",
  "#51cf66",
  "#cc5de8",
  "#ffd43b",
  "#22b8cf",
  "#ff922b",
  "#94d82d",
  "#f783ac",
];
const BACKGROUND = "#101418";
const GRIDLINE = "#1c2228";

export function create(canvas, runInfo) {
  const ctx = canvas.getContext("2d");
  const palette = Array.isArray(runInfo?.palette) ? runInfo.palette : PALETTE;

  return {
    draw(frame) {
      const { height: h, width: w, channels: c, cells } = frame;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = BACKGROUND;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      const size = Math.floor(Math.min(canvas.width / w, canvas.height / h));
      const ox = Math.floor((canvas.width - size * w) / 2);
      const oy = Math.floor((canvas.height - size * h) / 2);
      const gap = size >= 8 ? 1 : 0;
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
          ctx.fillStyle = channel >= 0 ? palette[channel % palette.length] : GRIDLINE;
          ctx.fillRect(ox + x * size + gap, oy + y * size + gap, size - gap, size - gap);
        }
      }
    },
  };
}
