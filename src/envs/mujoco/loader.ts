/**
 * The MuJoCo WebAssembly module (mujoco-js 0.0.7, MuJoCo 3.3.8), loaded once per process by a
 * top-level await, and a cache of compiled models.
 *
 * mujoco-js loads models only from its in-memory file system, so each XML string is written to
 * `/backflip/<name>.xml` first. A schema error throws with an `undefined` message and bad XML
 * gives `null`; both become an Error naming the model here.
 *
 * Why mujoco-js and not `@mujoco/mujoco`: it is the one installed, and NOTES.md measured it
 * about 30% faster on the same loop (38k against 27.5k physics steps/s).
 */
import loadMujocoModule, { type MainModule, type MjData, type MjModel } from "mujoco-js";

export type { MainModule, MjData, MjModel };

/** The loaded module. Importing this file waits for it (about 150 ms). */
export const mujoco: MainModule = await loadMujocoModule();

const MODEL_DIR = "/backflip";
mujoco.FS.mkdir(MODEL_DIR);

const models = new Map<string, MjModel>();

/**
 * The compiled model for `name`, compiled from `xml` on first use and shared afterwards. Models
 * are never changed after compiling, so every env of one kind shares one; each env owns its
 * MjData.
 */
export function compiledModel(name: string, xml: string): MjModel {
  const cached = models.get(name);
  if (cached !== undefined) return cached;
  const path = `${MODEL_DIR}/${name}.xml`;
  mujoco.FS.writeFile(path, xml);
  let model: MjModel | null;
  try {
    model = mujoco.MjModel.loadFromXML(path);
  } catch (e) {
    throw new Error(`MuJoCo rejected model '${name}': ${describe(e)}`);
  } finally {
    mujoco.FS.unlink(path);
  }
  if (model === null || model === undefined)
    throw new Error(`MuJoCo could not parse model '${name}'`);
  models.set(name, model);
  return model;
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** Bytes in the wasm heap right now (it only grows). */
export function wasmHeapBytes(): number {
  return wasmMemoryBuffer().byteLength;
}

let probe: MjData | null = null;

/**
 * The current wasm memory buffer. mujoco-js does not export its heap, so this reads it off the
 * typed-array view of a tiny MjData kept for the purpose.
 */
export function wasmMemoryBuffer(): ArrayBuffer {
  if (probe === null) probe = new mujoco.MjData(compiledModel("_probe", PROBE_XML));
  return (probe.qpos as Float64Array).buffer as ArrayBuffer;
}

const PROBE_XML = `<mujoco model="probe"><size memory="1K"/><worldbody><body><joint type="slide"/><geom size="0.1"/></body></worldbody></mujoco>`;
