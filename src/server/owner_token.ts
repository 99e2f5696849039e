/**
 * The run owner's token, kept in the run folder (readable by its owner only) so that the owner's
 * link stays the same across `train`, `resume` and `serve`: a bookmarked page keeps working.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const FILE = "owner-token";

export function ownerTokenFor(runDir: string): string {
  const path = join(runDir, FILE);
  try {
    const saved = readFileSync(path, "utf8").trim();
    if (saved.length >= 16) return saved;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  return writeOwnerToken(path);
}

/**
 * Replaces the run owner's token with a fresh one and returns it. The caller also updates the
 * store's `ownerTokenHash`, which servers read on every request, so the old link dies at once.
 */
export function rotateOwnerToken(runDir: string): string {
  return writeOwnerToken(join(runDir, FILE));
}

function writeOwnerToken(path: string): string {
  const token = randomBytes(32).toString("base64url");
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}
