import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  newRunLocation,
  openStoreAt,
  RunLockedError,
  RunStoreError,
  readRunStore,
  removeNewStore,
  runStoreLocation,
  STORE_ENV,
  writeRunStore,
} from "../../src/store/index.ts";
import { freshDatabase } from "../support/postgres.ts";
import { makeQuery, tempDir } from "./helpers.ts";

const tmp = tempDir();
process.on("exit", tmp.cleanup);
let n = 0;
const runDir = () => {
  const dir = join(tmp.dir, `Run-${n++}.Pendulum`);
  mkdirSync(dir);
  return dir;
};

test("a new run keeps SQLite without a URL; with one, a schema of its own, recorded without the password", () => {
  const plain = runDir();
  assert.deepEqual(newRunLocation(plain), { kind: "sqlite", path: join(plain, "store.sqlite") });

  const dir = runDir();
  const url = "postgres://ann:s3cret@db.example:5433/prefs";
  const location = newRunLocation(dir, url);
  assert.equal(location.kind, "postgres");
  if (location.kind !== "postgres") return;
  assert.match(location.schema, /^run_run_\d+_pendulum_[0-9a-f]{8}$/);
  const other = newRunLocation(dir, url);
  assert.notEqual(other.kind === "postgres" && other.schema, location.schema, "a random part");
  writeRunStore(dir, location);
  const text = readFileSync(join(dir, "store.json"), "utf8");
  assert.ok(!text.includes("s3cret"), "no password in the folder");
  assert.deepEqual(readRunStore(dir), {
    kind: "postgres",
    url: "postgres://ann@db.example:5433/prefs",
    schema: location.schema,
  });

  // Found again from the folder: by its own URL, by --store, or by BACKFLIP_STORE when that
  // names the same database (it brings the password).
  const saved = process.env[STORE_ENV];
  try {
    delete process.env[STORE_ENV];
    assert.deepEqual(runStoreLocation(dir), {
      kind: "postgres",
      url: "postgres://ann@db.example:5433/prefs",
      schema: location.schema,
    });
    process.env[STORE_ENV] = url;
    assert.equal((runStoreLocation(dir) as { url: string }).url, url);
    process.env[STORE_ENV] = "postgres://ann:x@elsewhere:5432/prefs";
    assert.equal(
      (runStoreLocation(dir) as { url: string }).url,
      "postgres://ann@db.example:5433/prefs",
      "another database's URL is not used",
    );
    const given = "postgres://ann:pw@10.0.0.7:5433/prefs";
    assert.deepEqual(runStoreLocation(dir, given), {
      kind: "postgres",
      url: given,
      schema: location.schema,
    });
  } finally {
    if (saved === undefined) delete process.env[STORE_ENV];
    else process.env[STORE_ENV] = saved;
  }
});

test("a folder's store is found, and mistakes are explained", () => {
  const dir = runDir();
  assert.throws(() => runStoreLocation(dir), /has no store\.sqlite, so it is not a run directory/);
  writeFileSync(join(dir, "store.sqlite"), "");
  assert.deepEqual(runStoreLocation(dir), { kind: "sqlite", path: join(dir, "store.sqlite") });
  assert.throws(
    () => runStoreLocation(dir, "postgres://x@h/db"),
    (e: unknown) =>
      e instanceof RunStoreError && /keeps its store in store\.sqlite/.test(e.message),
  );
  assert.throws(() => newRunLocation(dir, "mysql://x@h/db"), /must be a Postgres URL/);
  const broken = runDir();
  writeFileSync(join(broken, "store.json"), '{"kind": "postgres", "url": "postgres://h/db"}');
  assert.throws(() => readRunStore(broken), /should be \{"kind": "postgres"/);
  writeFileSync(
    join(broken, "store.json"),
    '{"kind": "postgres", "url": "postgres://h/db", "schema": "x; drop table y"}',
  );
  assert.throws(() => readRunStore(broken), /not a usable schema name/);
});

const pg = await freshDatabase("run_store");
describe("on Postgres", { skip: pg.skip }, () => {
  after(() => pg.drop());

  test("two runs share one database, each in its own schema", async () => {
    const [dirA, dirB] = [runDir(), runDir()];
    const [a, b] = [newRunLocation(dirA, pg.url), newRunLocation(dirB, pg.url)];
    const storeA = await openStoreAt(a);
    const storeB = await openStoreAt(b);
    try {
      await storeA.addQuery(makeQuery("same-id"), "online");
      await storeA.recordAnswer({
        queryId: "same-id",
        answer: "left",
        labeller: "oracle",
        time: 1,
        requestId: "r1",
      });
      assert.equal(await storeB.countQueries(), 0);
      await storeB.addQuery(makeQuery("same-id"), "online");
      assert.equal((await storeB.answersSince(0)).length, 0);
      assert.equal((await storeA.answersSince(0)).length, 1);
    } finally {
      await storeA.close();
      await storeB.close();
    }
    if (b.kind === "postgres") writeRunStore(dirB, b);
    await removeNewStore(dirB, b);
    assert.equal(existsSync(join(dirB, "store.json")), false);
    const again = await openStoreAt(b);
    try {
      assert.equal(await again.countQueries(), 0, "the schema was dropped with its data");
    } finally {
      await again.close();
    }
    const stillA = await openStoreAt(a);
    try {
      assert.equal(await stillA.countQueries(), 1, "the other run is untouched");
    } finally {
      await stillA.close();
    }
  });

  test("the run lock is held in the database: a second trainer is refused until the first lets go", async () => {
    const location = newRunLocation(runDir(), pg.url);
    const first = await openStoreAt(location);
    const second = await openStoreAt(location);
    try {
      await first.setMeta("trainer", {
        state: "training",
        pace: "wait",
        labels: 10,
        wanted: 1,
        answered: 0,
        envSteps: 0,
        totalSteps: 100,
        waitedSeconds: 0,
        labellingEnded: false,
        heartbeatAt: 1_700_000_000_000,
        pid: 4242,
        host: "elsewhere",
      });
      const lock = await first.lockRun();
      await assert.rejects(second.lockRun(), (e: unknown) => {
        assert.ok(e instanceof RunLockedError);
        assert.match(e.message, /being trained by another process.*pid 4242 on elsewhere/);
        return true;
      });
      lock.release();
      lock.release(); // twice is fine
      // Released when its connection ends, which takes a moment.
      let taken = null;
      for (let i = 0; i < 50 && taken === null; i++) {
        taken = await second.lockRun().catch(() => null);
        if (taken === null) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(taken, "free once released");
      taken.release();
    } finally {
      await first.close();
      await second.close();
    }
  });
});
