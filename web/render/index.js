/**
 * Renderer registry: `frame.kind` → the module `./<kind>.js`.
 *
 * Each module exports `create(canvas, runInfo)`, which returns `{draw(frame, predicted?)}` and
 * may add `resize()` (called after the canvas's pixel size changed) and `dispose()`. `predicted`
 * is the reward model's r̂ at that frame, or undefined. The registry loads a module the first
 * time its kind is seen, so a new env kind needs one new file here and nothing else.
 *
 * Two kinds are generic, for envs with no renderer of their own (docs/frames.md): `shapes`
 * (circles, boxes and lines in world units, ./shapes.js) and `rgb` (a small image, ./rgb.js).
 */

/** @import { Frame, RunInfo } from "../../src/server/api_types.ts" */
import { context2d } from "./_2d.js";

/**
 * What a renderer module's `create` returns. `draw` gets the frames of the module's own kind.
 * @typedef {object} Renderer
 * @property {(frame: Frame, predicted?: number | null) => void} draw
 * @property {() => void} [resize]
 * @property {() => void} [dispose]
 */

/**
 * A renderer module, `./<kind>.js`.
 * @typedef {object} RendererModule
 * @property {(canvas: HTMLCanvasElement, runInfo: RunInfo | null) => Renderer} create
 */

/** Kinds are plain lowercase names; anything else never reaches `import()`. */
const KIND = /^[a-z][a-z0-9]*$/;

/** @type {Map<string, Promise<RendererModule>>} */
const modules = new Map();

/**
 * The renderer module for `kind` (cached); a module that fails to load yields the fallback.
 * @param {string} kind
 * @returns {Promise<RendererModule>}
 */
export function rendererModule(kind) {
  let pending = modules.get(kind);
  if (!pending) {
    pending = KIND.test(kind)
      ? import(`./${kind}.js`).then(
          /** @param {{create?: unknown}} mod */
          (mod) =>
            // Each module's `create` follows the contract above, for its own kind of frame.
            typeof mod.create === "function" ? /** @type {RendererModule} */ (mod) : fallback(kind),
          (err) => {
            console.warn(`no renderer for frame kind '${kind}':`, err);
            return fallback(kind);
          },
        )
      : Promise.resolve(fallback(kind));
    modules.set(kind, pending);
  }
  return pending;
}

/**
 * Loads the module for `kind` and makes a renderer drawing into `canvas`.
 * @param {string} kind
 * @param {HTMLCanvasElement} canvas
 * @param {RunInfo | null} runInfo
 */
export async function createRenderer(kind, canvas, runInfo) {
  const mod = await rendererModule(kind);
  return mod.create(canvas, runInfo);
}

/**
 * Draws a notice for kinds nobody wrote a renderer for, so the page still works.
 * @param {string} kind
 * @returns {RendererModule}
 */
function fallback(kind) {
  return {
    create(canvas) {
      const ctx = context2d(canvas);
      return {
        draw() {
          ctx.setTransform(1, 0, 0, 1, 0, 0);
          ctx.fillStyle = "#f1f3f5";
          ctx.fillRect(0, 0, canvas.width, canvas.height);
          ctx.fillStyle = "#555";
          ctx.font = `${Math.max(12, canvas.width / 40)}px system-ui, sans-serif`;
          ctx.textAlign = "center";
          ctx.fillText(
            `No renderer for frame kind '${kind}' (add web/render/${kind}.js)`,
            canvas.width / 2,
            canvas.height / 2,
          );
        },
      };
    },
  };
}
