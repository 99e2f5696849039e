/**
 * Many labellers at once: simulated labellers answer over loopback against `--servers`
 * `backflip serve` child processes on one store, while this process plays the trainer and keeps
 * adding queries at a steady rate. Each labeller sends every request to the next server in turn
 * (a round-robin load balancer); it asks for a query, "watches" it (a random delay), and answers;
 * some resend a submit (same requestId), some abandon their lease. A labeller told 429
 * `lease_limit` or `waiting` has no query right now and asks again a second later. A request to a
 * server that is gone (`--kill-after`) goes to the next one, with the same requestId.
 *
 * Prints one JSON line: answers per second, p50/p99 latency of next-query and of submit, and the
 * answers lost (acknowledged but not in the store), stored twice, and errors (any other answer
 * than 200, 429 lease_limit or 409 lease_expired), which must all be 0.
 *
 * Run: node --import tsx bench/labellers.bench.ts [--store postgres://…] [--servers 1]
 *   [--labellers 50] [--seconds 60] [--rate 200] [--kill-after S] [--explain]
 * (or BENCH_STORE, BENCH_SERVERS, BENCH_LABELLERS, BENCH_SECONDS, BENCH_RATE). Without --store the
 * run keeps SQLite; with it, the bench's run gets a schema of its own there, dropped at the end
 * (after `--explain` prints the lease query's plan on stderr).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { Rng } from "../src/core/rng.ts";
import type { Clip, Query } from "../src/core/types.ts";
import { type ServerProcess, startServerProcess } from "../src/server/index.ts";
import {
  newRunLocation,
  openStoreAt,
  redactUrl,
  removeNewStore,
  writeRunStore,
} from "../src/store/index.ts";
import { nextQueryPick } from "../src/store/leases.ts";

const { values } = parseArgs({
  options: {
    store: { type: "string", default: process.env.BENCH_STORE },
    servers: { type: "string", default: process.env.BENCH_SERVERS ?? "1" },
    labellers: { type: "string", default: process.env.BENCH_LABELLERS ?? "50" },
    seconds: { type: "string", default: process.env.BENCH_SECONDS ?? "60" },
    rate: { type: "string", default: process.env.BENCH_RATE ?? "200" },
    "kill-after": { type: "string" },
    explain: { type: "boolean", default: false },
  },
});
const SERVERS = Number(values.servers);
const LABELLERS = Number(values.labellers);
const SECONDS = Number(values.seconds);
/** Queries the simulated trainer adds per second. */
const RATE = Number(values.rate);
const KILL_AFTER = values["kill-after"] === undefined ? null : Number(values["kill-after"]);
const INITIAL_POOL = Math.max(500, 5 * LABELLERS);
const WATCH_MS: [number, number] = [100, 600];
const RESEND_P = 0.1;
const ABANDON_P = 0.05;
const CLIP_STEPS = 90; // 1.5 s of Hopper at 60 fps
const NOTHING_NOW_MS = 1000;

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
const location = newRunLocation(dir, values.store);
if (location.kind === "postgres") writeRunStore(dir, location);
const store = await openStoreAt(location, { poolSize: 4 });
const servers: (ServerProcess & { dead: boolean })[] = [];
try {
  await store.addQueries(Array.from({ length: INITIAL_POOL }, query), "online");
  const tokens: string[] = [];
  for (let i = 0; i < LABELLERS; i++) tokens.push((await store.addLabeller(`l${i}`)).token);
  const url = location.kind === "postgres" ? location.url : undefined;
  for (let i = 0; i < SERVERS; i++) {
    servers.push({ ...(await startServerProcess(dir, { store: url })), dead: false });
  }

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
  let leaseLimited = 0;
  let failovers = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  const error = (what: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(what);
  };

  let nextServer = 0;
  /** One API call, through the next live server; a server that is gone passes it on. */
  const call = async (token: string, path: string, body: unknown, latencies: number[]) => {
    for (let tries = 0; ; tries++) {
      const server = servers[nextServer++ % servers.length];
      if (server.dead) continue;
      const t0 = performance.now();
      try {
        const res = await fetch(server.origin + path, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
        const json = (await res.json()) as Record<string, unknown> & { code?: string };
        latencies.push(performance.now() - t0);
        return { status: res.status, json };
      } catch (e) {
        // The server went away mid-request (kill -9): the same request, to the next one.
        if (tries > 3 * servers.length) throw e;
        failovers++;
        await sleep(50);
      }
    }
  };

  const deadline = performance.now() + SECONDS * 1000;
  let requestCounter = 0;
  const labeller = async (token: string, seed: number) => {
    const own = new Rng(seed);
    while (performance.now() < deadline) {
      const next = await call(token, "/api/queries/next", {}, nextLatency);
      if (next.status === 429 && next.json.code === "lease_limit") {
        leaseLimited++;
        await sleep(NOTHING_NOW_MS);
        continue;
      }
      if (next.status !== 200) {
        error(`next ${next.status} ${next.json.code}`);
        await sleep(NOTHING_NOW_MS);
        continue;
      }
      if (next.json.waiting) {
        waiting++;
        await sleep(NOTHING_NOW_MS);
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
        error(`answer ${first.status} ${first.json.code}`);
        continue;
      }
      const answerId = Number(first.json.answerId);
      if (first.json.stored === true && acked.has(body.requestId)) storedTrueTwice++;
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

  let killed: { pid: number; atSeconds: number } | null = null;
  const killer =
    KILL_AFTER === null
      ? null
      : setTimeout(() => {
          const victim = servers[0];
          victim.dead = true;
          process.kill(victim.pid, "SIGKILL");
          killed = { pid: victim.pid, atSeconds: KILL_AFTER };
        }, KILL_AFTER * 1000);

  const t0 = performance.now();
  await Promise.all(tokens.map((token, i) => labeller(token, 1000 + i)));
  const elapsed = (performance.now() - t0) / 1000;
  if (killer) clearTimeout(killer);
  trainerRunning = false;
  await trainer;
  for (const server of servers) if (!server.dead) await server.stop();

  const answers = await store.answersSince(0, 10_000_000);
  const byRequest = new Map(answers.map((a) => [a.requestId, a]));
  const lost = [...acked.keys()].filter((id) => !byRequest.has(id)).length;
  const perQuery = new Map<string, number>();
  for (const a of answers) perQuery.set(a.queryId, (perQuery.get(a.queryId) ?? 0) + 1);
  const twiceInStore = [...perQuery.values()].filter((n) => n > 1).length;
  const unacknowledgedInStore = answers.filter((a) => !acked.has(a.requestId)).length;
  nextLatency.sort((a, b) => a - b);
  submitLatency.sort((a, b) => a - b);
  if (values.explain) await explain();
  console.log(
    JSON.stringify({
      bench: "labellers",
      store: location.kind === "postgres" ? redactUrl(location.url) : "sqlite",
      servers: SERVERS,
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
      leaseLimited,
      killed,
      failovers,
      errors,
      ...(errorSamples.length > 0 && { errorSamples }),
      lost,
      storedTwice: storedTrueTwice + twiceInStore + resendMismatch,
      unacknowledgedInStore,
    }),
  );
} finally {
  for (const server of servers) if (!server.dead) await server.stop().catch(() => {});
  await store.close();
  await removeNewStore(dir, location).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}

/** The lease query's plan on this database, with the bench's data in it (stderr). */
async function explain(): Promise<void> {
  const who = { kind: "person" as const, id: 1, name: "l0" };
  const compiled = nextQueryPick(store.kysely, store.flavor, who, Date.now()).compile();
  const prefix =
    store.flavor === "postgres" ? "explain (analyze, buffers) " : "explain query plan ";
  const rows = await store.kysely.transaction().execute(async (trx) => {
    const plan = await sql.raw(prefix + inline(compiled.sql, compiled.parameters)).execute(trx);
    return plan.rows as Record<string, unknown>[];
  });
  const counts = await sql<{ queries: number; answers: number; leases: number }>`select
      (select count(*) from queries) as queries, (select count(*) from answers) as answers,
      (select count(*) from leases) as leases`.execute(store.kysely);
  console.error(`-- the lease query, ${JSON.stringify(counts.rows[0])}:`);
  console.error(compiled.sql);
  for (const row of rows) console.error(Object.values(row).join(" | "));
}

/** `sql` with its $n / ? parameters written in, for EXPLAIN (they are numbers and short strings). */
function inline(text: string, parameters: readonly unknown[]): string {
  const literal = (v: unknown) =>
    typeof v === "number" ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
  let i = 0;
  return text.replace(/\$(\d+)|\?/g, (_, n) => literal(parameters[n ? Number(n) - 1 : i++]));
}
