import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clip, Query } from "../../src/core/types.ts";
import { type OpenOptions, PreferenceStore } from "../../src/store/index.ts";
import { freshDatabase } from "../support/postgres.ts";

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

/** Where a test store lives: a SQLite file, or a schema of the test file's Postgres database. */
export type StorePlace = { target: string; schema?: string };

/**
 * One of the store's dialects, for tests that run against both: each `open()` without a place
 * makes a new, empty store (a new SQLite file; a new schema on Postgres).
 */
export type StoreBackend = {
  name: "sqlite" | "postgres";
  /** Why this backend's tests are skipped (no Postgres to be had), or false. */
  skip: string | false;
  /** A place no store has used yet. */
  place(): StorePlace;
  open(place?: StorePlace, options?: OpenOptions): Promise<PreferenceStore>;
  /** Removes every store made here; call it in `after`. */
  cleanup(): Promise<void>;
};

/**
 * SQLite and Postgres, for `for (const backend of await storeBackends("x")) describe(…)`. The
 * Postgres one gets one fresh database for the test file (test/support/postgres.ts) and skips,
 * saying why, only when no Postgres can be had.
 */
export async function storeBackends(label: string): Promise<StoreBackend[]> {
  let n = 0;
  const tmp = tempDir();
  const sqlite: StoreBackend = {
    name: "sqlite",
    skip: false,
    place: () => ({ target: join(tmp.dir, `store-${n++}.sqlite`) }),
    open: (place = sqlite.place(), options) => PreferenceStore.open(place.target, options),
    async cleanup() {
      tmp.cleanup();
    },
  };
  const pg = await freshDatabase(label);
  const postgres: StoreBackend = {
    name: "postgres",
    skip: pg.skip,
    place: () => ({ target: pg.url, schema: `run_test_${n++}` }),
    open: (place = postgres.place(), options) =>
      PreferenceStore.open(place.target, { ...options, schema: place.schema }),
    cleanup: () => pg.drop(),
  };
  return [sqlite, postgres];
}

/** Opens a fresh store of `backend`, runs `fn`, and closes it. */
export async function withStore(
  backend: StoreBackend,
  fn: (store: PreferenceStore) => Promise<void>,
): Promise<void> {
  const store = await backend.open();
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}
