/**
 * Sweeps on the Postgres queue, through the CLI as a user runs them: a spec is queued once, a bad
 * one not at all; a worker trains tiny Pendulum runs to the end; a worker killed with SIGKILL
 * mid-run loses nothing: a second worker resumes the run that had a checkpoint, restarts the one
 * that had none, and each finishes once.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SweepSpecError } from "../../src/sweep/cell.ts";
import { listAttempts, listRuns, retryFailed, SweepDb } from "../../src/sweep/index.ts";
import { parseSweepSpec } from "../../src/sweep/spec.ts";
import { backflip } from "../cli/helpers.ts";
import { freshDatabase } from "../support/postgres.ts";

const pg = await freshDatabase("sweep");
const bin = join(import.meta.dirname, "..", "..", "bin", "backflip.js");
const scratch = mkdtempSync(join(tmpdir(), "backflip-sweep-"));
const tiny = { "eval-episodes": 5 };
/** The worker processes of a failed test must not outlive it. */
const live: ChildProcess[] = [];
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

function specFile(name: string, spec: unknown): string {
  const path = join(scratch, `${name}.json`);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

function startWorker(runs: string, ...extra: string[]) {
  const child = spawn(
    process.execPath,
    [bin, "worker", "--db", pg.url, "--runs", runs, "--lease", "3", "--poll", "0.2", ...extra],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  live.push(child);
  let log = "";
  child.stdout!.on("data", (d) => {
    log += d;
  });
  child.stderr!.on("data", (d) => {
    log += d;
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { child, log: () => log, exited };
}

async function until(what: string, ready: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("a sweep spec", () => {
  test("is refused, naming the problem, when its shape is wrong or a flag is not train's", () => {
    const good = {
      env: ["Pendulum-v1"],
      teacher: ["oracle"],
      labels: [10],
      seeds: [1],
      steps: 2000,
    };
    assert.throws(() => parseSweepSpec({ ...good, steps: undefined }), /'steps'/);
    assert.throws(() => parseSweepSpec({ ...good, seed: [1] }), SweepSpecError);
    assert.throws(
      () => parseSweepSpec({ ...good, flags: { "eval-episods": 5 } }),
      /'flags.eval-episods' is not a train flag; did you mean 'eval-episodes'\?/,
    );
    assert.throws(() => parseSweepSpec({ ...good, flags: { steps: 5 } }), /set by the sweep/);
    assert.throws(() => parseSweepSpec({ ...good, seeds: [1, 1] }), /lists 1 twice/);
    assert.deepEqual(parseSweepSpec(good).flags, {});
  });
});

describe("sweeps on Postgres", { skip: pg.skip }, () => {
  let db: SweepDb;
  const jobs = async () =>
    Number(
      (
        await db.pool.query(
          "select count(*) as n from graphile_worker.jobs where task_identifier = 'backflip_sweep_run'",
        )
      ).rows[0].n,
    );
  before(async () => {
    db = await SweepDb.open(pg.url);
  });
  after(async () => {
    await db?.close();
    await pg.drop();
  });

  test("a spec queues one run per cell, once; a bad one queues nothing", async () => {
    const spec = specFile("grid", {
      name: "grid",
      env: ["Pendulum-v1", "CartPole-v1"],
      teacher: ["oracle"],
      labels: [10, 20],
      seeds: [1, 2],
      steps: 2000,
      flags: tiny,
    });
    const first = backflip("sweep", "add", spec, "--db", pg.url, "--json");
    assert.equal(first.code, 0, first.stderr);
    const added = JSON.parse(first.stdout) as { added: string[]; existing: unknown[] };
    assert.equal(added.added.length, 8);
    assert.equal(new Set(added.added).size, 8);
    assert.ok(added.added.some((n) => n.startsWith("grid-CartPole-v1-oracle-l20-s2-")));
    assert.equal(await jobs(), 8);

    const again = backflip("sweep", "add", spec, "--db", pg.url, "--json");
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout) as { added: string[]; existing: { state: string }[] };
    assert.deepEqual(second.added, []);
    assert.equal(second.existing.length, 8);
    assert.equal(await jobs(), 8, "adding the same spec twice queues nothing new");

    const badEnv = specFile("bad-env", {
      env: ["Pendulum-v1", "Pendlum-v1"],
      teacher: ["oracle"],
      labels: [10],
      seeds: [1],
      steps: 2000,
    });
    const refused = backflip("sweep", "add", badEnv, "--db", pg.url);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /unknown env 'Pendlum-v1'; did you mean 'Pendulum-v1'\?/);
    assert.match(refused.stderr, /nothing was queued/);
    const badFlag = specFile("bad-flag", {
      env: ["Pendulum-v1"],
      teacher: ["oracle", "human"],
      labels: [10],
      seeds: [1],
      steps: 2000,
    });
    const human = backflip("sweep", "add", badFlag, "--db", pg.url);
    assert.equal(human.code, 2);
    assert.match(human.stderr, /teacher 'human' cannot be swept/);
    assert.equal(await jobs(), 8);
    assert.equal((await listRuns(db)).length, 8);

    // Out of the way of the workers below.
    await db.pool.query(
      "select graphile_worker.remove_job(name) from backflip.sweep_runs where sweep = 'grid'",
    );
    await db.pool.query("delete from backflip.sweep_runs where sweep = 'grid'");
  });

  test("a worker trains the queued runs to the end, and status shows them", async () => {
    const spec = specFile("tiny", {
      name: "tiny",
      env: ["Pendulum-v1"],
      teacher: ["oracle"],
      labels: [10],
      seeds: [1],
      steps: 2000,
      flags: tiny,
    });
    assert.equal(backflip("sweep", "add", spec, "--db", pg.url).code, 0);
    // One more whose preferences live in Postgres: the spec's flags.store reaches train.
    const onPostgres = specFile("tiny-store", {
      name: "tinystore",
      env: ["Pendulum-v1"],
      teacher: ["oracle"],
      labels: [10],
      seeds: [1],
      steps: 2000,
      flags: { ...tiny, store: pg.url },
    });
    assert.equal(backflip("sweep", "add", onPostgres, "--db", pg.url).code, 0);
    const runs = join(scratch, "runs-tiny");
    const worker = startWorker(runs, "--drain");
    assert.equal(await worker.exited, 0, worker.log());
    const rows = await listRuns(db, "tiny");
    assert.equal(rows.length, 1);
    for (const row of rows) {
      assert.equal(row.state, "done", worker.log());
      assert.equal(row.attempts, 1);
      assert.ok(row.evalReturn !== null && row.evalReturn < 0);
      assert.ok(row.wallSeconds !== null && row.wallSeconds > 0);
      const result = JSON.parse(readFileSync(join(runs, row.name, "result.json"), "utf8"));
      assert.equal(result.evalReturn.mean, row.evalReturn);
      assert.ok(existsSync(join(runs, row.name, "sweep.log")));
    }
    const [stored] = await listRuns(db, "tinystore");
    assert.equal(stored.state, "done", worker.log());
    const where = JSON.parse(readFileSync(join(runs, stored.name, "store.json"), "utf8"));
    assert.equal(where.kind, "postgres");
    assert.equal(existsSync(join(runs, stored.name, "store.sqlite")), false);
    const status = backflip("sweep", "status", "--db", pg.url, "--sweep", "tiny");
    assert.equal(status.code, 0, status.stderr);
    for (const row of rows) assert.match(status.stdout, new RegExp(`${row.name} .* done `));
    assert.match(status.stdout, /1 run: 1 done/);

    // retry puts failed runs back, and only those.
    await db.pool.query("update backflip.sweep_runs set state = 'failed' where name = $1", [
      rows[0].name,
    ]);
    assert.deepEqual(await retryFailed(db), [rows[0].name]);
    await db.pool.query("update backflip.sweep_runs set state = 'done' where name = $1", [
      rows[0].name,
    ]);
    await db.pool.query("select graphile_worker.remove_job($1)", [rows[0].name]);
  });

  test("a worker killed mid-run: another resumes from the checkpoint or restarts, once each", async () => {
    const cell = { env: ["Pendulum-v1"], teacher: ["oracle"], labels: [30], seeds: [1] };
    const steps = 30_000;
    const flags = { ...tiny, "checkpoint-every": 0.3 };
    const runs = join(scratch, "runs-killed");
    const pointer = (name: string) => join(runs, name, "checkpoint.json");
    const lockPid = (name: string) => Number(readFileSync(join(runs, name, "LOCK"), "utf8"));

    // The first run is killed once it has a checkpoint of RL steps.
    assert.equal(
      backflip(
        "sweep",
        "add",
        specFile("ck", { name: "ck", ...cell, steps, flags }),
        "--db",
        pg.url,
      ).code,
      0,
    );
    const ck = (await listRuns(db, "ck"))[0].name;
    const a = startWorker(runs);
    await until("a checkpoint after some RL", () => {
      try {
        return JSON.parse(readFileSync(pointer(ck), "utf8")).envSteps > 0;
      } catch {
        return false;
      }
    });
    const ckChild = lockPid(ck);
    a.child.kill("SIGKILL");
    await a.exited;

    // The second before its child has written anything: no config, no checkpoint.
    assert.equal(
      backflip(
        "sweep",
        "add",
        specFile("nock", { name: "nock", ...cell, steps, flags }),
        "--db",
        pg.url,
      ).code,
      0,
    );
    const nock = (await listRuns(db, "nock"))[0].name;
    const a2 = startWorker(runs);
    await until("the second run's attempt", () => existsSync(join(runs, nock, "sweep.log")));
    a2.child.kill("SIGKILL");
    await a2.exited;
    const wroteConfig = existsSync(join(runs, nock, "config.json"));
    assert.equal(existsSync(pointer(nock)), false, "killed before its first checkpoint");
    await until("the killed worker's run to die with it", () => !isAlive(ckChild), 5000);

    const b = startWorker(runs, "--drain", "--concurrency", "2");
    assert.equal(await b.exited, 0, b.log());
    const rows = [...(await listRuns(db, "ck")), ...(await listRuns(db, "nock"))];
    const attempts = (await listAttempts(db)).filter((x) => x.run === ck || x.run === nock);
    for (const row of rows) {
      assert.equal(row.state, "done", b.log());
      assert.equal(row.attempts, 2);
      const mine = attempts.filter((x) => x.run === row.name);
      assert.deepEqual(
        mine.map((x) => x.outcome),
        ["lost", "done"],
        "each run finishes once, on the second worker",
      );
      const result = JSON.parse(readFileSync(join(runs, row.name, "result.json"), "utf8"));
      assert.ok(result.steps >= steps);
      assert.equal(result.labels, 30);
    }
    const resumed = attempts.find((x) => x.run === ck && x.attempt === 2)!;
    assert.equal(resumed.how, "resume");
    assert.ok(resumed.fromSteps! > 0);
    const restarted = attempts.find((x) => x.run === nock && x.attempt === 2)!;
    assert.equal(restarted.how, "restart");
    assert.match(b.log(), wroteConfig ? /restarting \(no checkpoint/ : /restarting from nothing/);
    assert.match(b.log(), /is lost/);
    const status = backflip("sweep", "status", "--db", pg.url, "--attempts");
    assert.match(status.stdout, new RegExp(`${ck} #2 on .*: resume from \\d+ steps → done`));
    assert.match(status.stdout, new RegExp(`${nock} #1 on .*: train → lost`));
  });
});
