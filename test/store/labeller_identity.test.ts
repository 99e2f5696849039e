import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { sql } from "kysely";
import {
  hashToken,
  type LabellerRef,
  LeaseLimitError,
  MIGRATIONS,
  type PreferenceStore,
  UnknownLabellerError,
} from "../../src/store/index.ts";
import { makeQuery, storeBackends, withStore } from "./helpers.ts";

async function addQueries(store: PreferenceStore, count: number): Promise<void> {
  for (let i = 0; i < count; i++)
    await store.addQuery(makeQuery(`q${i}`), "online", { createdAt: i });
}

async function person(store: PreferenceStore, name: string): Promise<LabellerRef> {
  const { labeller } = await store.addLabeller(name);
  return { kind: "person", id: labeller.id, name };
}

/** A lease and an answer on it, as the server gives them. */
async function answerNext(store: PreferenceStore, who: LabellerRef, requestId: string) {
  const lease = await store.leaseNextQuery(who, 60_000);
  assert.ok(lease, "a query is free");
  return (await store.submitLeased({ leaseId: lease.leaseId, answer: "left", requestId })).answer;
}

for (const backend of await storeBackends("identity")) {
  describe(backend.name, { skip: backend.skip }, () => {
    after(() => backend.cleanup());

    test("a labeller named like a teacher cannot undo, count or see the teacher's answers", async () => {
      await withStore(backend, async (store) => {
        await addQueries(store, 4);
        // The oracle records its answers directly, by its name.
        for (const q of ["q0", "q1"]) {
          await store.recordAnswer({
            queryId: q,
            answer: "left",
            labeller: "oracle",
            time: 1,
            requestId: `oracle:${q}`,
          });
        }
        const impostor = await person(store, "oracle");
        assert.equal(await store.undoLastAnswer(impostor), null, "nothing of theirs to undo");
        assert.deepEqual(await store.labellerAnswerCounts(impostor, 0), { total: 0, since: 0 });
        assert.deepEqual(await store.recentAnswers(10, impostor), []);
        // Their own answer is theirs alone; the teacher's answers are untouched.
        const mine = await answerNext(store, impostor, "imp-1");
        assert.equal(mine.queryId, "q2");
        assert.equal((await store.undoLastAnswer(impostor))?.requestId, "imp-1");
        assert.equal(await store.undoLastAnswer(impostor), null);
        assert.equal(await store.countAnswers(), 2);
        assert.deepEqual(await store.labellerAnswerCounts("oracle", 0), { total: 2, since: 2 });
        // The same requestId under another identity is a conflict, not a resend.
        await assert.rejects(
          store.recordAnswer({
            queryId: "q0",
            answer: "left",
            labeller: { kind: "import", name: "oracle" },
            time: 1,
            requestId: "oracle:q0",
          }),
          /already used for a different query or labeller/,
        );
        const activity = await store.labellerActivity();
        assert.deepEqual(
          activity.map((a) => [a.kind, a.labeller, a.labellerId, a.answers]),
          [["teacher", "oracle", null, 2]],
        );
      });
    });

    test("the owner and a person are told apart from a teacher of the same name", async () => {
      await withStore(backend, async (store) => {
        await addQueries(store, 3);
        await store.recordAnswer({
          queryId: "q0",
          answer: "right",
          labeller: "owner",
          time: 1,
          requestId: "script-owner",
        });
        const owner: LabellerRef = { kind: "owner" };
        assert.equal(await store.undoLastAnswer(owner), null);
        const given = await answerNext(store, owner, "o-1");
        assert.equal(given.labeller, "owner");
        assert.equal((await store.undoLastAnswer(owner))?.requestId, "o-1");
        assert.equal(await store.countAnswers(), 1, "the script's answer stays");
      });
    });

    test("a removed labeller's token dies, their answers stay theirs, their leases go back", async () => {
      await withStore(backend, async (store) => {
        await addQueries(store, 4);
        const { labeller, token } = await store.addLabeller("ann");
        const ann: LabellerRef = { kind: "person", id: labeller.id, name: "ann" };
        await answerNext(store, ann, "a-1");
        const held = await store.leaseNextQuery(ann, 60_000);
        assert.equal(held?.query.id, "q1");

        const removed = await store.removeLabeller("ann");
        assert.equal(removed.id, labeller.id);
        assert.ok(removed.removedAt !== null);
        assert.equal(await store.authenticate(token), null, "the token is refused");
        assert.deepEqual(await store.labellerAnswerCounts(ann, 0), { total: 1, since: 1 });
        const row = await store.kysely
          .selectFrom("labellers")
          .selectAll()
          .where("id", "=", labeller.id)
          .executeTakeFirstOrThrow();
        assert.equal(row.token_hash, null, "no hash of the old token is kept");
        // The query she held is free for someone else at once.
        const bob = await person(store, "bob");
        assert.equal((await store.leaseNextQuery(bob, 60_000))?.query.id, "q1");
        await assert.rejects(
          store.submitLeased({ leaseId: held!.leaseId, answer: "left", requestId: "late" }),
        );
        // Removed names are not free for someone new: add refuses, rotate brings her back.
        await assert.rejects(store.addLabeller("ann"), /already exists/);
        const rotated = await store.rotateLabellerToken("ann");
        assert.equal(rotated.labeller.id, labeller.id);
        assert.equal(rotated.labeller.removedAt, null);
        assert.equal((await store.authenticate(rotated.token))?.id, labeller.id);
        assert.equal(await store.authenticate(token), null);
        await assert.rejects(store.removeLabeller("nobody"), UnknownLabellerError);
        await assert.rejects(store.rotateLabellerToken("nobody"), UnknownLabellerError);
      });
    });

    test("rotating a token revokes the old one and ends the leases taken with it", async () => {
      await withStore(backend, async (store) => {
        await addQueries(store, 3);
        const { labeller, token } = await store.addLabeller("ann");
        const ann: LabellerRef = { kind: "person", id: labeller.id, name: "ann" };
        const lease = await store.leaseNextQuery(ann, 60_000);
        const { token: fresh } = await store.rotateLabellerToken("ann");
        assert.notEqual(fresh, token);
        assert.equal(await store.authenticate(token), null);
        assert.equal((await store.authenticate(fresh))?.name, "ann");
        // Her new page is not blocked by the old page's leases.
        assert.equal(
          (await store.leaseNextQuery(ann, 60_000, undefined, { maxLive: 1 }))?.query.id,
          lease?.query.id,
        );
      });
    });

    test("a labeller holds at most maxLive leases; leasing one query again is allowed one more", async () => {
      await withStore(backend, async (store) => {
        await addQueries(store, 6);
        const ann = await person(store, "ann");
        const limit = { maxLive: 2 };
        const a = (await store.leaseNextQuery(ann, 1000, 0, limit))!;
        const b = (await store.leaseNextQuery(ann, 1000, 1, limit))!;
        await assert.rejects(store.leaseNextQuery(ann, 1000, 2, limit), (e: unknown) => {
          assert.ok(e instanceof LeaseLimitError);
          assert.equal(e.code, "lease_limit");
          assert.equal(e.httpStatus, 429);
          return true;
        });
        // Another labeller is not held back by ann's leases.
        const bob = await person(store, "bob");
        assert.equal((await store.leaseNextQuery(bob, 1000, 3, limit))?.query.id, "q2");
        // Renewing a lease she holds replaces it: it does not count twice.
        const renewed = await store.leaseQuery(a.query.id, ann, 1000, 4, limit);
        assert.equal(renewed?.query.id, a.query.id);
        await assert.rejects(store.leaseNextQuery(ann, 1000, 5, limit), LeaseLimitError);
        // An answer frees a place.
        await store.submitLeased({ leaseId: b.leaseId, answer: "left", requestId: "b", now: 6 });
        const c = (await store.leaseNextQuery(ann, 1000, 7, limit))!;
        assert.equal(c.query.id, "q3");
        // Undo with a full hand: the undone query can be leased again, one over the limit.
        await store.undoLastAnswer(ann, 8);
        assert.equal(
          (await store.leaseQuery(b.query.id, ann, 1000, 9, { maxLive: 3 }))?.query.id,
          "q1",
        );
        await assert.rejects(
          store.leaseQuery("q4", ann, 1000, 10, { maxLive: 3 }),
          LeaseLimitError,
        );
        // Expired leases do not count.
        assert.equal((await store.leaseNextQuery(ann, 1000, 5000, limit))?.query.id, "q0");
      });
    });

    test("a store made before 0004 migrates with every answer intact and attributed", async () => {
      const place = backend.place();
      let store = await backend.open(place, { migrations: MIGRATIONS.slice(0, 3) });
      await addQueries(store, 7);
      // Rows as the code before 0004 wrote them: everything keyed by bare name.
      const db = store.kysely;
      await sql`insert into labellers (id, name, token_hash, created_at) values
    (1, 'ann', ${hashToken("ann-token-0123456789")}, 10),
    (2, 'oracle', ${hashToken("fake-oracle-0123456789")}, 11),
    (3, 'bob', ${hashToken("bob-token-0123456789")}, 12)`.execute(db);
      const answer = (
        id: number,
        q: string,
        labeller: string,
        requestId: string,
        undone: number | null,
      ) =>
        sql`insert into answers (id, query_id, answer, labeller, time, request_id, undone_at)
      values (${id}, ${q}, 'left', ${labeller}, ${100 + id}, ${requestId}, ${undone})`.execute(db);
      const lease = (
        id: string,
        q: string,
        labeller: string,
        expires: number,
        answerId: number | null,
      ) =>
        sql`insert into leases (lease_id, query_id, labeller, created_at, expires_at, answer_id)
      values (${id}, ${q}, ${labeller}, 1, ${expires}, ${answerId})`.execute(db);
      await answer(1, "q0", "oracle", "oracle:q0", null); // the synthetic teacher
      await answer(2, "q1", "ann", "ann-1", null); // ann on the page
      await lease("l2", "q1", "ann", 1000, 2);
      await answer(3, "q2", "owner", "own-1", null); // the owner on the page
      await lease("l3", "q2", "owner", 1000, 3);
      await answer(4, "q3", "oracle", "imp-1", null); // the person named oracle, on the page
      await lease("l4", "q3", "oracle", 1000, 4);
      await answer(5, "q4", "carol", "import:q4:carol", null); // imported from another run
      await answer(6, "q5", "ann", "ann-2", 500); // undone
      await lease("l6", "q5", "ann", 1000, 6);
      await lease("l7", "q6", "bob", Number.MAX_SAFE_INTEGER, null); // bob holds q6
      await sql`update queries set live_answers = 1 where id in ('q0', 'q1', 'q2', 'q3', 'q4')`.execute(
        db,
      );
      const before = await store.answersSince(0);
      await store.close();

      store = await backend.open(place);
      try {
        assert.deepEqual(
          await store.answersSince(0),
          before,
          "every live answer is kept as it was",
        );
        const rows = await store.kysely
          .selectFrom("answers")
          .select(["id", "labeller", "labeller_kind", "labeller_id", "undone_at"])
          .orderBy("id")
          .execute();
        assert.deepEqual(
          rows.map((r) => [Number(r.id), r.labeller, r.labeller_kind, r.labeller_id]),
          [
            [1, "oracle", "teacher", null],
            [2, "ann", "person", 1],
            [3, "owner", "owner", null],
            [4, "oracle", "person", 2],
            [5, "carol", "import", null],
            [6, "ann", "person", 1],
          ],
        );
        const ann: LabellerRef = { kind: "person", id: 1, name: "ann" };
        const fakeOracle: LabellerRef = { kind: "person", id: 2, name: "oracle" };
        const bob: LabellerRef = { kind: "person", id: 3, name: "bob" };
        // Tokens still work; the labellers keep their ids.
        assert.equal((await store.authenticate("ann-token-0123456789"))?.id, 1);
        assert.deepEqual(
          (await store.listLabellers()).map((l) => [l.id, l.name, l.removedAt]),
          [
            [1, "ann", null],
            [2, "oracle", null],
            [3, "bob", null],
          ],
        );
        assert.deepEqual(await store.labellerAnswerCounts(ann, 0), { total: 1, since: 1 });
        assert.deepEqual(await store.labellerAnswerCounts("oracle", 0), { total: 1, since: 1 });
        // The person named oracle undoes their own answer, never the teacher's.
        assert.equal((await store.undoLastAnswer(fakeOracle))?.requestId, "imp-1");
        assert.equal(await store.undoLastAnswer(fakeOracle), null);
        assert.equal((await store.getQueryRecord("q0"))?.id, "q0");
        assert.equal(await store.countAnswers(), 4);
        // bob's lease is still his: it counts towards his limit and keeps q6 from others.
        await assert.rejects(
          store.leaseNextQuery(bob, 1000, undefined, { maxLive: 1 }),
          LeaseLimitError,
        );
        assert.equal(
          (await store.leaseNextQuery(ann, 1000))?.query.id,
          "q3",
          "q3 was reopened by the undo",
        );
        assert.equal((await store.leaseNextQuery(ann, 1000))?.query.id, "q5");
        assert.equal(await store.leaseNextQuery(ann, 1000), null, "q6 is bob's");
        // A resend of an old submit is still recognised as the same answer.
        const resend = await store.submitLeased({
          leaseId: "l2",
          answer: "left",
          requestId: "ann-1",
          labeller: ann,
        });
        assert.equal(resend.stored, false);
      } finally {
        await store.close();
      }
    });
  });
}
