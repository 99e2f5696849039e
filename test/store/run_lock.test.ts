import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { acquireRunLock } from "../../src/store/run_lock.ts";
import { tempDir } from "./helpers.ts";

const tmp = tempDir();
after(tmp.cleanup);

/** Starts a process, waits for it to exit, and returns its (now dead) pid. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

test("a run directory is locked with our pid, and a second acquire is refused", () => {
  const dir = join(tmp.dir, "run-a");
  const lock = acquireRunLock(dir);
  assert.equal(readFileSync(join(dir, "LOCK"), "utf8").trim(), String(process.pid));
  assert.throws(
    () => acquireRunLock(dir),
    new RegExp(`run directory .*run-a is in use by pid ${process.pid}`),
  );
  lock.release();
  assert.equal(existsSync(join(dir, "LOCK")), false);
  lock.release(); // twice is fine
  acquireRunLock(dir).release();
});

test("a lock held by another live process is refused", async () => {
  const dir = join(tmp.dir, "run-b");
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
  try {
    acquireRunLock(dir).release();
    writeFileSync(join(dir, "LOCK"), `${child.pid}\n`);
    assert.throws(() => acquireRunLock(dir), new RegExp(`in use by pid ${child.pid}`));
  } finally {
    child.kill("SIGKILL");
  }
});

test("a stale lock from a dead process is taken over", async () => {
  const dir = join(tmp.dir, "run-c");
  acquireRunLock(dir).release();
  const pid = await deadPid();
  writeFileSync(join(dir, "LOCK"), `${pid}\n`);
  const lock = acquireRunLock(dir);
  assert.equal(readFileSync(join(dir, "LOCK"), "utf8").trim(), String(process.pid));
  lock.release();

  writeFileSync(join(dir, "LOCK"), "garbage");
  acquireRunLock(dir).release();
});

test("release leaves a lock that another process has since taken", async () => {
  const dir = join(tmp.dir, "run-d");
  const lock = acquireRunLock(dir);
  const pid = await deadPid();
  writeFileSync(join(dir, "LOCK"), `${pid}\n`);
  lock.release();
  assert.equal(readFileSync(join(dir, "LOCK"), "utf8").trim(), String(pid));
});
