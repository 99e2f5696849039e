/**
 * The store calls the trainer makes after every PPO update (preference_loop.ts: the heartbeat,
 * the owner's requests, the label progress, polling for answers, and what the page shows: the
 * schedule, a 300-step live clip and the agreement table), timed per update on SQLite and, with
 * `--store postgres://…` (or BENCH_STORE), on Postgres. Prints one JSON line per store: the
 * milliseconds one update spends in the store, p50 and p99. A PPO update of Pendulum takes about
 * 100 ms on this machine, so a few ms here keep the loop's hot path as it was.
 *
 * Run: node --import tsx bench/store.bench.ts [--store postgres://…] [--updates 300]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  type LiveClip,
  newRunLocation,
  openStoreAt,
  type PreferenceStore,
  removeNewStore,
  type StoreLocation,
} from "../src/store/index.ts";
import { makeQuery } from "../test/store/helpers.ts";

const { values } = parseArgs({
  options: {
    store: { type: "string", default: process.env.BENCH_STORE },
    updates: { type: "string", default: "300" },
  },
});
const UPDATES = Number(values.updates);

const live: LiveClip = {
  frames: Array.from({ length: 300 }, (_, t) => ({ kind: "pendulum", theta: t / 50, torque: 0.1 })),
  predicted: Array.from({ length: 300 }, (_, t) => Math.sin(t / 10)),
  policyVersion: 1,
  envStep: 0,
  fps: 20,
  frameKind: "pendulum",
};

async function oneUpdate(store: PreferenceStore, i: number, cursor: number): Promise<number> {
  const control = (await store.getMeta("control")) ?? {};
  await store.setMeta("trainer", {
    state: control.stopAt ? "stopped" : "training",
    pace: "wait",
    labels: 500,
    wanted: i,
    answered: i,
    envSteps: i * 2048,
    totalSteps: 1_000_000,
    waitedSeconds: 0,
    labellingEnded: false,
    heartbeatAt: Date.now(),
    pid: process.pid,
    host: hostname(),
  });
  await store.labelProgress();
  const answers = await store.answersSince(cursor);
  await store.setMeta("schedule", { wanted: i, asked: i });
  await store.setMeta("live", { ...live, policyVersion: i, envStep: i * 2048 });
  await store.setMeta("labellerAgreement", { ann: { agree: i, total: i + 1 } });
  return answers.at(-1)?.id ?? cursor;
}

async function measure(location: StoreLocation): Promise<Record<string, unknown>> {
  const store = await openStoreAt(location);
  try {
    await store.addQueries(
      Array.from({ length: 200 }, (_, i) => makeQuery(`q${i}`)),
      "online",
    );
    const times: number[] = [];
    let cursor = 0;
    for (let i = 0; i < UPDATES; i++) {
      // An answer arrives every few updates, as from a person.
      if (i % 3 === 0) {
        await store.recordAnswer({
          queryId: `q${i % 200}`,
          answer: "left",
          labeller: `oracle-${Math.floor(i / 200)}`,
          time: i,
          requestId: `r${i}`,
        });
      }
      const t0 = performance.now();
      cursor = await oneUpdate(store, i, cursor);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) =>
      Math.round(times[Math.floor((p / 100) * (times.length - 1))] * 100) / 100;
    return {
      bench: "store_per_update",
      store: location.kind,
      updates: UPDATES,
      p50Ms: at(50),
      p99Ms: at(99),
    };
  } finally {
    await store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "backflip-bench-store-"));
try {
  console.log(JSON.stringify(await measure(newRunLocation(dir))));
  if (values.store) {
    const location = newRunLocation(dir, values.store);
    try {
      console.log(JSON.stringify(await measure(location)));
    } finally {
      await removeNewStore(dir, location);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
