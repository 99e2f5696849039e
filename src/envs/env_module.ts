/**
 * Environments from a file: a TypeScript or JavaScript module whose default export is an `Env`,
 * a class of them, or a factory `(options) => Env` (`loadEnvModule`), or a MuJoCo model in MJCF
 * (`.xml`, built by `./mujoco/mjcf_file.ts`). `loadEnvSource` picks by extension. A module is
 * probed before it is registered (a reset, a few random steps, a frame), so that a broken one is
 * refused with a message that names the file and what is wrong, before any run exists.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { flatSize, type Space } from "../core/spaces.ts";
import type { Clip, Frame } from "../core/types.ts";
import type { Env, EnvOptions, EnvSpec, StepInfo, StepResult } from "./env.ts";
import { hasEnv, makeEnv, registerEnv } from "./registry.ts";

/** A file an env was built from, as a run's config records it. */
export type EnvSource = {
  /** Absolute path of the file. */
  path: string;
  /** SHA-256 of the file's contents, hex. */
  sha256: string;
  kind: "module" | "mjcf";
  /** MJCF only: how the model is turned into an env. */
  options?: MjcfOptions;
};

/** How an MJCF model becomes an env (`--frame-skip`, `--horizon`, `--exclude-root-xy`). */
export type MjcfOptions = { frameSkip?: number; horizon?: number; excludeRootXY?: boolean };

/** What `loadEnvModule` returns: the id it registered, and the file it came from. */
export type EnvModuleInfo = { envId: string; path: string; sha256: string };

/** A file that cannot be an env: the message names the file and what is wrong. */
export class EnvSourceError extends Error {}

const MODULE_EXTENSIONS = [".ts", ".js", ".mjs", ".mts", ".cjs"];
const ENV_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Random steps of the probe (across resets when an episode ends). */
const PROBE_STEPS = 8;

/** An `--env` value that names a file rather than a registered id. */
export function isEnvSourcePath(value: string): boolean {
  if ([...MODULE_EXTENSIONS, ".xml"].includes(extname(value).toLowerCase())) return true;
  return (
    (value.includes("/") || value.includes("\\")) && existsSync(value) && statSync(value).isFile()
  );
}

/** SHA-256 of a file's contents, hex. */
export function fileSha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

const loadedModules = new Map<string, EnvModuleInfo>();
const loadedMjcf = new Map<string, string>();

/**
 * Loads an env from a file by its extension: a module (`.ts`, `.js`, `.mjs`) or an MJCF model
 * (`.xml`, with `options`). Returns the registered id and the source to record in a config.
 * Loading the same file again in one process returns the same id.
 */
export async function loadEnvSource(
  path: string,
  options: MjcfOptions = {},
): Promise<{ envId: string; source: EnvSource }> {
  const absPath = resolve(path);
  if (extname(absPath).toLowerCase() !== ".xml") {
    const info = await loadEnvModule(absPath);
    return { envId: info.envId, source: { path: info.path, sha256: info.sha256, kind: "module" } };
  }
  const name = basename(absPath);
  if (!existsSync(absPath)) throw new EnvSourceError(`${name}: no such file (${absPath})`);
  const mjcf = {
    frameSkip: options.frameSkip ?? 4,
    horizon: options.horizon ?? 1000,
    excludeRootXY: options.excludeRootXY ?? false,
  };
  const sha256 = fileSha256(absPath);
  const key = `${absPath}\n${JSON.stringify(mjcf)}`;
  let envId = loadedMjcf.get(key);
  if (envId === undefined) {
    // Loaded on demand: src/envs/mujoco/mjcf_file.ts compiles the model and registers the env.
    const { registerMjcfEnv } = await import("./mujoco/mjcf_file.ts");
    try {
      envId = await registerMjcfEnv(absPath, mjcf);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new EnvSourceError(message.includes(name) ? message : `${name}: ${message}`);
    }
    loadedMjcf.set(key, envId);
  }
  return { envId, source: { path: absPath, sha256, kind: "mjcf", options: mjcf } };
}

/**
 * Imports an env module, probes it and registers it under its `spec.id`. Throws an
 * EnvSourceError that names the file on anything a learner could not use: a module that throws,
 * a missing method, observations of the wrong size or not finite, a reward that is not a
 * number, and the like. An id that a built-in env already has is refused.
 */
export async function loadEnvModule(path: string): Promise<EnvModuleInfo> {
  const absPath = resolve(path);
  const cached = loadedModules.get(absPath);
  if (cached) return cached;
  const name = basename(absPath);
  const fail = (message: string): never => {
    throw new EnvSourceError(`${name}: ${message}`);
  };
  if (!existsSync(absPath)) fail(`no such file (${absPath})`);
  const sha256 = fileSha256(absPath);
  let exported: unknown;
  try {
    exported = await importDefault(absPath);
  } catch (error) {
    throw new EnvSourceError(`${name} threw while loading: ${messageOf(error)}`);
  }
  if (exported === undefined || exported === null) {
    fail("has no default export; export an Env, a class of Envs, or a factory `(options) => Env`");
  }
  const make = envMaker(exported, fail);
  let first: Env;
  try {
    first = make({});
  } catch (error) {
    return fail(`threw while making the env: ${messageOf(error)}`);
  }
  const spec = checkEnv(first, fail);
  try {
    probe(first, fail);
  } finally {
    try {
      first.close();
    } catch {
      // A probe's env that fails to close is not worth refusing the module for.
    }
  }
  if (hasEnv(spec.id)) {
    const owner = [...loadedModules.values()].find((m) => m.envId === spec.id);
    fail(
      owner
        ? `env id '${spec.id}' is already registered by ${owner.path}`
        : `env id '${spec.id}' is a built-in env's; give the module's spec another id`,
    );
  }
  registerEnv(spec.id, (options) => wrapEnv(make(options), spec));
  const info = { envId: spec.id, path: absPath, sha256 };
  loadedModules.set(absPath, info);
  return info;
}

/**
 * The default export of a user's module. A `.ts` file in a folder whose package.json does not
 * say `"type": "module"` is CommonJS to Node, and a plain `import()` of it fails in a
 * require cycle under tsx; tsx's `tsImport` loads it, with the export one `default` deeper.
 */
export async function importDefault(absPath: string): Promise<unknown> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(absPath).href)) as { default?: unknown };
  } catch (error) {
    if (!/require\(\) ES Module|ERR_REQUIRE/.test(messageOf(error))) throw error;
    const { tsImport } = await import("tsx/esm/api");
    mod = (await tsImport(pathToFileURL(absPath).href, import.meta.url)) as { default?: unknown };
  }
  let exported = mod.default;
  // CommonJS compiled from `export default`: { default: X } (with __esModule), not X itself.
  if (
    exported !== null &&
    typeof exported === "object" &&
    "default" in exported &&
    !("spec" in exported) &&
    !("scorer" in exported)
  ) {
    exported = (exported as { default: unknown }).default;
  }
  return exported;
}

/** A factory from the default export: an env (shared, its `close` ignored), a class, or a function. */
function envMaker(exported: unknown, fail: (m: string) => never): (options: EnvOptions) => Env {
  if (typeof exported === "function") {
    const fn = exported as (options: EnvOptions) => Env;
    const proto = (fn as { prototype?: Record<string, unknown> }).prototype;
    const isClass =
      /^class[\s{]/.test(Function.prototype.toString.call(fn)) ||
      (proto !== undefined && typeof proto.step === "function");
    return isClass
      ? (options) => new (fn as unknown as new (options: EnvOptions) => Env)(options)
      : (options) => fn(options);
  }
  if (typeof exported === "object") {
    const env = exported as Env;
    // One object cannot be copied: every `makeEnv` shares it, and only the module may close it.
    return () => ({
      get spec() {
        return env.spec;
      },
      get observationSpace() {
        return env.observationSpace;
      },
      get actionSpace() {
        return env.actionSpace;
      },
      reset: (seed) => env.reset(seed),
      step: (action) => env.step(action),
      frame: () => env.frame(),
      close: () => {},
    });
  }
  return fail(
    `default export is a ${typeof exported}; export an Env, a class of Envs, or a factory \`(options) => Env\``,
  );
}

/** The env's spec, with `dt` and `preferenceReady` filled in when the module leaves them out. */
function checkEnv(env: unknown, fail: (m: string) => never): EnvSpec {
  if (typeof env !== "object" || env === null)
    fail(`the factory returned ${describe(env)}, not an Env`);
  const e = env as Record<string, unknown>;
  for (const method of ["reset", "step", "frame", "close"]) {
    if (typeof e[method] !== "function") fail(`the env has no \`${method}\` method`);
  }
  const spec = e.spec as Partial<EnvSpec> | undefined;
  if (typeof spec !== "object" || spec === null) fail("the env has no `spec`");
  const s = spec as Partial<EnvSpec>;
  if (typeof s.id !== "string" || !ENV_ID.test(s.id)) {
    fail(`\`spec.id\` must be a name of letters, digits, '.', '_' or '-' (got ${describe(s.id)})`);
  }
  if (!Number.isInteger(s.maxEpisodeSteps) || (s.maxEpisodeSteps as number) < 1) {
    fail(
      `\`spec.maxEpisodeSteps\` must be a positive integer (got ${describe(s.maxEpisodeSteps)})`,
    );
  }
  if (typeof s.fps !== "number" || !(s.fps > 0) || !Number.isFinite(s.fps)) {
    fail(`\`spec.fps\` must be a positive number (got ${describe(s.fps)})`);
  }
  if (s.dt !== undefined && (typeof s.dt !== "number" || !(s.dt > 0))) {
    fail(`\`spec.dt\` must be a positive number of seconds (got ${describe(s.dt)})`);
  }
  checkSpace(e.observationSpace, "observationSpace", fail);
  checkSpace(e.actionSpace, "actionSpace", fail);
  if ((e.observationSpace as Space).kind !== "box") fail("`observationSpace` must be a box");
  const columns = flatSize(e.observationSpace as Space);
  const periodic = s.periodicObs;
  if (
    periodic !== undefined &&
    !(
      Array.isArray(periodic) && periodic.every((i) => Number.isInteger(i) && i >= 0 && i < columns)
    )
  ) {
    fail(
      `\`spec.periodicObs\` must list observation columns, integers in [0, ${columns}) (got ${Array.isArray(periodic) ? JSON.stringify(periodic) : describe(periodic)})`,
    );
  }
  return {
    id: s.id as string,
    maxEpisodeSteps: s.maxEpisodeSteps as number,
    fps: s.fps as number,
    dt: s.dt ?? 1 / (s.fps as number),
    preferenceReady: s.preferenceReady ?? false,
    ...(periodic && { periodicObs: periodic }),
  };
}

function checkSpace(space: unknown, field: string, fail: (m: string) => never): void {
  if (typeof space !== "object" || space === null) fail(`the env has no \`${field}\``);
  const s = space as Record<string, unknown>;
  if (s.kind === "discrete") {
    if (!Number.isInteger(s.n) || (s.n as number) < 1)
      fail(`\`${field}\` is discrete with n = ${describe(s.n)}; n must be a positive integer`);
    return;
  }
  if (s.kind !== "box")
    fail(`\`${field}.kind\` must be "box" or "discrete" (got ${describe(s.kind)})`);
  const shape = s.shape as unknown;
  if (
    !Array.isArray(shape) ||
    shape.length === 0 ||
    !shape.every((d) => Number.isInteger(d) && d > 0)
  )
    fail(`\`${field}.shape\` must be an array of positive integers (got ${describe(shape)})`);
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  for (const bound of ["low", "high"]) {
    const b = s[bound] as ArrayLike<number> | undefined;
    if (b === undefined || typeof b !== "object" || typeof b.length !== "number")
      fail(`\`${field}.${bound}\` must be an array of ${size} numbers`);
    if ((b as ArrayLike<number>).length !== size)
      fail(
        `\`${field}.${bound}\` has ${(b as ArrayLike<number>).length} values; its shape says ${size}`,
      );
  }
}

/** Resets, takes a few random steps (resetting when an episode ends) and reads frames. */
function probe(env: Env, fail: (m: string) => never): void {
  const obsSize = flatSize(env.observationSpace);
  const call = <T>(what: string, f: () => T): T => {
    try {
      return f();
    } catch (error) {
      return fail(`\`${what}\` threw: ${messageOf(error)}`);
    }
  };
  const random = randomActions(env.actionSpace);
  checkObs(
    call("reset", () => env.reset(0)),
    "reset",
    obsSize,
    fail,
  );
  checkFrame(
    call("frame", () => env.frame()),
    "reset",
    fail,
  );
  for (let t = 0; t < PROBE_STEPS; t++) {
    const result = call("step", () => env.step(random()));
    if (typeof result !== "object" || result === null)
      fail(
        `\`step\` returned ${describe(result)}, not { obs, reward, terminated, truncated, info }`,
      );
    const r = result as Partial<StepResult>;
    if (r.obs === undefined) fail("`step` returned no `obs`");
    checkObs(r.obs, "step", obsSize, fail);
    if (typeof r.reward !== "number" || !Number.isFinite(r.reward))
      fail(`\`step\` returned a reward of ${describe(r.reward)}; it must be a finite number`);
    for (const flag of ["terminated", "truncated"] as const) {
      if (typeof r[flag] !== "boolean")
        fail(`\`step\` returned \`${flag}\` ${describe(r[flag])}; it must be true or false`);
    }
    checkInfo(r.info, fail);
    checkFrame(
      call("frame", () => env.frame()),
      "step",
      fail,
    );
    if (r.terminated || r.truncated)
      checkObs(
        call("reset", () => env.reset(t + 1)),
        "reset",
        obsSize,
        fail,
      );
  }
}

function checkObs(obs: unknown, method: string, size: number, fail: (m: string) => never): void {
  if (obs === undefined || obs === null) fail(`\`${method}\` returned no \`obs\``);
  if (!(obs instanceof Float32Array) && !Array.isArray(obs) && !ArrayBuffer.isView(obs))
    fail(
      `\`${method}\` returned ${describe(obs)} as obs; return a Float32Array or an array of numbers`,
    );
  const values = obs as ArrayLike<number>;
  if (values.length !== size)
    fail(
      `\`${method}\` returned ${values.length} observation values; observationSpace says ${size}`,
    );
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v))
      fail(`\`${method}\` returned ${describe(v)} in obs[${i}]`);
  }
}

function checkInfo(info: unknown, fail: (m: string) => never): void {
  if (info === undefined) return;
  if (typeof info !== "object" || info === null)
    fail(`\`step\` returned \`info\` ${describe(info)}; it must be an object`);
  const signals = (info as StepInfo).signals;
  if (signals === undefined) return;
  if (typeof signals !== "object" || signals === null)
    fail("`step`'s `info.signals` must be an object of numbers");
  for (const [key, value] of Object.entries(signals)) {
    if (typeof value !== "number" || !Number.isFinite(value))
      fail(
        `\`step\` returned ${describe(value)} in info.signals.${key}; signals must be finite numbers`,
      );
  }
}

function checkFrame(frame: unknown, after: string, fail: (m: string) => never): void {
  if (typeof frame !== "object" || frame === null || typeof (frame as Frame).kind !== "string")
    fail(
      `\`frame\` returned ${describe(frame)} after \`${after}\`; it must be an object with a \`kind\``,
    );
}

/** Uniform actions in a box (in [−1, 1] where a bound is infinite), or a uniform index. */
function randomActions(space: Space): () => Float32Array {
  if (space.kind === "discrete") return () => Float32Array.of(Math.floor(Math.random() * space.n));
  const size = flatSize(space);
  return () => {
    const a = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const low = Number.isFinite(space.low[i]) ? space.low[i] : -1;
      const high = Number.isFinite(space.high[i]) ? space.high[i] : 1;
      a[i] = low + Math.random() * (high - low);
    }
    return a;
  };
}

/**
 * A module's env as the learner needs it: observations as Float32Array, `info` always an
 * object, the spec with its filled-in fields.
 */
function wrapEnv(env: Env, spec: EnvSpec): Env {
  const toF32 = (obs: ArrayLike<number>) =>
    obs instanceof Float32Array ? obs : Float32Array.from(obs);
  return {
    spec,
    observationSpace: env.observationSpace,
    actionSpace: env.actionSpace,
    reset: (seed) => toF32(env.reset(seed)),
    step: (action) => {
      const r = env.step(action);
      return {
        obs: toF32(r.obs),
        reward: r.reward,
        terminated: r.terminated,
        truncated: r.truncated,
        info: r.info ?? {},
      };
    },
    frame: () => env.frame(),
    close: () => env.close(),
  };
}

/**
 * A clip of `steps` random-action steps of a registered env, for checking a goal's scorer
 * before a run starts (signals included, as the loop records them).
 */
export function sampleClip(envId: string, steps: number, seed = 0): Clip {
  const env = makeEnv(envId);
  try {
    const obsSize = flatSize(env.observationSpace);
    const actSize = flatSize(env.actionSpace);
    const random = randomActions(env.actionSpace);
    const obs = new Float32Array(steps * obsSize);
    const actions = new Float32Array(steps * actSize);
    const rewards = new Float32Array(steps);
    const signalRows: Record<string, number>[] = [];
    let ob = env.reset(seed);
    for (let t = 0; t < steps; t++) {
      const a = random();
      obs.set(ob, t * obsSize);
      actions.set(a, t * actSize);
      const r = env.step(a);
      rewards[t] = r.reward;
      signalRows.push(r.info.signals ?? {});
      ob = r.terminated || r.truncated ? env.reset(seed + t + 1) : r.obs;
    }
    const signals: Record<string, Float32Array> = {};
    for (const key of Object.keys(signalRows[0] ?? {})) {
      signals[key] = Float32Array.from(signalRows, (row) => row[key] ?? 0);
    }
    return {
      id: "probe",
      envId,
      obs,
      obsSize,
      actions,
      actSize,
      rewards,
      signals,
      frames: [],
      policyVersion: 0,
      envStep: 0,
    };
  } finally {
    env.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A value as an error message shows it: `NaN`, `undefined`, `"text"`, `an array`. */
function describe(value: unknown): string {
  if (typeof value === "number" || value === undefined || value === null) return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "function") return "a function";
  if (typeof value === "object") return `a ${value.constructor?.name ?? "object"}`;
  return String(value);
}
