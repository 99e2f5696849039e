import assert from "node:assert/strict";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  AlreadyAnsweredError,
  appliedMigrations,
  InvalidAnswerError,
  LabellerExistsError,
  LeaseExpiredError,
  LeaseUsedError,
  MIGRATIONS,
  PreferenceStore,
  RequestIdConflictError,
  UnknownLeaseError,
  UnknownQueryError,
} from "../../src/store/index.ts";
import { makeClip, makeQuery, storeBackends, tempDir, withStore } from "./helpers.ts";

for (const backend of await storeBackends("store_api")) {
  describe(backend.name, { skip: backend.skip }, () => {
    after(() => backend.cleanup());

    test("clips and queries round-trip through the store", async () => {
      const place = backend.place();
      let store = await backend.open(place);
      const clip = makeClip("c1", 7, 6);
      clip.unhealthy = new Uint8Array([0, 0, 1, 1, 0, 0]);
      clip.signals = { height: new Float32Array([1, 2, 3, 4, 5, 6]) };
      await store.addClips([clip]);
      await store.addClips([clip]); // already stored: left as it is
      const q = makeQuery("q1", 0.25);
      await store.addQuery(q, "pretrain", { createdAt: 5 });
      await store.close();

      store = await backend.open(place);
      assert.deepEqual(await store.getClip("c1"), clip);
      assert.equal(await store.getClip("nope"), null);
      assert.deepEqual(await store.getQuery("q1"), q);
      assert.deepEqual(await store.getQueryRecord("q1"), {
        id: "q1",
        leftClipId: "q1-L",
        rightClipId: "q1-R",
        disagreement: 0.25,
        phase: "pretrain",
        repeatOf: null,
        createdAt: 5,
      });
      assert.equal(await store.countQueries(), 1);
      await store.close();
    });

    test("migrations are recorded; reopening applies only the missing ones", async () => {
      const place = backend.place();
      let store = await backend.open(place, { migrations: MIGRATIONS.slice(0, 1) });
      assert.deepEqual(await appliedMigrations(store.kysely), ["0001_initial"]);
      await store.addQuery(makeQuery("q1"), "online");
      await store.close();

      const ran: string[] = [];
      const spy = MIGRATIONS.map((m) => ({
        name: m.name,
        up: async (...args: Parameters<typeof m.up>) => {
          ran.push(m.name);
          await m.up(...args);
        },
      }));
      store = await backend.open(place, { migrations: spy });
      assert.deepEqual(
        ran,
        MIGRATIONS.slice(1).map((m) => m.name),
      );
      assert.deepEqual(
        await appliedMigrations(store.kysely),
        MIGRATIONS.map((m) => m.name),
      );
      assert.equal(await store.countQueries(), 1, "data survives the migration");
      await store.close();

      ran.length = 0;
      store = await backend.open(place, { migrations: spy });
      assert.deepEqual(ran, [], "nothing runs twice");
      await store.close();
    });

    test("a retried answer is stored once; unknown queries and bad answers are rejected", async () => {
      await withStore(backend, async (store) => {
        await store.addQueries([makeQuery("q1"), makeQuery("q2")], "online");
        const input = {
          queryId: "q1",
          answer: "left",
          labeller: "ann",
          time: 1,
          requestId: "r1",
        } as const;
        const first = await store.recordAnswer(input);
        assert.equal(first.stored, true);
        const again = await store.recordAnswer({ ...input, answer: "right", time: 2 });
        assert.equal(again.stored, false);
        assert.deepEqual(again.answer, first.answer, "the retry gets the stored answer");
        assert.equal(await store.countAnswers(), 1);

        await assert.rejects(
          store.recordAnswer({ ...input, queryId: "q9", requestId: "r2" }),
          UnknownQueryError,
        );
        await assert.rejects(
          store.recordAnswer({ ...input, queryId: "q2", requestId: "r1" }),
          RequestIdConflictError,
        );
        await assert.rejects(
          store.recordAnswer({ ...input, requestId: "r3" }),
          AlreadyAnsweredError,
        );
        await assert.rejects(
          // biome-ignore lint/suspicious/noExplicitAny: an untyped client sends a bad answer
          store.recordAnswer({ ...input, queryId: "q2", requestId: "r4", answer: "up" as any }),
          InvalidAnswerError,
        );
        // Another labeller may answer the same query.
        assert.equal(
          (await store.recordAnswer({ ...input, labeller: "bob", requestId: "r5" })).stored,
          true,
        );
        assert.equal(await store.countAnswers(), 2);
      });
    });

    test("answeredPairs returns trainable answers with decoded clips; answersSince polls", async () => {
      await withStore(backend, async (store) => {
        const queries = [makeQuery("q1"), makeQuery("q2"), makeQuery("q3")];
        await store.addQueries(queries, "pretrain");
        const answers = ["left", "cant_tell", "equal"] as const;
        for (let i = 0; i < 3; i++) {
          await store.recordAnswer({
            queryId: queries[i].id,
            answer: answers[i],
            labeller: "oracle",
            time: 100 + i,
            requestId: `r${i}`,
          });
        }
        const pairs = await store.answeredPairs();
        assert.deepEqual(
          pairs.map((p) => [p.queryId, p.answer, p.phase]),
          [
            ["q1", "left", "pretrain"],
            ["q3", "equal", "pretrain"],
          ],
        );
        assert.deepEqual(pairs[0].left, queries[0].left);
        assert.deepEqual(pairs[1].right, queries[2].right);

        const all = await store.answersSince(0);
        assert.equal(all.length, 3);
        const later = await store.answersSince(all[0].id);
        assert.deepEqual(
          later.map((a) => a.queryId),
          ["q2", "q3"],
        );
        assert.deepEqual(await store.answersSince(all[2].id), []);
        assert.deepEqual(await store.pendingQueries(), []);
      });
    });

    test("a repeated query points at its original", async () => {
      await withStore(backend, async (store) => {
        const q = makeQuery("q1");
        await store.addQuery(q, "online");
        await store.addQuery({ ...q, id: "q1-again", left: q.right, right: q.left }, "online", {
          repeatOf: "q1",
        });
        assert.equal((await store.getQueryRecord("q1-again"))?.repeatOf, "q1");
        await assert.rejects(
          store.addQuery({ ...q, id: "q2" }, "online", { repeatOf: "missing" }),
          UnknownQueryError,
        );
      });
    });

    test("leases hand out each query once; an expired lease returns the query to the pool", async () => {
      await withStore(backend, async (store) => {
        await store.addQuery(makeQuery("q1"), "online", { createdAt: 1 });
        await store.addQuery(makeQuery("q2"), "online", { createdAt: 2 });
        const a = await store.leaseNextQuery("ann", 1000, 10_000);
        const b = await store.leaseNextQuery("bob", 1000, 10_000);
        assert.equal(a?.query.id, "q1");
        assert.equal(b?.query.id, "q2");
        assert.deepEqual(a?.query, makeQuery("q1"));
        assert.equal(await store.leaseNextQuery("cat", 1000, 10_500), null, "all leased");

        // ann's lease runs out: cat gets q1, and ann can no longer answer on it.
        const c = await store.leaseNextQuery("cat", 1000, 11_000);
        assert.equal(c?.query.id, "q1");
        await assert.rejects(
          store.submitLeased({ leaseId: a!.leaseId, answer: "left", requestId: "ra", now: 11_001 }),
          LeaseExpiredError,
        );
        // Even with a clock that went back, the superseded lease stays dead.
        await assert.rejects(
          store.submitLeased({ leaseId: a!.leaseId, answer: "left", requestId: "ra", now: 10_001 }),
          LeaseExpiredError,
        );
        const res = await store.submitLeased({
          leaseId: c!.leaseId,
          answer: "right",
          requestId: "rc",
          now: 11_500,
        });
        assert.deepEqual(
          {
            stored: res.stored,
            q: res.answer.queryId,
            who: res.answer.labeller,
            t: res.answer.time,
          },
          { stored: true, q: "q1", who: "cat", t: 11_500 },
        );
        await assert.rejects(
          store.submitLeased({ leaseId: "nope", answer: "left", requestId: "rx" }),
          UnknownLeaseError,
        );
        assert.deepEqual(
          (await store.pendingQueries()).map((q) => q.id),
          ["q2"],
        );
        // q1 is answered; bob's lease on q2 has run out, so dan gets q2.
        assert.equal((await store.leaseNextQuery("dan", 1000, 11_600))?.query.id, "q2");
        assert.equal(await store.leaseNextQuery("eve", 1000, 11_700), null);
      });
    });

    test("a second answer on a lease is refused and changes nothing; a resend is idempotent", async () => {
      await withStore(backend, async (store) => {
        await store.addQueries([makeQuery("q1"), makeQuery("q2")], "online");
        const lease = (await store.leaseNextQuery("ann", 60_000, 0))!;
        const first = await store.submitLeased({
          leaseId: lease.leaseId,
          answer: "left",
          requestId: "r1",
          now: 10,
        });
        assert.equal(first.stored, true);
        const before = await store.answersSince(0);

        await assert.rejects(
          store.submitLeased({ leaseId: lease.leaseId, answer: "right", requestId: "r2", now: 20 }),
          LeaseUsedError,
        );
        const resend = await store.submitLeased({
          leaseId: lease.leaseId,
          answer: "left",
          requestId: "r1",
          now: 30,
        });
        assert.equal(resend.stored, false);
        assert.deepEqual(resend.answer, first.answer);
        // Even after expiry, the resend finds the stored answer.
        const late = await store.submitLeased({
          leaseId: lease.leaseId,
          answer: "left",
          requestId: "r1",
          now: 999_999,
        });
        assert.deepEqual(late.answer, first.answer);
        assert.deepEqual(await store.answersSince(0), before);
      });
    });

    test("undo withdraws the labeller's latest answer and returns its query to the pool", async () => {
      await withStore(backend, async (store) => {
        await store.addQuery(makeQuery("q1"), "online", { createdAt: 1 });
        await store.addQuery(makeQuery("q2"), "online", { createdAt: 2 });
        const l1 = (await store.leaseNextQuery("ann", 60_000, 0))!;
        await store.submitLeased({ leaseId: l1.leaseId, answer: "left", requestId: "r1", now: 1 });
        const l2 = (await store.leaseNextQuery("ann", 60_000, 2))!;
        await store.submitLeased({ leaseId: l2.leaseId, answer: "right", requestId: "r2", now: 3 });
        await store.recordAnswer({
          queryId: "q1",
          answer: "equal",
          labeller: "bob",
          time: 4,
          requestId: "r3",
        });

        const undone = await store.undoLastAnswer("ann", 5);
        assert.equal(undone?.queryId, "q2");
        assert.equal(undone?.answer, "right");
        assert.equal(await store.countAnswers(), 2);
        assert.deepEqual(
          (await store.pendingQueries()).map((q) => q.id),
          ["q2"],
        );
        assert.deepEqual(
          (await store.answeredPairs()).map((p) => [p.queryId, p.labeller]),
          [
            ["q1", "ann"],
            ["q1", "bob"],
          ],
        );
        // A late retry of the undone submit does not bring it back.
        const retry = await store.submitLeased({
          leaseId: l2.leaseId,
          answer: "right",
          requestId: "r2",
          now: 6,
        });
        assert.equal(retry.stored, false);
        assert.equal(await store.countAnswers(), 2);

        // ann can be asked q2 again, and answer it anew.
        const again = (await store.leaseQuery("q2", "ann", 60_000, 7))!;
        assert.equal(again.query.id, "q2");
        assert.equal(await store.leaseNextQuery("bob", 60_000, 8), null, "q2 is leased to ann");
        await store.submitLeased({
          leaseId: again.leaseId,
          answer: "left",
          requestId: "r4",
          now: 9,
        });
        assert.equal(await store.countAnswers(), 3);

        assert.equal((await store.undoLastAnswer("ann", 10))?.requestId, "r4");
        assert.equal((await store.undoLastAnswer("ann", 11))?.requestId, "r1");
        assert.equal(await store.undoLastAnswer("ann", 12), null);
        assert.equal(await store.undoLastAnswer("nobody"), null);
      });
    });

    test("labellers authenticate by token; only a hash is stored", async () => {
      await withStore(backend, async (store) => {
        const { labeller, token } = await store.addLabeller("ann");
        const other = await store.addLabeller("bob");
        assert.notEqual(token, other.token);
        assert.equal(labeller.name, "ann");
        assert.deepEqual(await store.authenticate(token), labeller);
        assert.equal(await store.authenticate(`${token}x`), null);
        assert.equal(await store.authenticate(""), null);
        assert.equal((await store.authenticate(other.token))?.name, "bob");
        await assert.rejects(store.addLabeller("ann"), LabellerExistsError);
        const rows = await store.kysely.selectFrom("labellers").selectAll().execute();
        for (const r of rows) {
          assert.match(r.token_hash ?? "", /^[0-9a-f]{64}$/);
          assert.ok(!Object.values(r).includes(token));
        }
        assert.deepEqual(
          (await store.listLabellers()).map((l) => l.name),
          ["ann", "bob"],
        );
      });
    });

    test("run metadata stores one typed JSON value per key; a malformed one reads as absent", async () => {
      await withStore(backend, async (store) => {
        assert.equal(await store.getMeta("schedule"), undefined);
        await store.setMeta("schedule", { wanted: 10, asked: 4 });
        await store.setMeta("schedule", { wanted: 12, asked: 6 });
        await store.setMeta("control", {});
        assert.deepEqual(await store.getMeta("schedule"), { wanted: 12, asked: 6 });
        assert.deepEqual(await store.getMeta("control"), {});
        // Written by another process, by hand, or by an older version: checked, not cast.
        await store.kysely
          .updateTable("run_meta")
          .set({ value: JSON.stringify({ wanted: "many", asked: 6 }) })
          .where("key", "=", "schedule")
          .execute();
        assert.equal(await store.getMeta("schedule"), undefined);
        await store.kysely
          .insertInto("run_meta")
          .values({ key: "ownerTokenHash", value: "{not json" })
          .execute();
        assert.equal(await store.getMeta("ownerTokenHash"), undefined);
      });
    });

    test("updateMeta changes a value in one transaction, keeping what others wrote", async () => {
      await withStore(backend, async (store) => {
        await Promise.all([
          store.updateMeta("control", (c) => ({ ...c, stopAt: 1 })),
          store.updateMeta("control", (c) => ({ ...c, endLabellingAt: 2 })),
        ]);
        assert.deepEqual(await store.getMeta("control"), { stopAt: 1, endLabellingAt: 2 });
      });
    });
  });
}

// ---- SQLite only

test("the SQLite database runs in WAL mode with full sync", async () => {
  const tmp = tempDir();
  const store = await PreferenceStore.open(join(tmp.dir, "store.sqlite"));
  try {
    const { sql } = await import("kysely");
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.kysely);
    const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.kysely);
    assert.equal(mode.rows[0].journal_mode, "wal");
    assert.equal(sync.rows[0].synchronous, 2);
  } finally {
    await store.close();
    tmp.cleanup();
  }
});
