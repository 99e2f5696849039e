/**
 * One process per run directory. `acquireRunLock(dir)` creates `dir/LOCK` holding the pid; while
 * that process lives, a second acquire fails. A lock left by a dead process (crash, kill -9) is
 * taken over. The file is created atomically (written aside, then hard-linked into place), so a
 * reader never sees a half-written pid.
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type RunLock = {
  readonly path: string;
  readonly pid: number;
  /** Removes the lock if it is still ours. Safe to call twice. */
  release(): void;
};

export function acquireRunLock(dir: string): RunLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "LOCK");
  const pid = process.pid;
  const temp = join(dir, `.LOCK.${pid}.${Date.now()}`);
  writeFileSync(temp, `${pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 5) throw e;
      }
      const holder = readPid(path);
      if (holder !== null && isProcessAlive(holder)) {
        throw new Error(
          `run directory ${dir} is in use by pid ${holder}; stop that process first, or pick another run name`,
        );
      }
      // Stale: its process is gone (or the file is unreadable). Take it over, unless another
      // process took it over since we read it.
      if (readPid(path) !== holder) continue;
      try {
        unlinkSync(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  } finally {
    try {
      unlinkSync(temp);
    } catch {}
  }
  let released = false;
  return {
    path,
    pid,
    release() {
      if (released) return;
      released = true;
      if (readPid(path) === pid) {
        try {
          unlinkSync(path);
        } catch {}
      }
    },
  };
}

function readPid(path: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid lives on this machine. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
