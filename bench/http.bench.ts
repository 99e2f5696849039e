/**
 * The HTTP layer, compared on the endpoints a labelling crowd keeps busy: the lease of the next
 * query (POST /api/queries/next), the answer (POST /api/answers), and the page's main script
 * (GET /lib/label.js) gzipped; and GET /api/session, the lightest API call, for what the layer
 * itself costs per request. Each layer in bench/http/serve.ts serves the same API handlers
 * over a copy of the same store, in a child process; this process is the load: `--concurrency`
 * labellers on keep-alive connections, each leasing and answering in turn, as a browser does
 * (Accept-Encoding: gzip, bodies decoded). Layers take turns round by round, so that a busy
 * machine colours them alike. Prints one JSON line per layer and round, then one per layer with
 * the medians over rounds.
 *
 * Run: node --import tsx bench/http.bench.ts [--rounds 3] [--cycles 1500] [--static 1500]
 *      [--concurrency 16] [--layers node-http,fastify,hono]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { Rng } from "../src/core/rng.ts";
import type { Clip, Query } from "../src/core/types.ts";
import { PreferenceStore } from "../src/store/index.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    cycles: { type: "string", default: "1500" },
    static: { type: "string", default: "1500" },
    concurrency: { type: "string", default: "16" },
    layers: { type: "string", default: "node-http,fastify,hono" },
  },
});
const ROUNDS = Number(values.rounds);
/** Lease-and-answer cycles measured per layer and round (two requests each). */
const CYCLES = Number(values.cycles);
const STATIC_REQUESTS = Number(values.static);
const CONCURRENCY = Number(values.concurrency);
const LAYERS = values.layers.split(",");
const WARMUP_CYCLES = 100;
const WARMUP_STATIC = 200;
const STATIC_PATH = "/lib/label.js";
const CLIP_STEPS = 90; // 1.5 s of Hopper at 60 fps: a lease is ~30 KB of JSON
const here = dirname(fileURLToPath(import.meta.url));

const rng = new Rng(7);
let clipCounter = 0;
function clip(): Clip {
  const id = `c${clipCounter++}`;
  return {
    id,
    envId: "Hopper-v5",
    obs: new Float32Array(CLIP_STEPS * 11).map(() => rng.normal()),
    obsSize: 11,
    actions: new Float32Array(CLIP_STEPS * 3).map(() => rng.uniform(-1, 1)),
    actSize: 3,
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
const query = (): Query => ({
  id: `q${queryCounter++}`,
  left: clip(),
  right: clip(),
  disagreement: rng.random(),
});

type Reply = { status: number; json: Record<string, unknown> | null; bytes: number; gzip: boolean };

/** One request on a keep-alive connection; the body is gunzipped and parsed when it is JSON. */
function call(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "Accept-Encoding": "gzip" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const text = body === undefined ? undefined : JSON.stringify(body);
    if (text !== undefined) headers["Content-Type"] = "application/json";
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const gzip = res.headers["content-encoding"] === "gzip";
        const isJson = /^application\/json/.test(String(res.headers["content-type"]));
        const json = isJson ? JSON.parse((gzip ? gunzipSync(raw) : raw).toString("utf8")) : null;
        resolve({ status: res.statusCode ?? 0, json, bytes: raw.length, gzip });
      });
    });
    req.on("error", reject);
    req.end(text);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const round2 = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const latencies = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return {
    n: xs.length,
    p50Ms: round2(percentile(sorted, 50)),
    p99Ms: round2(percentile(sorted, 99)),
  };
};

/** Runs `perWorker` for each of CONCURRENCY workers until `total` turns are taken. */
async function load(total: number, turn: (worker: number) => Promise<void>): Promise<number> {
  let left = total;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      while (left > 0) {
        left--;
        await turn(w);
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

async function startLayer(
  layer: string,
  runDir: string,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(here, "http", "serve.ts"), layer, runDir],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c) => {
      out += c;
      const line = out.split("\n")[0];
      if (out.includes("\n")) resolve(JSON.parse(line).port);
    });
    child.once("exit", (code) => reject(new Error(`${layer} server exited with ${code}`)));
  });
  return { child, port };
}

type RoundResult = {
  layer: string;
  round: number;
  leaseCycle: {
    requestsPerSecond: number;
    next: ReturnType<typeof latencies>;
    answer: ReturnType<typeof latencies>;
  };
  static: { requestsPerSecond: number; bytes: number; gzip: boolean } & ReturnType<
    typeof latencies
  >;
  session: { requestsPerSecond: number } & ReturnType<typeof latencies>;
  errors: number;
};

async function measure(
  layer: string,
  round: number,
  template: string,
  tokens: string[],
  dir: string,
): Promise<RoundResult> {
  const runDir = join(dir, `${layer}-${round}`);
  mkdirSync(runDir);
  copyFileSync(template, join(runDir, "store.sqlite"));
  const { child, port } = await startLayer(layer, runDir);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let errors = 0;
  let requestCounter = 0;
  const next: number[] = [];
  const answer: number[] = [];
  const cycle = async (w: number, record: boolean) => {
    let t = performance.now();
    const lease = await call(agent, port, "POST", "/api/queries/next", tokens[w], {});
    if (record) next.push(performance.now() - t);
    if (lease.status !== 200 || !lease.json?.leaseId) {
      errors++;
      return;
    }
    t = performance.now();
    const body = { leaseId: lease.json.leaseId, answer: "left", requestId: `r${requestCounter++}` };
    const stored = await call(agent, port, "POST", "/api/answers", tokens[w], body);
    if (record) answer.push(performance.now() - t);
    if (stored.status !== 200 || stored.json?.stored !== true) errors++;
  };
  const statics: number[] = [];
  let staticReply: Reply | null = null;
  const getStatic = async (record: boolean) => {
    const t = performance.now();
    const r = await call(agent, port, "GET", STATIC_PATH, null);
    if (record) statics.push(performance.now() - t);
    if (r.status !== 200) errors++;
    staticReply = r;
  };
  const sessions: number[] = [];
  const getSession = async (w: number, record: boolean) => {
    const t = performance.now();
    const r = await call(agent, port, "GET", "/api/session", tokens[w]);
    if (record) sessions.push(performance.now() - t);
    if (r.status !== 200) errors++;
  };
  try {
    await load(WARMUP_CYCLES, (w) => cycle(w, false));
    const cycleSeconds = await load(CYCLES, (w) => cycle(w, true));
    await load(WARMUP_STATIC, () => getStatic(false));
    const staticSeconds = await load(STATIC_REQUESTS, () => getStatic(true));
    await load(WARMUP_STATIC, (w) => getSession(w, false));
    const sessionSeconds = await load(STATIC_REQUESTS, (w) => getSession(w, true));
    const last = staticReply as Reply | null;
    return {
      layer,
      round,
      leaseCycle: {
        requestsPerSecond: round2((2 * CYCLES) / cycleSeconds),
        next: latencies(next),
        answer: latencies(answer),
      },
      static: {
        requestsPerSecond: round2(STATIC_REQUESTS / staticSeconds),
        ...latencies(statics),
        bytes: last?.bytes ?? 0,
        gzip: last?.gzip ?? false,
      },
      session: {
        requestsPerSecond: round2(STATIC_REQUESTS / sessionSeconds),
        ...latencies(sessions),
      },
      errors,
    };
  } finally {
    agent.destroy();
    child.stdin!.end();
    await new Promise((r) => child.once("exit", r));
  }
}

const dir = mkdtempSync(join(tmpdir(), "backflip-bench-http-"));
try {
  // One store for every run: enough queries for each run's cycles, copied fresh each time.
  const template = join(dir, "template.sqlite");
  const store = await PreferenceStore.open(template);
  const wanted = WARMUP_CYCLES + CYCLES + 2 * CONCURRENCY;
  for (let added = 0; added < wanted; added += 200) {
    await store.addQueries(Array.from({ length: Math.min(200, wanted - added) }, query), "online");
  }
  const tokens: string[] = [];
  for (let i = 0; i < CONCURRENCY; i++) tokens.push((await store.addLabeller(`l${i}`)).token);
  await store.close();

  const results: RoundResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // A different layer goes first each round.
    const order = LAYERS.map((_, i) => LAYERS[(i + round) % LAYERS.length]);
    for (const layer of order) {
      const r = await measure(layer, round, template, tokens, dir);
      results.push(r);
      console.log(JSON.stringify({ bench: "http", ...r }));
    }
  }
  for (const layer of LAYERS) {
    const mine = results.filter((r) => r.layer === layer);
    const pick = (f: (r: RoundResult) => number) => round2(median(mine.map(f)));
    console.log(
      JSON.stringify({
        bench: "http",
        layer,
        rounds: mine.length,
        median: {
          leaseCycleRequestsPerSecond: pick((r) => r.leaseCycle.requestsPerSecond),
          nextP50Ms: pick((r) => r.leaseCycle.next.p50Ms),
          nextP99Ms: pick((r) => r.leaseCycle.next.p99Ms),
          answerP50Ms: pick((r) => r.leaseCycle.answer.p50Ms),
          answerP99Ms: pick((r) => r.leaseCycle.answer.p99Ms),
          staticRequestsPerSecond: pick((r) => r.static.requestsPerSecond),
          staticP50Ms: pick((r) => r.static.p50Ms),
          staticP99Ms: pick((r) => r.static.p99Ms),
          staticBytes: pick((r) => r.static.bytes),
          sessionRequestsPerSecond: pick((r) => r.session.requestsPerSecond),
          sessionP50Ms: pick((r) => r.session.p50Ms),
          sessionP99Ms: pick((r) => r.session.p99Ms),
        },
        staticGzip: mine.every((r) => r.static.gzip),
        errors: mine.reduce((s, r) => s + r.errors, 0),
        concurrency: CONCURRENCY,
        cycles: CYCLES,
      }),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
