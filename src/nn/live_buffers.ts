import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import "./jax.ts";

type WasmBackend = {
  malloc(...args: unknown[]): number;
  incRef(slot: number): void;
  decRef(slot: number): void;
};

let counts: Map<number, number> | null = null;

/**
 * Counts the jax-js wasm buffers alive right now, for leak tests. jax-js keeps its buffer table
 * private, so this wraps the backend's malloc/incRef/decRef once and mirrors their counts. It
 * reaches into jax-js's internal bundle (pinned at 0.1.25), which is why it lives in src/nn.
 */
export async function liveBufferCounter(): Promise<() => number> {
  if (!counts) {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve("@jax-js/jax"));
    const file = readdirSync(dist).find((n) => /^backend-.*\.js$/.test(n));
    if (!file) throw new Error("liveBufferCounter: jax-js backend bundle not found");
    const internals = (await import(pathToFileURL(join(dist, file)).href)) as Record<
      string,
      unknown
    >;
    const getBackend = Object.values(internals).find(
      (v) => typeof v === "function" && v.name === "getBackend",
    ) as ((device: string) => WasmBackend) | undefined;
    if (!getBackend) throw new Error("liveBufferCounter: jax-js getBackend not found");
    const backend = getBackend("wasm");
    const live = new Map<number, number>();
    const { malloc, incRef, decRef } = backend;
    backend.malloc = (...args) => {
      const slot = malloc.apply(backend, args);
      live.set(slot, 1);
      return slot;
    };
    backend.incRef = (slot) => {
      incRef.call(backend, slot);
      live.set(slot, (live.get(slot) ?? 0) + 1);
    };
    backend.decRef = (slot) => {
      decRef.call(backend, slot);
      const n = (live.get(slot) ?? 1) - 1;
      if (n <= 0) live.delete(slot);
      else live.set(slot, n);
    };
    counts = live;
  }
  const live = counts;
  return () => live.size;
}
