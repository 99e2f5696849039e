/**
 * Checkpoints that survive `kill -9` and power loss. Each one is a fresh folder under
 * `checkpoints/`, every file in it flushed to disk, and only then does `checkpoint.json` (written
 * aside and renamed over the old one) point at it. A kill at any moment leaves the pointer on a
 * complete checkpoint: the new one or the one before.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import type { RngState } from "../core/rng.ts";
import type { Clip } from "../core/types.ts";
import { decodeClipArrays, encodeClipArrays } from "../store/index.ts";

export const POINTER_FILE = "checkpoint.json";
const FOLDER = "checkpoints";
const STATE_FILE = "loop.json";
const POOL_FILE = "pool.jsonl.gz";
const FORMAT = "backflip-loop/1";

/** The loop's own state; the policy and the reward model save theirs beside it. */
export type LoopState = {
  format: typeof FORMAT;
  /** `pretrain`: the first labels are asked or awaited; `rl`: the policy is training. */
  phase: "pretrain" | "rl";
  envSteps: number;
  policyVersion: number;
  wallSeconds: number;
  waitedSeconds: number;
  /** Rows of metrics.jsonl written by then; later rows belong to lost work. */
  metricsRows: number;
  rng: RngState;
  teacher: RngState | null;
  savedAt: number;
};

type Pointer = { dir: string; envSteps: number; savedAt: number };

export type Checkpoint = {
  /** Folder holding `policy/` and `reward/`. */
  dir: string;
  state: LoopState;
  pool: Clip[];
};

export type CheckpointWriters = {
  state: Omit<LoopState, "format" | "savedAt">;
  pool: readonly Clip[];
  /** Writes the policy and the reward model into the folder given. */
  saveModels(dir: string): void;
};

export function writeCheckpoint(runDir: string, what: CheckpointWriters): string {
  const name = `${String(what.state.policyVersion).padStart(7, "0")}-${Date.now()}`;
  const rel = join(FOLDER, name);
  const dir = join(runDir, rel);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  what.saveModels(dir);
  const state: LoopState = { ...what.state, format: FORMAT, savedAt: Date.now() };
  writeFileSync(join(dir, STATE_FILE), `${JSON.stringify(state)}\n`);
  writeFileSync(join(dir, POOL_FILE), gzipSync(encodePool(what.pool)));
  syncTree(dir);
  syncPath(join(runDir, FOLDER));
  const pointer: Pointer = { dir: rel, envSteps: state.envSteps, savedAt: state.savedAt };
  writeDurably(join(runDir, POINTER_FILE), `${JSON.stringify(pointer)}\n`);
  for (const old of readdirSync(join(runDir, FOLDER))) {
    if (old !== name) rmSync(join(runDir, FOLDER, old), { recursive: true, force: true });
  }
  return dir;
}

/** The latest complete checkpoint of a run, or null if it never wrote one. */
export function readCheckpoint(runDir: string): Checkpoint | null {
  const pointerPath = join(runDir, POINTER_FILE);
  if (!existsSync(pointerPath)) return null;
  const pointer = readPointer(runDir);
  const dir = join(runDir, pointer.dir);
  const state = JSON.parse(readFileSync(join(dir, STATE_FILE), "utf8")) as LoopState;
  if (state.format !== FORMAT) {
    throw new Error(`${dir}: checkpoint format '${state.format}', expected '${FORMAT}'`);
  }
  return { dir, state, pool: decodePool(gunzipSync(readFileSync(join(dir, POOL_FILE)))) };
}

/** Writes `path` so that a crash leaves either the old file or the new one, never a mix. */
export function writeDurably(path: string, text: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  syncPath(temp);
  renameSync(temp, path);
  syncPath(join(path, ".."));
}

function syncTree(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) syncTree(path);
    else syncPath(path);
  }
  syncPath(dir);
}

function syncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

type PooledClip = Omit<Clip, "obs" | "actions" | "rewards" | "unhealthy" | "signals"> & {
  data: string;
};

function encodePool(pool: readonly Clip[]): Buffer {
  const lines = pool.map((clip) => {
    const { obs, actions, rewards, unhealthy, signals, ...rest } = clip;
    const line: PooledClip = {
      ...rest,
      data: Buffer.from(encodeClipArrays(clip)).toString("base64"),
    };
    return JSON.stringify(line);
  });
  return Buffer.from(lines.join("\n"));
}

function decodePool(bytes: Buffer): Clip[] {
  const text = bytes.toString("utf8");
  if (text === "") return [];
  return text.split("\n").map((line) => {
    const { data, ...rest } = JSON.parse(line) as PooledClip;
    return { ...rest, ...decodeClipArrays(Buffer.from(data, "base64")) } as Clip;
  });
}

/**
 * Where a run's newest saved policy or reward model is: `policy/` and `reward/` once the run
 * ended or was stopped, else its latest checkpoint's (a run that crashed). Null if neither.
 */
export function latestModelDir(runDir: string, part: "policy" | "reward"): string | null {
  const final = join(runDir, part);
  const checkpoint = existsSync(join(runDir, POINTER_FILE)) ? readPointer(runDir) : null;
  const marker = join(final, part === "policy" ? "agent.json" : "reward.json");
  const finalAt = existsSync(marker) ? statSync(marker).mtimeMs : -1;
  if (checkpoint && checkpoint.savedAt > finalAt) return join(runDir, checkpoint.dir, part);
  return finalAt >= 0 ? final : null;
}

function readPointer(runDir: string): Pointer {
  return JSON.parse(readFileSync(join(runDir, POINTER_FILE), "utf8")) as Pointer;
}
