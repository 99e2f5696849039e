import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { HostParams } from "./tensor.ts";

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data. Python's
 * `safetensors.numpy.load_file` reads what this writes. Only F32 tensors are written.
 */
export function encodeSafetensors(
  params: HostParams,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = Object.keys(params).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const { data, shape } = params[name];
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // the spec pads the header with spaces
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const { data } = params[name];
    for (let i = 0; i < data.length; i++) view.setFloat32(pos + i * 4, data[i], true);
    pos += data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): {
  params: HostParams;
  metadata: Record<string, string>;
} {
  if (bytes.length < 8)
    throw new Error("safetensors: file is shorter than its 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length)
    throw new Error("safetensors: header runs past the end of the file");
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)),
  ) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  const base = 8 + headerLength;
  const params: HostParams = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as {
      dtype: string;
      shape: number[];
      data_offsets: [number, number];
    };
    if (dtype !== "F32")
      throw new Error(`safetensors: tensor '${name}' is ${dtype}; only F32 is supported`);
    const [start, end] = data_offsets;
    const n = (end - start) / 4;
    if (n !== shape.reduce((a, b) => a * b, 1) || base + end > bytes.length) {
      throw new Error(
        `safetensors: tensor '${name}' has a byte range that does not match its shape`,
      );
    }
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(base + start + i * 4, true);
    params[name] = { data, shape };
  }
  return { params, metadata };
}

/** Writes atomically (temp file, then rename), so a crash never leaves half a checkpoint. */
export function saveSafetensors(
  path: string,
  params: HostParams,
  metadata: Record<string, string> = {},
): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, encodeSafetensors(params, metadata));
  renameSync(tmp, path);
}

export function loadSafetensors(path: string): {
  params: HostParams;
  metadata: Record<string, string>;
} {
  return decodeSafetensors(readFileSync(path));
}
