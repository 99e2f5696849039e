/**
 * A run on Postgres from the command line: `train --store` makes it, and `labellers`, `export`,
 * `serve` and `resume` find its store from the run folder alone; a second trainer is refused by
 * the lock in the database, not only by the folder's LOCK.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startServerProcess } from "../../src/server/index.ts";
import { openRunStore, readPreferenceFile, readRunStore } from "../../src/store/index.ts";
import { freshDatabase } from "../support/postgres.ts";
import { backflip, refusedTrain } from "./helpers.ts";

const pg = await freshDatabase("cli_store");
const parent = mkdtempSync(join(tmpdir(), "backflip-cli-pg-"));
process.on("exit", () => rmSync(parent, { recursive: true, force: true }));

describe("a run on Postgres", { skip: pg.skip }, () => {
  after(() => pg.drop());
  const run = join(parent, "pendulum-pg");
  const tiny = ["--labels", "8", "--steps", "2048", "--eval-episodes", "1", "--run", run];
  /** Labels the first run trained on: the schedule's share of 8 by 2048 steps. */
  let labels = 0;

  test("train --store keeps the run's store in a schema of its own, named in store.json", async () => {
    const r = backflip(
      "train",
      "--env",
      "Pendulum-v1",
      "--teacher",
      "oracle",
      ...tiny,
      "--store",
      pg.url,
      "--json",
    );
    assert.equal(r.code, 0, r.stderr);
    labels = JSON.parse(r.stdout.trim().split("\n").at(-1)!).labels;
    assert.ok(labels > 0);
    assert.equal(existsSync(join(run, "store.sqlite")), false, "no SQLite file");
    const record = readRunStore(run);
    assert.equal(record?.url, pg.url);
    assert.match(record?.schema ?? "", /^run_pendulum_pg_[0-9a-f]{8}$/);
    const store = await openRunStore(run);
    try {
      assert.equal(await store.countAnswers(), labels, "the oracle's answers are in the store");
      assert.equal((await store.getMeta("run"))?.envId, "Pendulum-v1");
      assert.equal((await store.getMeta("trainer"))?.state, "finished");
    } finally {
      await store.close();
    }
  });

  test("labellers, export and serve find the store from the folder", async () => {
    const add = backflip("labellers", "add", "ann", run);
    assert.equal(add.code, 0, add.stderr);
    const token = /^ {2}(\S+)$/m.exec(add.stdout)?.[1];
    assert.ok(token, add.stdout);
    const list = backflip("labellers", "list", run, "--store", pg.url);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ann\s+0/m);
    assert.match(list.stdout, new RegExp(`^oracle\\s+${labels}\\s`, "m"));

    const out = join(parent, "prefs.jsonl");
    const exported = backflip("export", run, "--out", out);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(readPreferenceFile(out).comparisons.length, labels);

    const server = await startServerProcess(run);
    try {
      const res = await fetch(`${server.origin}/api/stats`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
      const stats = (await res.json()) as { run: { trainer: string; answered: number } };
      assert.equal(stats.run.trainer, "finished");
      assert.equal(stats.run.answered, labels);
    } finally {
      await server.stop();
    }
  });

  test("resume carries the run on in its schema; a second trainer is refused by the database's lock", async () => {
    const store = await openRunStore(run);
    const lock = await store.lockRun();
    try {
      // Another machine's trainer: the folder's LOCK says nothing, the database does.
      const r = backflip("resume", run, "--steps", "4096");
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /backflip resume: the run in schema run_pendulum_pg_\w+ is being trained by another process/,
      );
    } finally {
      lock.release();
      await store.close();
    }
    let r = backflip("resume", run, "--steps", "4096", "--json");
    for (let i = 0; i < 5 && r.code === 2 && /being trained/.test(r.stderr); i++) {
      await new Promise((done) => setTimeout(done, 200)); // the released lock's session ends
      r = backflip("resume", run, "--steps", "4096", "--json");
    }
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout.trim().split("\n").at(-1)!).steps, 4096);
    const after = await openRunStore(run);
    try {
      assert.equal(await after.countAnswers(), 8, "the labels the run wanted, once each");
    } finally {
      await after.close();
    }
  });

  test("a SQLite run refuses --store, and a URL that is not Postgres is refused", () => {
    const sqliteRun = join(parent, "sqlite-run");
    const r = backflip(
      "train",
      "--env",
      "Pendulum-v1",
      "--teacher",
      "oracle",
      "--labels",
      "4",
      "--steps",
      "1024",
      "--eval-episodes",
      "1",
      "--run",
      sqliteRun,
    );
    assert.equal(r.code, 0, r.stderr);
    const refused = backflip("resume", sqliteRun, "--steps", "8192", "--store", pg.url);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /keeps its store in store\.sqlite, so --store does not apply/);
    const bad = refusedTrain(
      "--env",
      "Pendulum-v1",
      "--teacher",
      "oracle",
      "--store",
      "mysql://x@h/db",
    );
    assert.match(bad.stderr, /--store must be a Postgres URL/);
  });
});
