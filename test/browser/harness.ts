/**
 * Shared set-up for the browser tests and the screenshot script: a temporary run filled with
 * clips cut from real classic-env rollouts, the HTTP server on an ephemeral port, and Debian's
 * Chromium driven by playwright-core.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { Rng } from "../../src/core/rng.ts";
import type { Clip, Frame, Query } from "../../src/core/types.ts";
import { type Env, makeEnv } from "../../src/envs/index.ts";
import { createServer } from "../../src/server/index.ts";
import {
  hashToken,
  type LabellerRef,
  META,
  PreferenceStore,
  type TrainerStatus,
} from "../../src/store/index.ts";

export const CHROMIUM_PATH = process.env.BACKFLIP_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches headless Chromium, or throws an error that says how to install it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser tests need it: run ` +
        "`apt-get install chromium` (Debian), or set BACKFLIP_CHROMIUM to a Chromium binary.",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export type RunOptions = {
  envId?: string;
  /** Queries to add at the start. */
  queries?: number;
  /** Steps per clip. */
  clipSteps?: number;
  seed?: number;
  /** Rows of metrics.jsonl. */
  metricsRows?: number;
  rubric?: string;
  /** Extra labellers to register (their tokens and identities are returned by name). */
  labellers?: string[];
};

export type TestRun = {
  runDir: string;
  store: PreferenceStore;
  envId: string;
  fps: number;
  ownerToken: string;
  tokens: Record<string, string>;
  /** Each registered labeller's identity, for acting as them through the store. */
  people: Record<string, LabellerRef>;
  /** Every query added so far, in order. */
  queries: Query[];
  /** Cuts `n` more queries from fresh rollouts and adds them to the store. */
  addQueries(n: number): Promise<Query[]>;
  cleanup(): Promise<void>;
};

const FPS: Record<string, number> = {
  cartpole: 50,
  pendulum: 20,
  mountaincar: 30,
};

/**
 * A temporary run: the store (queries cut from rollouts of `envId`), run_meta `run`,
 * `schedule`, `live` and `ownerTokenHash`, and a metrics.jsonl of a plausible training curve.
 */
export async function buildRun(options: RunOptions = {}): Promise<TestRun> {
  const envId = options.envId ?? "CartPole-v1";
  const clipSteps = options.clipSteps ?? 40;
  const rng = new Rng(options.seed ?? 7);
  const runDir = mkdtempSync(join(tmpdir(), "backflip-web-"));
  const store = await PreferenceStore.open(join(runDir, "store.sqlite"));
  const ownerToken = randomBytes(24).toString("base64url");
  await store.setMeta("ownerTokenHash", hashToken(ownerToken));

  const make = await envMaker(envId);
  const probe = make();
  probe.reset(1);
  const kind = probe.frame().kind;
  const fps = probe.spec.fps ?? FPS[kind] ?? 30;
  probe.close();

  const tokens: Record<string, string> = {};
  const people: Record<string, LabellerRef> = {};
  for (const name of options.labellers ?? []) {
    const { labeller, token } = await store.addLabeller(name);
    tokens[name] = token;
    people[name] = { kind: "person", id: labeller.id, name };
  }

  let clipCounter = 0;
  let envStep = 0;
  const makeClip = (policyVersion: number): Clip => {
    const clip = rolloutClip(make, clipSteps, rng, `clip-${++clipCounter}`, policyVersion);
    clip.envStep = envStep;
    envStep += clipSteps * 8;
    return clip;
  };

  const queries: Query[] = [];
  let queryCounter = 0;
  const addQueries = async (n: number): Promise<Query[]> => {
    const batch: Query[] = [];
    for (let i = 0; i < n; i++) {
      const version = Math.floor(queryCounter / 4);
      batch.push({
        id: `q-${String(++queryCounter).padStart(4, "0")}`,
        left: makeClip(version),
        right: makeClip(version),
        disagreement: rng.random() * 0.05,
      });
    }
    await store.addQueries(batch, "online");
    await store.setClipPredictions(
      batch
        .flatMap((q) => [q.left, q.right])
        .map((c) => ({ clipId: c.id, predicted: fakePredicted(c) })),
    );
    queries.push(...batch);
    return batch;
  };
  await addQueries(options.queries ?? 0);

  await store.setMeta("run", {
    envId,
    fps,
    frameKind: kind,
    rubric:
      options.rubric ??
      "Keep the pole upright and the cart near the middle of the track. A clip where the pole stays up longer is better; if both stay up, prefer the one whose cart drifts less.",
    scene: kind === "mujoco" ? await mujocoScene(envId) : null,
  });
  await store.setMeta("schedule", { wanted: 60, asked: queries.length });
  // A trainer that is alive (this process) and training, with 60 labels over its run.
  await store.setMeta(META.trainer, {
    state: "training",
    pace: "wait",
    labels: 60,
    wanted: queries.length,
    answered: 0,
    envSteps: 98_304,
    totalSteps: 200_000,
    waitedSeconds: 0,
    labellingEnded: false,
    heartbeatAt: Date.now() + 3_600_000,
    pid: process.pid,
    host: hostname(),
  } satisfies TrainerStatus);

  const live = rolloutClip(make, 120, rng, "live", 12, 0.95);
  await store.setMeta("live", {
    frames: live.frames,
    predicted: fakePredicted(live),
    policyVersion: 12,
    envStep: 98_304,
    fps,
    frameKind: kind,
  });
  writeFileSync(join(runDir, "metrics.jsonl"), metricsLines(options.metricsRows ?? 48));

  return {
    runDir,
    store,
    envId,
    fps,
    ownerToken,
    tokens,
    people,
    queries,
    addQueries,
    async cleanup() {
      await store.close();
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/** A factory for `envId`: the classic registry, or the MuJoCo tasks (loaded only when asked). */
async function envMaker(envId: string): Promise<() => Env> {
  if (/-v5$/.test(envId)) {
    const { isMujocoEnvId, makeMujocoEnv } = await import("../../src/envs/mujoco/index.ts");
    if (isMujocoEnvId(envId)) return () => makeMujocoEnv(envId);
  }
  return () => makeEnv(envId);
}

async function mujocoScene(envId: string): Promise<unknown> {
  const { sceneDescription } = await import("../../src/envs/mujoco/index.ts");
  return sceneDescription(envId);
}

/**
 * One clip of `steps` steps from a fresh episode. CartPole acts with a noisy balancing rule (so
 * clips differ in how long the pole stays up); the other tasks act at random. An episode that
 * ends early starts again, as a vectorised collector would continue.
 */
export function rolloutClip(
  make: () => Env,
  steps: number,
  rng: Rng,
  id: string,
  policyVersion: number,
  skill = rng.uniform(0.2, 0.95),
): Clip {
  const env = make();
  let obs = env.reset(rng.int(2 ** 31));
  const obsSize = obs.length;
  const space = env.actionSpace;
  const actSize = space.kind === "discrete" ? 1 : space.low.length;
  const allObs = new Float32Array(steps * obsSize);
  const actions = new Float32Array(steps * actSize);
  const rewards = new Float32Array(steps);
  const frames: Frame[] = [];
  for (let t = 0; t < steps; t++) {
    frames.push(env.frame());
    allObs.set(obs, t * obsSize);
    const action = new Float32Array(actSize);
    if (space.kind === "discrete") {
      // CartPole: push towards where the pole leans, with some mistakes.
      const balance = obs[2] + 0.5 * obs[3] + 0.05 * obs[1] > 0 ? 1 : 0;
      action[0] = rng.random() < skill ? balance : rng.int(2);
    } else {
      for (let i = 0; i < actSize; i++) action[i] = rng.uniform(space.low[i], space.high[i]);
    }
    actions.set(action, t * actSize);
    const result = env.step(action);
    rewards[t] = result.reward;
    obs = result.terminated || result.truncated ? env.reset(rng.int(2 ** 31)) : result.obs;
  }
  const envId = env.spec.id;
  env.close();
  return {
    id,
    envId,
    obs: allObs,
    obsSize,
    actions,
    actSize,
    rewards,
    frames,
    policyVersion,
    envStep: 0,
  };
}

/** A stand-in r̂ per step (the server sends it with clips): high while the pole is near upright. */
function fakePredicted(clip: Clip): number[] {
  const mean = clip.rewards.reduce((a, b) => a + b, 0) / Math.max(1, clip.rewards.length);
  return clip.frames.map((f, i) => {
    if (f.kind !== "cartpole") return Number((clip.rewards[i] - mean).toFixed(3));
    const r = 1 - 6 * Math.abs(f.theta) - 0.4 * Math.abs(f.x);
    return Number(Math.max(-1.5, Math.min(1, r)).toFixed(3));
  });
}

/** metrics.jsonl rows shaped like a run that learns: labels grow, returns and accuracy rise. */
export function metricsLines(rows: number): string {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const p = i / Math.max(1, rows - 1);
    const wobble = Math.sin(i * 1.7) * 0.04;
    lines.push(
      JSON.stringify({
        steps: (i + 1) * 2048,
        labels: Math.round(25 + 275 * Math.sqrt(p)),
        predictedReturn: Number((-4 + 14 * p + wobble * 10).toFixed(3)),
        trueReturn: i % 3 === 2 ? null : Number((22 + 440 * p ** 1.6 + wobble * 60).toFixed(1)),
        rewardValAccuracy: i < 2 ? null : Number((0.6 + 0.32 * p + wobble).toFixed(3)),
        rewardCorrelation: i < 2 ? null : Number((0.3 + 0.6 * p).toFixed(3)),
        policyEntropy: Number((0.69 - 0.4 * p).toFixed(3)),
        approxKl: 0.01,
        explainedVariance: 0.5,
        wallSeconds: (i + 1) * 6.5,
        stepsPerSecond: 315,
      }),
    );
  }
  return `${lines.join("\n")}\n`;
}

export type RunningServer = { url: string; port: number; close(): Promise<void> };

/** Starts the API server on 127.0.0.1 and an ephemeral port, serving `web/`. */
export async function startServer(run: TestRun): Promise<RunningServer> {
  const server = await createServer({
    store: run.store,
    runDir: run.runDir,
    ownerToken: run.ownerToken,
    host: "127.0.0.1",
    port: 0,
    // The page's every answer, on real clips of real envs, is checked against its schema.
    checkResponses: true,
  });
  return {
    url: server.url,
    port: server.port,
    close: async () => {
      await server.close();
    },
  };
}

/** Resolves when `check` returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
