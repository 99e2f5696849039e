/**
 * A clip viewer: a canvas drawn by the frame kind's renderer, with a vertical bar beside it that
 * shows the reward model's r̂ at the frame on screen (as in the paper's videos). Players do not
 * run their own clocks: a Clock tells them which frame to show, so two players stay in sync.
 */
/** @import { Frame, RunInfo } from "../../src/server/api_types.ts" */
/** @import { Renderer, RendererModule } from "../render/index.js" */
import { rendererModule } from "../render/index.js";
import { find } from "./page.js";

/**
 * What a player shows: a ClipView (a query's side, a replayed clip) or the LiveClip.
 * @typedef {object} PlayableClip
 * @property {Frame[]} frames
 * @property {(number | null)[] | null} [predicted]  r̂ per frame
 * @property {string} [frameKind]  LiveClip's; a ClipView's frames say their kind
 */

/**
 * The kind of a clip's frames (ClipView has no kind of its own; LiveClip has frameKind).
 * @param {PlayableClip | null | undefined} clip
 * @param {string | undefined} fallbackKind
 */
export function clipKind(clip, fallbackKind) {
  return clip?.frames?.[0]?.kind ?? clip?.frameKind ?? fallbackKind ?? "unknown";
}

/**
 * Largest |r̂| over the clips, so bars of clips compared side by side share one scale.
 * @param {...(PlayableClip | null | undefined)} clips
 */
export function rewardScale(...clips) {
  let m = 0;
  for (const clip of clips) {
    for (const r of clip?.predicted ?? []) if (isFiniteNumber(r)) m = Math.max(m, Math.abs(r));
  }
  return m > 0 ? m : 1;
}

export class ClipPlayer {
  /**
   * @param {HTMLElement} root  an empty element to fill
   * @param {RunInfo | null} runInfo  from /api/session
   */
  constructor(root, runInfo) {
    this.runInfo = runInfo;
    this.root = root;
    root.classList.add("player");
    root.innerHTML = `
      <div class="player-screen"><canvas class="player-canvas"></canvas></div>
      <div class="rbar" title="Predicted reward r̂ at this moment">
        <div class="rbar-track"><div class="rbar-zero"></div><div class="rbar-fill"></div></div>
        <div class="rbar-value"></div>
        <div class="rbar-name">r̂</div>
      </div>`;
    this.screen = find(root, ".player-screen", HTMLElement);
    this.canvas = find(root, "canvas", HTMLCanvasElement);
    this.bar = find(root, ".rbar", HTMLElement);
    this.fill = find(root, ".rbar-fill", HTMLElement);
    this.valueEl = find(root, ".rbar-value", HTMLElement);
    /** @type {string | null} */
    this.kind = null;
    /** @type {Renderer | null} */
    this.renderer = null;
    /** @type {PlayableClip | null} */
    this.clip = null;
    this.scale = 1;
    this.index = -1;
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.screen);
  }

  get length() {
    return this.clip?.frames?.length ?? 0;
  }

  /**
   * Shows `clip` from its first frame. `mod` is its kind's renderer module, already loaded (see
   * `prepareClip`), so this runs synchronously: the swap to a prepared pair costs one draw.
   * @param {PlayableClip} clip
   * @param {RendererModule} mod
   */
  load(clip, mod, scale = rewardScale(clip)) {
    const kind = clipKind(clip, this.runInfo?.frameKind);
    if (kind !== this.kind || !this.renderer) {
      // A canvas keeps its first context type (2d or webgl): start each kind on a fresh one.
      this.renderer?.dispose?.();
      const canvas = document.createElement("canvas");
      canvas.className = "player-canvas";
      this.canvas.replaceWith(canvas);
      this.canvas = canvas;
      this.sizeCanvas();
      this.renderer = mod.create(canvas, this.runInfo);
      this.kind = kind;
    }
    this.clip = clip;
    this.scale = scale;
    const hasPredicted = Array.isArray(clip.predicted) && clip.predicted.length > 0;
    this.bar.classList.toggle("rbar-off", !hasPredicted);
    this.index = -1;
    this.show(0);
  }

  /**
   * Draws frame `i` (held at the last frame when the clip is shorter than the loop).
   * @param {number} i
   */
  show(i) {
    const n = this.length;
    if (n === 0) return;
    const index = Math.min(Math.max(0, i), n - 1);
    if (index === this.index) return;
    this.index = index;
    this.draw();
  }

  draw() {
    if (!this.clip || this.index < 0 || !this.renderer) return;
    const predicted = this.clip.predicted?.[this.index];
    this.renderer.draw(this.clip.frames[this.index], predicted);
    this.drawBar(predicted);
  }

  /** @param {number | null | undefined} r */
  drawBar(r) {
    if (!isFiniteNumber(r)) {
      this.fill.style.transform = "scaleY(0)";
      this.valueEl.textContent = "";
      return;
    }
    const f = Math.max(-1, Math.min(1, r / this.scale));
    // The fill spans the upper half of the track; scaleY about the zero line grows it up or down.
    this.fill.style.transform = `scaleY(${f})`;
    this.fill.classList.toggle("neg", f < 0);
    this.valueEl.textContent = r.toFixed(2);
  }

  sizeCanvas() {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.screen.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.screen.clientHeight * dpr));
    if (this.canvas.width === w && this.canvas.height === h) return false;
    this.canvas.width = w;
    this.canvas.height = h;
    return true;
  }

  resize() {
    if (this.sizeCanvas()) {
      this.renderer?.resize?.();
      this.draw();
    }
  }

  clear() {
    this.clip = null;
    this.index = -1;
  }
}

/**
 * Fills `el` with the run's legend (`runInfo.legend`: what each channel of a pixel game holds,
 * and its colour), one swatch and name per channel, and shows it; hides `el` when the run has
 * none. Returns the number of entries shown.
 * @param {HTMLElement} el
 * @param {RunInfo | null} runInfo
 */
export function renderLegend(el, runInfo) {
  const legend = Array.isArray(runInfo?.legend) ? runInfo.legend : [];
  el.replaceChildren(
    ...legend.map((entry, i) => {
      const li = document.createElement("li");
      li.className = "legend-item";
      li.dataset.channel = String(i);
      const swatch = document.createElement("span");
      swatch.className = "legend-swatch";
      swatch.style.background = entry.color;
      const name = document.createElement("span");
      name.className = "legend-name";
      name.textContent = String(entry.name).replaceAll("_", " ");
      li.append(swatch, name);
      return li;
    }),
  );
  el.hidden = legend.length === 0;
  return legend.length;
}

/**
 * Loads the renderer module for a clip's kind; returns it for `ClipPlayer.load`.
 * @param {PlayableClip} clip
 * @param {RunInfo | null | undefined} runInfo
 */
export function prepareClip(clip, runInfo) {
  return rendererModule(clipKind(clip, runInfo?.frameKind));
}

/**
 * The shared playback clock: it advances at `fps × speed` frames per second, loops over
 * `length` frames plus a short hold on the last one, and calls `onFrame(i, progress)` when the
 * frame index changes.
 */
export class Clock {
  /** @param {(i: number, progress: number) => void} onFrame */
  constructor(onFrame) {
    this.onFrame = onFrame;
    this.fps = 30;
    this.length = 1;
    this.speed = 1;
    this.paused = false;
    this.t = 0;
    /** @type {number | null} */
    this.last = null;
    this.frame = -1;
    this.tick = this.tick.bind(this);
    requestAnimationFrame(this.tick);
  }

  /**
   * Restarts from frame 0 for a clip (pair) of `length` frames at `fps`.
   * @param {number} fps
   * @param {number} length
   */
  start(fps, length) {
    this.fps = fps > 0 ? fps : 30;
    this.length = Math.max(1, length);
    this.t = 0;
    this.frame = -1;
    this.emit();
  }

  get holdFrames() {
    return Math.max(2, Math.round(this.fps * 0.3));
  }

  emit() {
    const period = this.length + this.holdFrames;
    const f = Math.floor(this.t * this.fps) % period;
    if (f !== this.frame) {
      this.frame = f;
      this.onFrame(Math.min(f, this.length - 1), Math.min(1, f / Math.max(1, this.length - 1)));
    }
  }

  /** @param {number} now */
  tick(now) {
    if (this.last !== null && !this.paused) {
      // Cap the step so a background tab does not jump far ahead when it comes back.
      this.t += (Math.min(now - this.last, 100) / 1000) * this.speed;
    }
    this.last = now;
    this.emit();
    requestAnimationFrame(this.tick);
  }
}

/**
 * @param {unknown} v
 * @returns {v is number}
 */
function isFiniteNumber(v) {
  return Number.isFinite(v);
}
