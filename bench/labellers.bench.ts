/**
 * Many labellers at once: 50 simulated labellers answer over loopback for 60 s against a
 * `backflip serve` child process, while this process plays the trainer and keeps adding queries
 * at a steady rate. Each labeller asks for a query, "watches" it (a random delay), and answers;
 * some resend a submit (same requestId), some abandon their lease. Prints one JSON line: answers
 * per second, p50/p99 latency of next-query and of submit, and the answers lost (acknowledged but
 * not in the store) or stored twice, which must both be 0.
 *
 * Run: node --import tsx bench/labellers.bench.ts [--seconds 60] [--labellers 50] [--rate 200]
 * (or BENCH_SECONDS, BENCH_LABELLERS, BENCH_RATE).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Rng } from "../src/core/rng.ts";
import type { Clip, Query } from "../src/core/types.ts";
import { startServerProcess } from "../src/server/index.ts";
import { PreferenceStore } from "../src/store/index.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: process.env.BENCH_SECONDS ?? "60" },
    labellers: { type: "string", default: process.env.BENCH_LABELLERS ?? "50" },
    rate: { type: "string", default: process.env.BENCH_RATE ?? "200" },
  },
});
const SECONDS = Number(values.seconds);
const LABELLERS = Number(values.labellers);
/** Queries the simulated trainer adds per second. */
const RATE = Number(values.rate);
const INITIAL_POOL = 500;
const WATCH_MS: [number, number] = [100, 600];
const RESEND_P = 0.1;
const ABANDON_P = 0.05;
const CLIP_STEPS = 90; // 1.5 s of Hopper at 60 fps

const rng = new Rng(4);
let clipCounter = 0;

function clip(): Clip {
  const id = `c${clipCounter++}`;
  const obsSize = 11;
  const actSize = 3;
  return {
    id,
    envId: "Hopper-v5",
    obs: new Float32Array(CLIP_STEPS * obsSize).map(() => rng.normal()),
    obsSize,
    actions: new Float32Array(CLIP_STEPS * actSize).map(() => rng.uniform(-1, 1)),
    actSize,
    rewards: new Float32Array(CLIP_STEPS).map(() => rng.normal()),
    frames: Array.from({ length: CLIP_STEPS }, () => ({
      kind: "mujoco" as const,
      qpos: Array.from({ length: 6 }, () => Math.round(rng.normal() * 1e4) / 1e4),
    })),
    policyVersion: 1,
    envStep: clipCounter * 100,
  };
}

let queryCounter = 0;
function query(): Query {
  return { id: `q${queryCounter++}`, left: clip(), right: clip(), disagreement: rng.random() };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (x: number) => Math.round(x * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), "backflip-bench-labellers-"));
try {
  const store = await PreferenceStore.open(join(dir, "store.sqlite"));
  await store.addQueries(Array.from({ length: INITIAL_POOL }, query), "online");
  const tokens: string[] = [];
  for (let i = 0; i < LABELLERS; i++) tokens.push((await store.addLabeller(`l${i}`)).token);
  const server = await startServerProcess(dir);

  // The trainer: a steady trickle of new queries, in small batches.
  let queriesAdded = INITIAL_POOL;
  let trainerRunning = true;
  const trainer = (async () => {
    const start = performance.now();
    while (trainerRunning) {
      await sleep(100);
      const due =
        Math.floor(((performance.now() - start) / 1000) * RATE) + INITIAL_POOL - queriesAdded;
      if (due > 0) {
        await store.addQueries(Array.from({ length: due }, query), "online");
        queriesAdded += due;
      }
    }
  })();

  const nextLatency: number[] = [];
  const submitLatency: number[] = [];
  const acked = new Map<string, number>(); // requestId → answerId
  let storedTrueTwice = 0;
  let resendMismatch = 0;
  let resends = 0;
  let abandoned = 0;
  let expired = 0;
  let waiting = 0;
  let errors = 0;

  const call = async (token: string, path: string, body: unknown, latencies: number[]) => {
    const t0 = performance.now();
    const res = await fetch(server.origin + path, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown> & { code?: string };
    latencies.push(performance.now() - t0);
    return { status: res.status, json };
  };

  const deadline = performance.now() + SECONDS * 1000;
  let requestCounter = 0;
  const labeller = async (token: string, seed: number) => {
    const own = new Rng(seed);
    while (performance.now() < deadline) {
      const next = await call(token, "/api/queries/next", {}, nextLatency);
      if (next.status !== 200) {
        errors++;
        continue;
      }
      if (next.json.waiting) {
        waiting++;
        await sleep(200);
        continue;
      }
      await sleep(own.uniform(...WATCH_MS));
      if (own.random() < ABANDON_P) {
        abandoned++;
        continue;
      }
      const body = {
        leaseId: next.json.leaseId,
        answer: ["left", "right", "equal", "cant_tell"][own.int(4)],
        requestId: `b${requestCounter++}`,
      };
      const first = await call(token, "/api/answers", body, submitLatency);
      if (first.status === 409 && first.json.code === "lease_expired") {
        expired++;
        continue;
      }
      if (first.status !== 200) {
        errors++;
        continue;
      }
      const answerId = Number(first.json.answerId);
      if (first.json.stored !== true || acked.has(body.requestId)) storedTrueTwice++;
      acked.set(body.requestId, answerId);
      if (own.random() < RESEND_P) {
        resends++;
        const again = await call(token, "/api/answers", body, submitLatency);
        if (
          again.status !== 200 ||
          again.json.stored !== false ||
          Number(again.json.answerId) !== answerId
        ) {
          resendMismatch++;
        }
      }
    }
  };

  const t0 = performance.now();
  await Promise.all(tokens.map((token, i) => labeller(token, 1000 + i)));
  const elapsed = (performance.now() - t0) / 1000;
  trainerRunning = false;
  await trainer;
  await server.stop();

  const answers = await store.answersSince(0, 10_000_000);
  await store.close();
  const byRequest = new Map(answers.map((a) => [a.requestId, a]));
  const lost = [...acked.keys()].filter((id) => !byRequest.has(id)).length;
  const perQuery = new Map<string, number>();
  for (const a of answers) perQuery.set(a.queryId, (perQuery.get(a.queryId) ?? 0) + 1);
  const twiceInStore = [...perQuery.values()].filter((n) => n > 1).length;
  const unacknowledgedInStore = answers.filter((a) => !acked.has(a.requestId)).length;
  nextLatency.sort((a, b) => a - b);
  submitLatency.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      bench: "labellers",
      labellers: LABELLERS,
      seconds: round(elapsed),
      queriesAdded,
      answers: acked.size,
      answersPerSecond: round(acked.size / elapsed),
      nextQuery: {
        n: nextLatency.length,
        p50Ms: round(percentile(nextLatency, 50)),
        p99Ms: round(percentile(nextLatency, 99)),
      },
      submit: {
        n: submitLatency.length,
        p50Ms: round(percentile(submitLatency, 50)),
        p99Ms: round(percentile(submitLatency, 99)),
      },
      resends,
      abandoned,
      expired,
      waiting,
      errors,
      lost,
      storedTwice: storedTrueTwice + twiceInStore + resendMismatch,
      unacknowledgedInStore,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
