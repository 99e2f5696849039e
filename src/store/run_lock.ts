/**
 * One trainer per run. `acquireRunLock(dir)` creates `dir/LOCK` holding the pid; while that
 * process lives, a second acquire fails. A lock left by a dead process (crash, kill -9) is taken
 * over. The file is created atomically (written aside, then hard-linked into place), so a reader
 * never sees a half-written pid.
 *
 * A pid means nothing on another machine, so a run whose store is on Postgres (its folder maybe
 * on a shared filesystem) also takes `acquireStoreLock`: a session advisory lock in the database,
 * held by a connection of its own. Postgres releases it when that connection ends, also when
 * the process is killed (the socket closes; TCP keepalive finds a vanished machine).
 */
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";

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

/** A lock held in the store; `release()` is safe to call twice. */
export type StoreLock = { release(): void };

/** Another trainer holds the run's lock in its Postgres store. */
export class RunLockedError extends Error {}

/**
 * Takes the advisory lock of the run in `schema` of the database at `url`, or throws
 * RunLockedError when another session holds it. `holder` (the run's last heartbeat) only makes the
 * message more useful.
 */
export async function acquireStoreLock(
  url: string,
  schema: string,
  holder?: { pid: number; host: string; heartbeatAt: number },
): Promise<StoreLock> {
  const client = new pg.Client({ connectionString: url, keepAlive: true });
  // Errors of an idle connection (the server restarting) must not crash the trainer; the lock is
  // then gone, as it would be for any client of that server.
  client.on("error", () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>(
      "select pg_try_advisory_lock(hashtextextended($1, 0)) as ok",
      [`backflip.run:${schema}`],
    );
    if (!rows[0].ok) {
      const who = holder
        ? ` (its last heartbeat: pid ${holder.pid} on ${holder.host}, ${new Date(holder.heartbeatAt).toISOString()})`
        : "";
      throw new RunLockedError(
        `the run in schema ${schema} is being trained by another process${who}; stop it first, or pick another run`,
      );
    }
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      // Ending the session releases its advisory locks.
      client.end().catch(() => {});
    },
  };
}
