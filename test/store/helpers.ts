import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clip, Query } from "../../src/core/types.ts";

/** A small clip whose values depend on `seed`. */
export function makeClip(id: string, seed = 1, steps = 4): Clip {
  const obsSize = 3;
  const actSize = 2;
  const obs = new Float32Array(steps * obsSize).map((_, i) => seed + i * 0.25);
  const actions = new Float32Array(steps * actSize).map((_, i) => -seed + i * 0.5);
  const rewards = new Float32Array(steps).map((_, i) => seed * 0.1 + i);
  return {
    id,
    envId: "Test-v0",
    obs,
    obsSize,
    actions,
    actSize,
    rewards,
    frames: Array.from({ length: steps }, (_, i) => ({
      kind: "cartpole",
      x: i * 0.1,
      theta: i * 0.5,
    })),
    policyVersion: seed,
    envStep: seed * 1000,
  };
}

export function makeQuery(id: string, disagreement = 0): Query {
  return { id, left: makeClip(`${id}-L`, 1), right: makeClip(`${id}-R`, 2), disagreement };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "backflip-store-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
