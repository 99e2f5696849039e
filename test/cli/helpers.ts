/** CLI tests' shared pieces: running `backflip` as a user would, and a refused `train`. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "bin", "backflip.js");

/** `backflip ARGS` in `cwd` (the repository by default); its exit code and output. */
export function backflipIn(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function backflip(...args: string[]) {
  return backflipIn(root, ...args);
}

/** `train` with a --run in a fresh folder; it must be refused, with exit 2 and no folder left. */
export function refusedTrain(...args: string[]) {
  const parent = mkdtempSync(join(tmpdir(), "backflip-cli-"));
  const run = join(parent, "run");
  const r = backflip("train", ...args, "--run", run);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(existsSync(run), false, "a refused train leaves no run folder");
  assert.deepEqual(readdirSync(parent), []);
  return r;
}
