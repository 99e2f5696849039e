/**
 * A compact, exact binary encoding of a clip's numeric arrays, and the JSON of its frames.
 *
 * Layout (all integers little-endian):
 *   magic "BFC1" | u32 flags | u32 steps | u32 obsSize | u32 actSize | u32 signalCount
 *   then per signal: u32 nameBytes | UTF-8 name
 *   then float32 obs [steps × obsSize] | float32 actions [steps × actSize] | float32 rewards [steps]
 *   then, if flags & 1, u8 unhealthy [steps]
 *   then per signal, in header order, float32 [steps]
 * Floats are copied bit for bit, so NaN payloads, −0 and subnormals survive. Frames are plain JSON
 * (what the web page receives): there −0 reads back as 0, and NaN or ±Infinity as null.
 */
import type { Clip, Frame } from "../core/types.ts";

const MAGIC = 0x31434642; // "BFC1" read as a little-endian u32
const FLAG_UNHEALTHY = 1;
const FLAG_SIGNALS = 2;
const HEADER_BYTES = 24;

/** The numeric part of a clip, as stored in the `data` blob. */
export type ClipArrays = Pick<Clip, "obs" | "obsSize" | "actions" | "actSize" | "rewards"> &
  Pick<Clip, "unhealthy" | "signals">;

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeClipArrays(clip: ClipArrays): Uint8Array {
  const steps = clip.rewards.length;
  check(Number.isInteger(clip.obsSize) && clip.obsSize >= 0, "obsSize must be a whole number");
  check(Number.isInteger(clip.actSize) && clip.actSize >= 0, "actSize must be a whole number");
  check(
    clip.obs.length === steps * clip.obsSize,
    `obs has ${clip.obs.length} values; expected ${steps} steps × ${clip.obsSize}`,
  );
  check(
    clip.actions.length === steps * clip.actSize,
    `actions has ${clip.actions.length} values; expected ${steps} steps × ${clip.actSize}`,
  );
  if (clip.unhealthy) {
    check(clip.unhealthy.length === steps, `unhealthy has ${clip.unhealthy.length} of ${steps}`);
  }
  const encoder = new TextEncoder();
  const signals = Object.entries(clip.signals ?? {}).map(([name, values]) => {
    check(values.length === steps, `signal '${name}' has ${values.length} of ${steps} steps`);
    return { name: encoder.encode(name), values };
  });

  let size = HEADER_BYTES;
  for (const s of signals) size += 4 + s.name.length;
  size += 4 * (clip.obs.length + clip.actions.length + steps);
  if (clip.unhealthy) size += steps;
  size += 4 * steps * signals.length;

  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let flags = 0;
  if (clip.unhealthy) flags |= FLAG_UNHEALTHY;
  if (clip.signals) flags |= FLAG_SIGNALS;
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, flags, true);
  view.setUint32(8, steps, true);
  view.setUint32(12, clip.obsSize, true);
  view.setUint32(16, clip.actSize, true);
  view.setUint32(20, signals.length, true);
  let at = HEADER_BYTES;
  for (const s of signals) {
    view.setUint32(at, s.name.length, true);
    bytes.set(s.name, at + 4);
    at += 4 + s.name.length;
  }
  at = writeFloats(bytes, view, at, clip.obs);
  at = writeFloats(bytes, view, at, clip.actions);
  at = writeFloats(bytes, view, at, clip.rewards);
  if (clip.unhealthy) {
    bytes.set(clip.unhealthy, at);
    at += steps;
  }
  for (const s of signals) at = writeFloats(bytes, view, at, s.values);
  return bytes;
}

export function decodeClipArrays(bytes: Uint8Array): ClipArrays {
  check(bytes.length >= HEADER_BYTES, "clip data is truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  check(view.getUint32(0, true) === MAGIC, "clip data has an unknown format (bad magic)");
  const flags = view.getUint32(4, true);
  const steps = view.getUint32(8, true);
  const obsSize = view.getUint32(12, true);
  const actSize = view.getUint32(16, true);
  const signalCount = view.getUint32(20, true);
  const decoder = new TextDecoder();
  let at = HEADER_BYTES;
  const names: string[] = [];
  for (let i = 0; i < signalCount; i++) {
    const n = view.getUint32(at, true);
    names.push(decoder.decode(bytes.subarray(at + 4, at + 4 + n)));
    at += 4 + n;
  }
  const read = (n: number): Float32Array => {
    check(at + 4 * n <= bytes.length, "clip data is truncated");
    const out = readFloats(bytes, view, at, n);
    at += 4 * n;
    return out;
  };
  const obs = read(steps * obsSize);
  const actions = read(steps * actSize);
  const rewards = read(steps);
  const result: ClipArrays = { obs, obsSize, actions, actSize, rewards };
  if (flags & FLAG_UNHEALTHY) {
    check(at + steps <= bytes.length, "clip data is truncated");
    // A copy as a plain Uint8Array (SQLite hands back Buffers, whose slice() is a view).
    result.unhealthy = new Uint8Array(steps);
    result.unhealthy.set(bytes.subarray(at, at + steps));
    at += steps;
  }
  if (flags & FLAG_SIGNALS) {
    const signals: Record<string, Float32Array> = {};
    for (const name of names) signals[name] = read(steps);
    result.signals = signals;
  }
  check(at === bytes.length, "clip data has trailing bytes");
  return result;
}

export function encodeFrames(frames: Frame[]): string {
  return JSON.stringify(frames);
}

export function decodeFrames(json: string): Frame[] {
  return JSON.parse(json) as Frame[];
}

function writeFloats(bytes: Uint8Array, view: DataView, at: number, values: Float32Array): number {
  if (hostIsLittleEndian) {
    bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
  } else {
    for (let i = 0; i < values.length; i++) view.setFloat32(at + 4 * i, values[i], true);
  }
  return at + 4 * values.length;
}

function readFloats(bytes: Uint8Array, view: DataView, at: number, n: number): Float32Array {
  const out = new Float32Array(n);
  if (hostIsLittleEndian) {
    new Uint8Array(out.buffer).set(bytes.subarray(at, at + 4 * n));
  } else {
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, true);
  }
  return out;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`clip codec: ${message}`);
}
