import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { MIGRATIONS, type PreferenceStore, UnknownLeaseError } from "../../src/store/index.ts";
import { makeQuery, storeBackends, withStore } from "./helpers.ts";

async function addRepeatGroup(store: PreferenceStore): Promise<void> {
  const q = makeQuery("o");
  await store.addQuery(q, "online", { createdAt: 1 });
  await store.addQuery({ ...q, id: "o-r1", left: q.right, right: q.left }, "online", {
    createdAt: 2,
    repeatOf: "o",
  });
  await store.addQuery({ ...q, id: "o-r2" }, "online", { createdAt: 3, repeatOf: "o" });
  await store.addQuery(makeQuery("x"), "online", { createdAt: 4 });
}

for (const backend of await storeBackends("leasing")) {
  describe(backend.name, { skip: backend.skip }, () => {
    after(() => backend.cleanup());

    test("a query and its repeats are leased to different labellers", async () => {
      await withStore(backend, async (store) => {
        await addRepeatGroup(store);
        const a1 = await store.leaseNextQuery("ann", 1000, 0);
        assert.equal(a1?.query.id, "o");
        // Holding the original, ann skips both repeats.
        assert.equal((await store.leaseNextQuery("ann", 1000, 1))?.query.id, "x");
        assert.equal(await store.leaseNextQuery("ann", 1000, 2), null);
        assert.equal(await store.leaseQuery("o-r1", "ann", 1000, 3), null);
        assert.equal((await store.leaseNextQuery("bob", 1000, 4))?.query.id, "o-r1");
        // bob holds r1, so not r2; cat may take r2.
        assert.equal(await store.leaseNextQuery("bob", 1000, 5), null);
        assert.equal((await store.leaseNextQuery("cat", 1000, 6))?.query.id, "o-r2");

        await store.submitLeased({ leaseId: a1!.leaseId, answer: "left", requestId: "a", now: 10 });
        // ann's leases on x ran out long ago, and cat's on r2 too: ann still never gets a repeat of o.
        assert.equal((await store.leaseNextQuery("ann", 1000, 5000))?.query.id, "x");
        assert.equal(await store.leaseNextQuery("ann", 1000, 5001), null);
        assert.equal((await store.leaseNextQuery("dan", 1000, 5002))?.query.id, "o-r1");
      });
    });

    test("a labeller who answered a repeat first is not handed the original", async () => {
      await withStore(backend, async (store) => {
        await addRepeatGroup(store);
        await store.recordAnswer({
          queryId: "o-r1",
          answer: "right",
          labeller: "ann",
          time: 1,
          requestId: "r",
        });
        assert.equal((await store.leaseNextQuery("ann", 1000, 0))?.query.id, "x");
        assert.equal((await store.leaseNextQuery("bob", 1000, 0))?.query.id, "o");
        // Once ann's answer is undone she may see the group again.
        await store.undoLastAnswer("ann", 2);
        assert.equal((await store.leaseNextQuery("ann", 1000, 1))?.query.id, "o-r1");
      });
    });

    test("leaseQuery renews the caller's own lease but not another's", async () => {
      await withStore(backend, async (store) => {
        await store.addQuery(makeQuery("q"), "online");
        const first = await store.leaseQuery("q", "ann", 1000, 0);
        const again = await store.leaseQuery("q", "ann", 1000, 10);
        assert.ok(first && again && again.leaseId !== first.leaseId);
        assert.equal(await store.leaseQuery("q", "bob", 1000, 20), null);
        await assert.rejects(
          store.submitLeased({ leaseId: first!.leaseId, answer: "left", requestId: "r1", now: 30 }),
          /expired/,
        );
        await assert.rejects(
          store.submitLeased({
            leaseId: again!.leaseId,
            answer: "left",
            requestId: "r2",
            now: 30,
            labeller: "bob",
          }),
          UnknownLeaseError,
        );
        const ok = await store.submitLeased({
          leaseId: again!.leaseId,
          answer: "left",
          requestId: "r3",
          now: 30,
          labeller: "ann",
        });
        assert.equal(ok.stored, true);
      });
    });

    test("answer counts, activity, recent answers and repeat agreement", async () => {
      await withStore(backend, async (store) => {
        await addRepeatGroup(store);
        const rec = (
          queryId: string,
          answer: "left" | "right" | "equal" | "cant_tell",
          labeller: string,
          time: number,
        ) =>
          store.recordAnswer({
            queryId,
            answer,
            labeller,
            time,
            requestId: `${queryId}-${labeller}`,
          });
        await rec("o", "left", "ann", 100);
        await rec("o-r1", "right", "bob", 200); // swapped clips: agrees with ann
        await rec("o-r2", "right", "cat", 300); // same orientation: disagrees
        await rec("x", "cant_tell", "ann", 400);
        await rec("o-r1", "left", "ann", 50); // the same labeller on both: not an inter-labeller pair

        assert.deepEqual(await store.labellerAnswerCounts("ann", 100), { total: 3, since: 2 });
        assert.deepEqual(await store.labellerAnswerCounts("nobody", 0), { total: 0, since: 0 });
        // Bare names are synthetic teachers' (kind 'teacher', no labeller id).
        assert.deepEqual(
          (await store.labellerActivity()).map((a) => [
            a.labeller,
            a.kind,
            a.answers,
            a.lastAnswerAt,
          ]),
          [
            ["ann", "teacher", 3, 400],
            ["bob", "teacher", 1, 200],
            ["cat", "teacher", 1, 300],
          ],
        );
        assert.deepEqual(await store.repeatAgreement(), { pairs: 2, agreed: 1, rate: 0.5 });

        const recent = await store.recentAnswers(2);
        assert.deepEqual(
          recent.map((a) => [a.queryId, a.labeller, a.leftClipId, a.rightClipId]),
          [
            ["o-r1", "ann", "o-R", "o-L"],
            ["x", "ann", "x-L", "x-R"],
          ],
        );
        assert.deepEqual(
          (await store.recentAnswers(10, "cat")).map((a) => a.queryId),
          ["o-r2"],
        );
        await store.undoLastAnswer("cat");
        assert.deepEqual(await store.repeatAgreement(), { pairs: 1, agreed: 1, rate: 1 });
      });
    });

    test("agreement is null without repeats", async () => {
      await withStore(backend, async (store) => {
        await store.addQuery(makeQuery("q"), "online");
        await store.recordAnswer({
          queryId: "q",
          answer: "left",
          labeller: "ann",
          time: 1,
          requestId: "r",
        });
        assert.deepEqual(await store.repeatAgreement(), { pairs: 0, agreed: 0, rate: null });
      });
    });

    test("clip predictions are stored per clip and replaced", async () => {
      await withStore(backend, async (store) => {
        await store.addQuery(makeQuery("q"), "online");
        assert.equal((await store.getClipPredictions(["q-L"])).size, 0);
        await store.setClipPredictions([
          { clipId: "q-L", predicted: new Float32Array([1, 2, Number.NaN, 4]) },
        ]);
        await store.setClipPredictions([{ clipId: "q-R", predicted: [0.5] }]);
        await store.setClipPredictions([{ clipId: "q-R", predicted: [0.25, 0.75] }]);
        const got = await store.getClipPredictions(["q-L", "q-R", "nope"]);
        assert.deepEqual(Object.fromEntries(got), { "q-L": [1, 2, null, 4], "q-R": [0.25, 0.75] });
      });
    });

    test("a store made before 0003 counts its live answers when migrated", async () => {
      const place = backend.place();
      let store = await backend.open(place, { migrations: MIGRATIONS.slice(0, 2) });
      await store.addQueries([makeQuery("a"), makeQuery("b"), makeQuery("c")], "online");
      // Answers as a store before 0003 wrote them (its code had no live_answers to keep).
      const row = (query_id: string, request_id: string, undone_at: number | null) => ({
        query_id,
        answer: "left",
        labeller: "ann",
        time: 1,
        request_id,
        undone_at,
      });
      await store.kysely
        .insertInto("answers")
        .values([row("a", "r1", null), row("b", "r2", 3)])
        .execute();
      await store.close();
      store = await backend.open(place);
      try {
        const counts = await store.kysely
          .selectFrom("queries")
          .select(["id", "live_answers"])
          .orderBy("id")
          .execute();
        assert.deepEqual(
          counts.map((c) => [c.id, Number(c.live_answers)]),
          [
            ["a", 1],
            ["b", 0],
            ["c", 0],
          ],
        );
        assert.equal((await store.leaseNextQuery("bob", 1000))?.query.id, "b");
        assert.equal((await store.undoLastAnswer("ann"))?.queryId, "a");
        assert.equal((await store.leaseNextQuery("cat", 1000))?.query.id, "a", "undo reopens a");
      } finally {
        await store.close();
      }
    });
  });
}
