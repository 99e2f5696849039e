import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Clip, Query } from "../../src/core/types.ts";
import {
  type AnsweredComparison,
  exportPreferences,
  importPreferences,
  PreferenceFileError,
  PreferenceStore,
  readPreferenceFile,
} from "../../src/store/index.ts";
import { makeClip, tempDir } from "./helpers.ts";

const tmp = tempDir();
after(tmp.cleanup);
let n = 0;
const fresh = (name: string) => join(tmp.dir, `${name}-${n++}`);
const ENV = "Test-v0";

/** A clip with values that are not round decimals, so float32 printing is exercised. */
function clip(id: string, seed: number): Clip {
  const c = makeClip(id, seed, 5);
  c.obs = c.obs.map((v, i) => v + Math.sin(seed * 7 + i) / 3);
  c.rewards = c.rewards.map((v, i) => v * Math.PI + 1e-7 * i);
  if (seed % 2 === 0) {
    c.unhealthy = new Uint8Array([0, 1, 0, 0, 1]);
    c.signals = { height: new Float32Array([1.1, 1.2, 0.3, 2e-9, -5]), x: new Float32Array(5) };
  }
  return c;
}

function query(id: string, seed: number): Query {
  return {
    id,
    left: clip(`${id}-L`, seed),
    right: clip(`${id}-R`, seed + 100),
    disagreement: seed / 10,
  };
}

/**
 * A run directory whose store has 7 queries: answers by owner and alice, a cant_tell, one answer
 * undone and given again, one undone and not given again, one query unanswered. 5 live answers.
 */
async function sourceRun(): Promise<{ dir: string; store: PreferenceStore }> {
  const dir = fresh("run");
  mkdirSync(dir);
  const store = await PreferenceStore.open(join(dir, "store.sqlite"));
  const qs = Array.from({ length: 7 }, (_, i) => query(`q${i}`, i + 1));
  await store.addQueries(qs.slice(0, 4), "pretrain");
  await store.addQueries(qs.slice(4), "online");
  const answer = async (q: number, answer: "left" | "right" | "equal" | "cant_tell", who: string) =>
    store.recordAnswer({
      queryId: `q${q}`,
      answer,
      labeller: who,
      time: 1_700_000_000_000 + q * 1000 + n++,
      requestId: `r${n++}`,
    });
  await answer(0, "left", "owner");
  await answer(1, "right", "alice");
  await answer(2, "cant_tell", "alice");
  await answer(3, "left", "owner");
  await store.undoLastAnswer("owner");
  await answer(3, "equal", "owner");
  await answer(4, "right", "owner");
  await answer(5, "left", "alice");
  await store.undoLastAnswer("alice");
  return { dir, store };
}

async function exported(): Promise<{ dir: string; store: PreferenceStore; file: string }> {
  const run = await sourceRun();
  const file = join(tmp.dir, `prefs-${n++}.jsonl`);
  const count = await exportPreferences(run.store, file, {
    sourceRun: run.dir,
    envId: ENV,
    now: () => 1_800_000_000_000,
  });
  assert.equal(count, 5);
  return { ...run, file };
}

async function emptyStore(): Promise<PreferenceStore> {
  return PreferenceStore.open(`${fresh("target")}.sqlite`);
}

async function clipCount(store: PreferenceStore): Promise<number> {
  const row = await store.kysely
    .selectFrom("clips")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** What must survive the trip: everything but the ids, which the importing store assigns. */
function essence(c: AnsweredComparison) {
  const strip = ({ id: _, ...rest }: Clip) => rest;
  return {
    answer: c.answer,
    labeller: c.labeller,
    time: c.time,
    phase: c.phase,
    disagreement: c.disagreement,
    left: strip(c.left),
    right: strip(c.right),
  };
}

test("export writes a header and one line per live answer, and nothing half-written", async () => {
  const { store, file, dir } = await exported();
  const { header, comparisons } = readPreferenceFile(file);
  assert.deepEqual(header, {
    format: "backflip-preferences",
    version: 1,
    sourceRun: dir,
    envId: ENV,
    exportedAt: 1_800_000_000_000,
    exportedAtIso: "2027-01-15T08:00:00.000Z",
    count: 5,
  });
  assert.deepEqual(
    comparisons.map((c) => [c.queryId, c.answer, c.labeller, c.phase]),
    [
      ["q0", "left", "owner", "pretrain"],
      ["q1", "right", "alice", "pretrain"],
      ["q2", "cant_tell", "alice", "pretrain"],
      ["q3", "equal", "owner", "pretrain"],
      ["q4", "right", "owner", "online"],
    ],
  );
  const first = comparisons[0];
  assert.equal(first.timeIso, new Date(first.time).toISOString());
  assert.equal(first.left.steps, 5);
  assert.equal(first.left.obs.length, 5);
  assert.equal(first.left.obs[0].length, 3);
  assert.deepEqual(first.left.frames[1], { kind: "cartpole", x: 0.1, theta: 0.5 });
  assert.deepEqual(comparisons[1].left.unhealthy, [0, 1, 0, 0, 1]);
  assert.deepEqual(Object.keys(comparisons[1].left.signals ?? {}), ["height", "x"]);
  assert.deepEqual(
    readdirSync(tmp.dir).filter((f) => f.includes(".tmp")),
    [],
  );
  await store.close();
});

test("an import round-trips answers, labellers and clips exactly, and a trainer sees them", async () => {
  const { store: source, file } = await exported();
  const target = await emptyStore();
  const result = await importPreferences(target, file, { envId: ENV });
  assert.deepEqual(result, { comparisons: 5, added: 5, skipped: 0 });
  assert.equal(await target.countAnswers(), 5);
  assert.equal(await target.countQueries(), 5);
  assert.equal(await clipCount(target), 10);
  assert.deepEqual(await target.pendingQueries(), []);

  const before = await source.answeredComparisons();
  const after = await target.answeredComparisons();
  assert.deepEqual(after.map(essence), before.map(essence));
  for (const c of after) {
    assert.match(c.left.id, /^imp-[0-9a-f]{16}$/);
    assert.match(c.queryId, /^imp-[0-9a-f]{16}$/);
  }
  // The polling a training loop does: every imported answer, cant_tell included, in order.
  const polled = await target.answersSince(0);
  assert.deepEqual(
    polled.map((a) => [a.answer, a.labeller, a.time]),
    before.map((a) => [a.answer, a.labeller, a.time]),
  );
  assert.deepEqual(
    (await target.answeredPairs()).map((p) => p.answer),
    ["left", "right", "equal", "right"],
  );
  assert.deepEqual(
    (await target.labellerActivity()).map((a) => [a.labeller, a.answers]),
    [
      ["alice", 2],
      ["owner", 3],
    ],
  );
  await Promise.all([source.close(), target.close()]);
});

test("importing the same comparisons again adds nothing, from the file or the run directory", async () => {
  const { store: source, file, dir } = await exported();
  await source.close();
  const target = await emptyStore();
  await importPreferences(target, file, { envId: ENV });
  assert.deepEqual(await importPreferences(target, file, { envId: ENV }), {
    comparisons: 5,
    added: 0,
    skipped: 5,
  });
  assert.deepEqual(await importPreferences(target, dir, { envId: ENV }), {
    comparisons: 5,
    added: 0,
    skipped: 5,
  });
  assert.equal(await target.countAnswers(), 5);
  assert.equal(await target.countQueries(), 5);
  assert.equal(await clipCount(target), 10);
  await target.close();
});

test("a run's own labels do not come back twice, even through another run", async () => {
  const { store: a, file: fromA, dir: dirA } = await exported();
  assert.deepEqual(await importPreferences(a, fromA, { envId: ENV }), {
    comparisons: 5,
    added: 0,
    skipped: 5,
  });

  // B takes A's labels, gets one of its own, and is imported back into A: only B's own is new.
  const dirB = fresh("run");
  mkdirSync(dirB);
  const b = await PreferenceStore.open(join(dirB, "store.sqlite"));
  await importPreferences(b, fromA, { envId: ENV });
  await b.addQuery(query("qb", 50), "online");
  await b.recordAnswer({
    queryId: "qb",
    answer: "left",
    labeller: "bob",
    time: 5,
    requestId: "b1",
  });
  const fromB = join(tmp.dir, `b-${n++}.jsonl`);
  assert.equal(await exportPreferences(b, fromB, { sourceRun: dirB, envId: ENV }), 6);
  assert.deepEqual(await importPreferences(a, fromB, { envId: ENV }), {
    comparisons: 6,
    added: 1,
    skipped: 5,
  });
  assert.equal(await a.countAnswers(), 6);
  assert.equal(await a.countQueries(), 8); // its own 7 and bob's
  assert.equal((await a.answersSince(0)).at(-1)?.labeller, "bob");
  await b.close();
  await a.close();
  const c = await emptyStore();
  assert.equal((await importPreferences(c, dirA, { envId: ENV })).added, 6);
  await c.close();
});

test("comparisons of another env are refused with the ids found, and nothing is written", async () => {
  const { store: source, file } = await exported();
  await source.close();
  const target = await emptyStore();
  await assert.rejects(
    importPreferences(target, file, { envId: "Pendulum-v1" }),
    (error: Error) => {
      assert.match(error.message, /Test-v0 \(10 clips\)/);
      assert.match(error.message, /this run's env is Pendulum-v1/);
      assert.match(error.message, /nothing was imported/);
      return true;
    },
  );
  assert.equal(await target.countAnswers(), 0);
  assert.equal(await target.countQueries(), 0);
  assert.equal(await clipCount(target), 0);
  await target.close();
});

test("a bad line is refused with its line number and field", async () => {
  const { store, file } = await exported();
  await store.close();
  const lines = readFileSync(file, "utf8").split("\n");
  const broken = (edit: (lines: string[]) => void) => {
    const copy = [...lines];
    edit(copy);
    const path = join(tmp.dir, `broken-${n++}.jsonl`);
    writeFileSync(path, copy.join("\n"));
    return path;
  };
  const refuses = (path: string, line: number, field: string | null, message: RegExp) => {
    assert.throws(
      () => readPreferenceFile(path),
      (error: unknown) => {
        assert.ok(error instanceof PreferenceFileError);
        assert.equal(error.line, line);
        assert.equal(error.field, field);
        assert.match(error.message, message);
        return true;
      },
    );
  };

  refuses(
    broken((l) => {
      l[2] = l[2].replace('"answer":"right"', '"answer":"maybe"');
    }),
    3,
    "answer",
    /line 3, field answer/,
  );
  refuses(
    broken((l) => {
      l[4] = l[4].slice(0, 100);
    }),
    5,
    null,
    /line 5: not valid JSON/,
  );
  refuses(
    broken((l) => {
      const record = JSON.parse(l[1]);
      record.left.obs[2].pop();
      l[1] = JSON.stringify(record);
    }),
    2,
    "left.obs[2]",
    /has 2 values; expected 3/,
  );
  refuses(
    broken((l) => {
      const record = JSON.parse(l[3]);
      delete record.right.rewards;
      l[3] = JSON.stringify(record);
    }),
    4,
    "right.rewards",
    /line 4, field right\.rewards/,
  );
  refuses(
    broken((l) => {
      l.splice(5, 1);
    }),
    1,
    "count",
    /header says 5 comparisons but the file holds 4/,
  );
  refuses(
    broken((l) => {
      l[0] = l[0].replace('"version":1', '"version":2');
    }),
    1,
    "version",
    /newer than the 1/,
  );
  refuses(
    broken((l) => {
      l[0] = "{}";
    }),
    1,
    "format",
    /not a preference file/,
  );

  const target = await emptyStore();
  await assert.rejects(
    importPreferences(
      target,
      broken((l) => l.splice(3, 1)),
      { envId: ENV },
    ),
    PreferenceFileError,
  );
  assert.equal(await target.countAnswers(), 0);
  await target.close();
});

test("non-finite values are written as null and read back as NaN", async () => {
  const store = await emptyStore();
  const q = query("qn", 3);
  q.left.rewards[1] = Number.NaN;
  q.left.obs[0] = Number.POSITIVE_INFINITY;
  await store.addQuery(q, "online");
  await store.recordAnswer({
    queryId: "qn",
    answer: "left",
    labeller: "o",
    time: 1,
    requestId: "n",
  });
  const file = join(tmp.dir, `nan-${n++}.jsonl`);
  await exportPreferences(store, file, { sourceRun: "x", envId: ENV });
  const { comparisons } = readPreferenceFile(file);
  assert.equal(comparisons[0].left.rewards[1], null);
  assert.equal(comparisons[0].left.obs[0][0], null);
  const target = await emptyStore();
  await importPreferences(target, file, { envId: ENV });
  const [imported] = await target.answeredComparisons();
  assert.ok(Number.isNaN(imported.left.rewards[1]));
  assert.ok(Number.isNaN(imported.left.obs[0]));
  assert.equal(imported.left.rewards[2], q.left.rewards[2]);
  await Promise.all([store.close(), target.close()]);
});

test("the Python snippet in docs/preferences-format.md reads an exported file", async (t) => {
  if (spawnSync("python3", ["--version"]).status !== 0) {
    t.skip("python3 is not on PATH");
    return;
  }
  const doc = readFileSync(
    join(import.meta.dirname, "..", "..", "docs", "preferences-format.md"),
    "utf8",
  );
  const snippet = /```python\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(snippet, "the doc has a ```python block");
  const { store, file } = await exported();
  await store.close();
  const r = spawnSync("python3", ["-c", snippet, file], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Test-v0: 5 answers from /);
  assert.match(r.stdout, /^ {2}alice: 2$/m);
  assert.match(r.stdout, /^ {2}owner: 3$/m);
  assert.match(r.stdout, /^clip q0-L: 5 steps of 3 numbers, first \[/m);
  assert.match(r.stdout, /^total: 5$/m);
});
