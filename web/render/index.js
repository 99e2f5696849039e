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

/** Kinds are plain lowercase names; anything else never reaches `import()`. */
const KIND = /^[a-z][a-z0-9]*$/;

const modules = new Map();

/** The renderer module for `kind` (cached); a module that fails to load yields the fallback. */
export function rendererModule(kind) {
  let pending = modules.get(kind);
  if (!pending) {
    pending = KIND.test(kind)
      ? import(`./${kind}.js`).then(
          (mod) => (typeof mod.create === "function" ? mod : fallback(kind)),
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

/** Loads the module for `kind` and makes a renderer drawing into `canvas`. */
export async function createRenderer(kind, canvas, runInfo) {
  const mod = await rendererModule(kind);
  return mod.create(canvas, runInfo);
}

/** Draws a notice for kinds nobody wrote a renderer for, so the page still works. */
function fallback(kind) {
  return {
    create(canvas) {
      const ctx = canvas.getContext("2d");
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
