/**
 * Envs built from any MJCF file: `registerMjcfEnv("./robot.xml")` compiles the model and adds
 * an env id to the registry.
 *
 * - **Id:** `<stem>-mjcf-v0` (`arm.xml` → `arm-mjcf-v0`; characters outside `[A-Za-z0-9_.]`
 *   become `_`). Registering the same file (same real path and contents) with the same options
 *   again returns the same id. Another file with the same stem, the same file with other
 *   options, or the same path after its contents changed gets the next version: `arm-mjcf-v1`,
 *   `arm-mjcf-v2`, ...
 * - **Observation:** qpos then qvel, as float32. With `excludeRootXY`, the x and y of every
 *   joint of a body attached to the world are left out: a free joint's first two numbers, and
 *   slide joints whose axis is the world x or y.
 * - **Action:** a Box in [−1, 1] per actuator, clipped, then mapped linearly onto the
 *   actuator's ctrlrange (−1 → low, +1 → high). An actuator without a ctrl limit gets the
 *   clipped action itself (ctrl in [−1, 1]): scale it with the actuator's `gear`.
 * - **Step:** `frameSkip` physics steps (default 4); the episode is truncated after `horizon`
 *   steps (default 1,000) and never terminates. `spec.preferenceReady` is true.
 * - **Reset:** MuJoCo's qpos0 (a keyframe is not used), plus U(−0.1, 0.1) on the coordinates of
 *   hinge and slide joints and on every qvel entry.
 * - **Reward:** always 0; the teacher is a person or a goal module.
 * - **Signals:** the world position of each named site after the step,
 *   `site.<name>.x|y|z` (3 floats per site per step in every clip). A goal module reads
 *   positions there instead of redoing the forward kinematics from qpos.
 * - **Frames:** `{ kind: "mujoco", qpos }`; `isMujocoEnvId` and `sceneDescription` (index.ts,
 *   scene.ts) know these ids, so the page's three.js renderer draws them.
 *
 * mujoco-js reports a bad model poorly (NOTES.md): XML that is not well formed gives `null`
 * and its reason goes to stdout; a schema or compile error throws a C++ exception whose JS
 * `message` is undefined. So the XML is first checked here for well-formedness (an error names
 * the line), and for a thrown `mjXError` / `mjCError` the message is read from the exception
 * object in the wasm heap (its first field is MuJoCo's `char message[]`), which gives MuJoCo's
 * own text with its line, e.g. `XML Error: Schema violation: unrecognized attribute: 'colour'
 * Element 'geom', line 4`. (The small exception object is not freed: mujoco-js exports no way
 * to.)
 *
 * Files the model references (`<include file>`, meshes, textures, height fields) are copied
 * into mujoco-js's in-memory file system next to it, relative to the XML's folder (and to
 * `meshdir`, `texturedir`, `assetdir`).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { Rng } from "../../core/rng.ts";
import { type BoxSpace, box } from "../../core/spaces.ts";
import type { Frame } from "../../core/types.ts";
import type { Env, EnvSpec, StepInfo, StepResult } from "../env.ts";
import { registerEnv } from "../registry.ts";
import { type MjModel, mujoco, wasmMemoryBuffer } from "./loader.ts";
import { Sim } from "./sim.ts";
import { MujocoVecEnv } from "./vec_env.ts";

export type MjcfEnvOptions = {
  /** Physics steps per env step (default 4). */
  frameSkip?: number;
  /** Env steps per episode, after which it is truncated (default 1,000). */
  horizon?: number;
  /** Leave the root's x and y out of the observation (default false). */
  excludeRootXY?: boolean;
};

export const MJCF_DEFAULT_FRAME_SKIP = 4;
export const MJCF_DEFAULT_HORIZON = 1000;
/** Half-width of the uniform reset noise on hinge/slide qpos and on qvel. */
export const MJCF_RESET_NOISE = 0.1;

/** Frames carry qpos rounded to this many decimals, as the built-in tasks' do. */
const FRAME_DECIMALS = 1e5;
const MJ_JNT_FREE = 0;
const MJ_JNT_SLIDE = 2;
const MJ_JNT_HINGE = 3;
const MJ_OBJ_SITE = 6;

/** One registered MJCF env: its compiled model and fixed facts. */
export type MjcfModelInfo = {
  id: string;
  /** The file's real path. */
  path: string;
  model: MjModel;
  frameSkip: number;
  horizon: number;
  excludeRootXY: boolean;
  /** qpos indices that enter the observation, in order. */
  qposIndices: number[];
  /** Named sites reported in signals: [site id, name]. */
  sites: [number, string][];
};

const byId = new Map<string, MjcfModelInfo>();
/** key (real path + contents hash + options) → id. */
const byKey = new Map<string, string>();

export function isMjcfEnvId(id: string): boolean {
  return byId.has(id);
}

/** The model and facts behind a registered MJCF env id. */
export function mjcfModelInfo(id: string): MjcfModelInfo {
  const info = byId.get(id);
  if (info === undefined) throw new Error(`unknown MJCF env '${id}'`);
  return info;
}

/**
 * Compiles the MJCF file at `path` and registers an env for it (see the file comment); returns
 * its id. Throws if the file cannot be read or the model does not compile, with MuJoCo's message
 * and the line.
 */
export async function registerMjcfEnv(path: string, options: MjcfEnvOptions = {}): Promise<string> {
  const frameSkip = options.frameSkip ?? MJCF_DEFAULT_FRAME_SKIP;
  const horizon = options.horizon ?? MJCF_DEFAULT_HORIZON;
  const excludeRootXY = options.excludeRootXY ?? false;
  if (!Number.isInteger(frameSkip) || frameSkip < 1)
    throw new Error(`registerMjcfEnv: frameSkip must be an integer ≥ 1, got ${frameSkip}`);
  if (!Number.isInteger(horizon) || horizon < 1)
    throw new Error(`registerMjcfEnv: horizon must be an integer ≥ 1, got ${horizon}`);
  let real: string;
  try {
    real = realpathSync(resolve(path));
  } catch {
    throw new Error(`${path}: no such MJCF file`);
  }
  const xml = readFileSync(real, "utf8");
  const hash = createHash("sha256").update(xml).digest("hex").slice(0, 16);
  const key = JSON.stringify([real, hash, frameSkip, horizon, excludeRootXY]);
  const known = byKey.get(key);
  if (known !== undefined) return known;

  const model = compileMjcf(real, xml);
  const stem =
    basename(real)
      .replace(/\.[^.]*$/, "")
      .replace(/[^A-Za-z0-9_.]/g, "_") || "model";
  let version = 0;
  while (byId.has(`${stem}-mjcf-v${version}`)) version++;
  const id = `${stem}-mjcf-v${version}`;
  const info: MjcfModelInfo = {
    id,
    path: real,
    model,
    frameSkip,
    horizon,
    excludeRootXY,
    qposIndices: observedQpos(model, excludeRootXY),
    sites: namedSites(model),
  };
  registerEnv(
    id,
    () => new MjcfEnv(info),
    (numEnvs) => new MujocoVecEnv(numEnvs, () => new MjcfEnv(info)),
  );
  byId.set(id, info);
  byKey.set(key, id);
  return id;
}

/** The qpos indices in the observation: all, or all but the root's x and y. */
function observedQpos(m: MjModel, excludeRootXY: boolean): number[] {
  const dropped = new Set<number>();
  if (excludeRootXY) {
    const type = m.jnt_type as Int32Array;
    const body = m.jnt_bodyid as Int32Array;
    const adr = m.jnt_qposadr as Int32Array;
    const axis = m.jnt_axis as Float64Array;
    const parent = m.body_parentid as Int32Array;
    for (let j = 0; j < m.njnt; j++) {
      if (parent[body[j]] !== 0) continue;
      if (type[j] === MJ_JNT_FREE) {
        dropped.add(adr[j]);
        dropped.add(adr[j] + 1);
      } else if (type[j] === MJ_JNT_SLIDE) {
        const [ax, ay, az] = [axis[3 * j], axis[3 * j + 1], axis[3 * j + 2]];
        const along = (v: number, o1: number, o2: number) =>
          Math.abs(v) > 0.999 && Math.abs(o1) < 1e-6 && Math.abs(o2) < 1e-6;
        if (along(ax, ay, az) || along(ay, ax, az)) dropped.add(adr[j]);
      }
    }
  }
  const out: number[] = [];
  for (let i = 0; i < m.nq; i++) if (!dropped.has(i)) out.push(i);
  return out;
}

function namedSites(m: MjModel): [number, string][] {
  const out: [number, string][] = [];
  for (let s = 0; s < m.nsite; s++) {
    const name = mujoco.mj_id2name(m, MJ_OBJ_SITE, s);
    if (name) out.push([s, name]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compiling, with MuJoCo's own error messages.

let loads = 0;

/** Compiles `xml` (read from `realPath`) in mujoco-js's file system; throws a readable Error. */
export function compileMjcf(realPath: string, xml: string): MjModel {
  const wellFormed = checkWellFormed(xml);
  if (wellFormed !== null)
    throw new Error(
      `${realPath}:${wellFormed.line}: XML is not well formed: ${wellFormed.message}`,
    );
  const dir = `/backflip-mjcf/${loads++}`;
  const target = `${dir}/${basename(realPath)}`;
  const written: string[] = [];
  mkdirs(dir);
  try {
    copyReferencedFiles(dirname(realPath), dir, xml, written, new Set([realPath]));
    mujoco.FS.writeFile(target, xml);
    written.push(target);
    let model: MjModel | null;
    try {
      model = mujoco.MjModel.loadFromXML(target);
    } catch (e) {
      throw new Error(mujocoErrorMessage(realPath, e));
    }
    if (model === null || model === undefined)
      throw new Error(`${realPath}: MuJoCo could not parse the XML (its reason went to stdout)`);
    return model;
  } finally {
    for (const f of written) {
      try {
        mujoco.FS.unlink(f);
      } catch {}
    }
  }
}

/**
 * MuJoCo's message from a thrown mjXError / mjCError: mujoco-js gives it no JS message, but the
 * exception object (at `excPtr` in the wasm heap) starts with MuJoCo's `char message[]`.
 */
function mujocoErrorMessage(path: string, e: unknown): string {
  const excPtr = (e as { excPtr?: unknown })?.excPtr;
  const kind = (e as { name?: unknown })?.name;
  let text = "";
  if (typeof excPtr === "number" && excPtr > 0) {
    const heap = new Uint8Array(wasmMemoryBuffer());
    const bytes: number[] = [];
    for (let i = excPtr; i < heap.length && i < excPtr + 1000 && heap[i] !== 0; i++)
      bytes.push(heap[i]);
    text = new TextDecoder().decode(new Uint8Array(bytes)).trim();
  }
  if (!/^(XML )?Error/.test(text)) {
    const fallback = e instanceof Error && e.message ? e.message : String(kind ?? e);
    return `${path}: MuJoCo rejected the model (${fallback})`;
  }
  const line = /line (\d+)/.exec(text)?.[1];
  const oneLine = text.replace(/\s*\n\s*/g, "; ");
  return line === undefined ? `${path}: ${oneLine}` : `${path}:${line}: ${oneLine}`;
}

function mkdirs(path: string): void {
  let at = "";
  for (const part of path.split("/").filter(Boolean)) {
    at += `/${part}`;
    try {
      mujoco.FS.mkdir(at);
    } catch {}
  }
}

/**
 * Copies each file named by a `file="..."` attribute of `xml` from `srcDir` (or its meshdir,
 * texturedir or assetdir) into `memDir` at the same relative path; recurses into included XML.
 */
function copyReferencedFiles(
  srcDir: string,
  memDir: string,
  xml: string,
  written: string[],
  seen: Set<string>,
): void {
  const dirs = [""];
  for (const attr of ["meshdir", "texturedir", "assetdir"]) {
    const m = new RegExp(`\\b${attr}\\s*=\\s*["']([^"']*)["']`).exec(xml);
    if (m) dirs.push(m[1]);
  }
  for (const m of xml.matchAll(/\bfile\s*=\s*["']([^"']+)["']/g)) {
    const rel = m[1];
    for (const d of dirs) {
      const relPath = d === "" ? rel : join(d, rel);
      const src = resolve(srcDir, relPath);
      if (seen.has(src) || !existsSync(src)) continue;
      seen.add(src);
      const dest = join(memDir, relPath);
      mkdirs(dirname(dest));
      const bytes = readFileSync(src);
      mujoco.FS.writeFile(dest, bytes);
      written.push(dest);
      if (/\.xml$/i.test(rel))
        copyReferencedFiles(srcDir, memDir, bytes.toString("utf8"), written, seen);
    }
  }
}

/**
 * The first well-formedness error of an XML document, with its 1-based line, or null. Checks
 * what tinyxml2 rejects most often in hand-written MJCF: unclosed or mismatched tags, unquoted
 * or duplicate attributes, stray `<` and unterminated comments.
 */
export function checkWellFormed(xml: string): { line: number; message: string } | null {
  const stack: { name: string; line: number }[] = [];
  let i = 0;
  let line = 1;
  let roots = 0;
  const n = xml.length;
  const advance = (to: number) => {
    for (; i < to; i++) if (xml.charCodeAt(i) === 10) line++;
  };
  const fail = (message: string, at = line) => ({ line: at, message });
  while (i < n) {
    const lt = xml.indexOf("<", i);
    if (lt < 0) {
      advance(n);
      break;
    }
    advance(lt);
    const start = line;
    if (xml.startsWith("<!--", i)) {
      const end = xml.indexOf("-->", i + 4);
      if (end < 0) return fail("comment opened here is never closed", start);
      advance(end + 3);
      continue;
    }
    if (xml.startsWith("<![CDATA[", i)) {
      const end = xml.indexOf("]]>", i);
      if (end < 0) return fail("CDATA section opened here is never closed", start);
      advance(end + 3);
      continue;
    }
    if (xml.startsWith("<?", i) || xml.startsWith("<!", i)) {
      const end = xml.indexOf(">", i);
      if (end < 0) return fail("declaration opened here is never closed", start);
      advance(end + 1);
      continue;
    }
    const closing = xml[i + 1] === "/";
    const nameMatch = /^[A-Za-z_:][-A-Za-z0-9_:.]*/.exec(xml.slice(i + (closing ? 2 : 1), i + 200));
    if (nameMatch === null) return fail("'<' not followed by an element name");
    const name = nameMatch[0];
    advance(i + (closing ? 2 : 1) + name.length);
    if (closing) {
      const m = /^\s*>/.exec(xml.slice(i, i + 200));
      if (m === null) return fail(`</${name} is not closed with '>'`);
      advance(i + m[0].length);
      const open = stack.pop();
      if (open === undefined) return fail(`</${name}> closes no open element`, start);
      if (open.name !== name)
        return fail(
          `<${open.name}> is not closed: </${name}> on line ${start} comes first`,
          open.line,
        );
      continue;
    }
    const attrs = new Set<string>();
    for (;;) {
      const ws = /^\s*/.exec(xml.slice(i, i + 10_000));
      advance(i + (ws?.[0].length ?? 0));
      if (i >= n) return fail(`<${name}> opened here is never closed with '>'`, start);
      if (xml.startsWith("/>", i)) {
        advance(i + 2);
        if (stack.length === 0) roots++;
        break;
      }
      if (xml[i] === ">") {
        advance(i + 1);
        if (stack.length === 0) roots++;
        stack.push({ name, line: start });
        break;
      }
      const attr = /^([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=\s*/.exec(xml.slice(i, i + 300));
      if (attr === null) return fail(`bad attribute syntax in <${name}>`);
      if (attrs.has(attr[1])) return fail(`attribute '${attr[1]}' appears twice in <${name}>`);
      attrs.add(attr[1]);
      advance(i + attr[0].length);
      const quote = xml[i];
      if (quote !== '"' && quote !== "'")
        return fail(`value of attribute '${attr[1]}' in <${name}> is not quoted`);
      const end = xml.indexOf(quote, i + 1);
      if (end < 0) return fail(`value of attribute '${attr[1]}' is never closed`);
      if (xml.slice(i + 1, end).includes("<"))
        return fail(`'<' inside the value of attribute '${attr[1]}' (a missing quote?)`);
      advance(end + 1);
    }
    if (roots > 1) return fail(`a second top-level element <${name}>`, start);
  }
  const open = stack.pop();
  if (open !== undefined) return fail(`<${open.name}> is never closed`, open.line);
  if (roots === 0) return fail("no root element", 1);
  return null;
}

// ---------------------------------------------------------------------------------------------
// The env (batched by MujocoVecEnv).

export class MjcfEnv implements Env {
  readonly spec: EnvSpec;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly obsSize: number;
  readonly actSize: number;
  readonly modelInfo: MjcfModelInfo;
  /** The simulation; tests and tools may read or set its state directly. */
  readonly sim: Sim;
  /** No reward, no termination and no healthy range: a person or a goal judges the behaviour. */
  readonly preferenceReady = true;
  readonly lastReward = 0;
  readonly lastTerminated = false;
  readonly lastHealthy = true;
  lastTruncated = false;
  private readonly ctrlLow: Float64Array;
  private readonly ctrlHigh: Float64Array;
  private readonly ctrlLimited: Uint8Array;
  /** qpos indices that get reset noise (hinge and slide joints). */
  private readonly noisyQpos: number[];
  private readonly signalNames: string[];
  private readonly signalValues: Float64Array;
  private rng: Rng;
  private elapsed = 0;
  private started = false;
  private closed = false;

  constructor(info: MjcfModelInfo) {
    this.modelInfo = info;
    const m = info.model;
    this.sim = new Sim(m);
    const dt = m.opt.timestep * info.frameSkip;
    this.spec = {
      id: info.id,
      maxEpisodeSteps: info.horizon,
      fps: Math.max(1, Math.round(1 / dt)),
      dt,
      preferenceReady: true,
    };
    this.obsSize = info.qposIndices.length + this.sim.nv;
    this.actSize = this.sim.nu;
    this.observationSpace = box(
      new Array<number>(this.obsSize).fill(Number.NEGATIVE_INFINITY),
      new Array<number>(this.obsSize).fill(Number.POSITIVE_INFINITY),
    );
    this.actionSpace = box(
      new Array<number>(this.actSize).fill(-1),
      new Array<number>(this.actSize).fill(1),
    );
    const range = m.actuator_ctrlrange as Float64Array;
    const limited = m.actuator_ctrllimited as Uint8Array;
    this.ctrlLow = new Float64Array(this.actSize);
    this.ctrlHigh = new Float64Array(this.actSize);
    this.ctrlLimited = new Uint8Array(this.actSize);
    for (let a = 0; a < this.actSize; a++) {
      this.ctrlLimited[a] = limited[a] ? 1 : 0;
      this.ctrlLow[a] = range[2 * a];
      this.ctrlHigh[a] = range[2 * a + 1];
    }
    this.noisyQpos = [];
    const type = m.jnt_type as Int32Array;
    const adr = m.jnt_qposadr as Int32Array;
    for (let j = 0; j < m.njnt; j++)
      if (type[j] === MJ_JNT_HINGE || type[j] === MJ_JNT_SLIDE) this.noisyQpos.push(adr[j]);
    this.signalNames = [];
    for (const [, name] of info.sites)
      this.signalNames.push(`site.${name}.x`, `site.${name}.y`, `site.${name}.z`);
    this.signalValues = new Float64Array(this.signalNames.length);
    this.rng = new Rng(Math.floor(Math.random() * 4294967296));
  }

  reset(seed?: number): Float32Array {
    const obs = new Float32Array(this.obsSize);
    this.resetInto(obs, 0, seed);
    return obs;
  }

  /** `reset`, writing the observation into `out` at `offset`. */
  resetInto(out: Float32Array, offset: number, seed?: number): void {
    this.assertOpen();
    if (seed !== undefined) this.rng = new Rng(seed);
    const sim = this.sim;
    sim.resetData();
    const h = sim.heap;
    const rng = this.rng;
    for (const q of this.noisyQpos)
      h[sim.qpos + q] += rng.uniform(-MJCF_RESET_NOISE, MJCF_RESET_NOISE);
    for (let v = 0; v < sim.nv; v++)
      h[sim.qvel + v] = rng.uniform(-MJCF_RESET_NOISE, MJCF_RESET_NOISE);
    sim.forward();
    this.elapsed = 0;
    this.started = true;
    this.lastTruncated = false;
    this.readSignals();
    this.observe(out, offset);
  }

  step(action: ArrayLike<number>): StepResult {
    const obs = new Float32Array(this.obsSize);
    this.stepInto(action, obs, 0);
    return {
      obs,
      reward: 0,
      terminated: false,
      truncated: this.lastTruncated,
      info: this.info(),
    };
  }

  /** `step` without allocating: the observation goes to `out` at `offset`. */
  stepInto(action: ArrayLike<number>, out: Float32Array, offset: number): void {
    this.assertOpen();
    if (!this.started) throw new Error(`${this.spec.id}: call reset() before step()`);
    const nu = this.actSize;
    if (action.length !== nu)
      throw new Error(`${this.spec.id}: action needs ${nu} numbers, got ${action.length}`);
    const sim = this.sim;
    const h = sim.heap;
    for (let a = 0; a < nu; a++) {
      const x = action[a];
      const u = Number.isNaN(x) ? 0 : Math.min(1, Math.max(-1, x));
      h[sim.ctrl + a] = this.ctrlLimited[a]
        ? this.ctrlLow[a] + ((u + 1) / 2) * (this.ctrlHigh[a] - this.ctrlLow[a])
        : u;
    }
    sim.step(this.modelInfo.frameSkip);
    if (this.signalNames.length > 0) {
      // Site positions as of the state after the step (mj_step leaves them one substep old).
      mujoco.mj_kinematics(sim.model, sim.data);
      this.readSignals();
    }
    this.elapsed++;
    this.lastTruncated = this.elapsed >= this.spec.maxEpisodeSteps;
    this.observe(out, offset);
  }

  /** Steps taken since the last reset. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  /** The ctrl values MuJoCo sees (a copy), after the last step. */
  ctrl(): Float64Array {
    const h = this.sim.heap;
    return h.slice(this.sim.ctrl, this.sim.ctrl + this.sim.nu);
  }

  info(): StepInfo {
    if (this.signalNames.length === 0) return {};
    const signals: Record<string, number> = {};
    for (let i = 0; i < this.signalNames.length; i++)
      signals[this.signalNames[i]] = this.signalValues[i];
    return { signals };
  }

  frame(): Frame {
    const h = this.sim.heap;
    const qpos = new Array<number>(this.sim.nq);
    for (let i = 0; i < qpos.length; i++)
      qpos[i] = Math.round(h[this.sim.qpos + i] * FRAME_DECIMALS) / FRAME_DECIMALS + 0;
    return { kind: "mujoco", qpos };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sim.delete();
  }

  private readSignals(): void {
    const h = this.sim.heap;
    const base = this.sim.siteXpos;
    const sites = this.modelInfo.sites;
    for (let k = 0; k < sites.length; k++) {
      const at = base + 3 * sites[k][0];
      this.signalValues[3 * k] = h[at];
      this.signalValues[3 * k + 1] = h[at + 1];
      this.signalValues[3 * k + 2] = h[at + 2];
    }
  }

  private observe(out: Float32Array, offset: number): void {
    const sim = this.sim;
    const h = sim.heap;
    const idx = this.modelInfo.qposIndices;
    let o = offset;
    for (let k = 0; k < idx.length; k++) out[o++] = h[sim.qpos + idx[k]];
    for (let v = 0; v < sim.nv; v++) out[o++] = h[sim.qvel + v];
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.spec.id}: env is closed`);
  }
}
