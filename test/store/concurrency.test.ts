/**
 * Two stores with pools of their own on one Postgres schema, as two servers would hold them,
 * racing for leases and answers; a third one polls answers as the trainer does. Nothing may be
 * leased twice, stored twice, lost, or attributed to the wrong labeller.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Rng } from "../../src/core/rng.ts";
import {
  type LabellerRef,
  LeaseLimitError,
  type PreferenceStore,
  type StoredAnswer,
} from "../../src/store/index.ts";
import { makeQuery, storeBackends } from "./helpers.ts";

const postgres = (await storeBackends("concurrency")).find((b) => b.name === "postgres")!;

describe("two stores on one Postgres schema", { skip: postgres.skip }, () => {
  let a: PreferenceStore;
  let b: PreferenceStore;
  let trainer: PreferenceStore;
  before(async () => {
    const place = postgres.place();
    a = await postgres.open(place, { poolSize: 6 });
    b = await postgres.open(place, { poolSize: 6 });
    trainer = await postgres.open(place, { poolSize: 2 });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close(), trainer?.close()]);
    await postgres.cleanup();
  });

  test("one labeller's concurrent requests on both stores get at most their lease limit", async () => {
    for (let i = 0; i < 10; i++) await a.addQuery(makeQuery(`lim${i}`), "online", { createdAt: i });
    const { labeller } = await a.addLabeller("hoarder");
    const who: LabellerRef = { kind: "person", id: labeller.id, name: labeller.name };
    const tries = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? a : b).leaseNextQuery(who, 60_000, undefined, { maxLive: 2 }),
      ),
    );
    const leased = tries.filter((t) => t.status === "fulfilled" && t.value !== null);
    const refused = tries.filter((t) => t.status === "rejected");
    assert.equal(leased.length, 2, "two leases");
    assert.equal(refused.length, 6);
    for (const r of refused)
      assert.ok((r as PromiseRejectedResult).reason instanceof LeaseLimitError);
    const ids = leased.map((t) => (t as PromiseFulfilledResult<{ query: { id: string } }>).value);
    assert.notEqual(ids[0].query.id, ids[1].query.id);
    // Free them for the race below.
    await a.removeLabeller("hoarder");
  });

  test("labellers racing on two stores: each answer stored once, none lost, none leased twice", async () => {
    const QUERIES = 150;
    const LABELLERS = 12;
    for (let i = 0; i < QUERIES; i++) {
      await a.addQuery(makeQuery(`q${String(i).padStart(3, "0")}`), "online", {
        createdAt: 100 + i,
      });
    }
    const people: LabellerRef[] = [];
    for (let i = 0; i < LABELLERS; i++) {
      const { labeller } = await (i % 2 ? a : b).addLabeller(`p${i}`);
      people.push({ kind: "person", id: labeller.id, name: labeller.name });
    }

    // The trainer polls as the loop does: answers with id above its cursor.
    const polled: StoredAnswer[] = [];
    let polling = true;
    const poller = (async () => {
      let cursor = 0;
      while (polling) {
        for (const answer of await trainer.answersSince(cursor)) {
          polled.push(answer);
          cursor = Math.max(cursor, answer.id);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      for (const answer of await trainer.answersSince(cursor)) polled.push(answer);
    })();

    const acked = new Map<string, { id: number; by: number; queryId: string }>();
    const undone = new Set<string>();
    let doubleAcks = 0;
    let resendMismatch = 0;
    const labeller = async (who: LabellerRef & { kind: "person" }, seed: number) => {
      const rng = new Rng(seed);
      let mine: string[] = [];
      for (let round = 0; ; round++) {
        const store = () => (rng.random() < 0.5 ? a : b);
        const lease = await store().leaseNextQuery(who, 60_000, undefined, { maxLive: 2 });
        if (!lease) return;
        const requestId = `${who.name}-${round}`;
        const input = { leaseId: lease.leaseId, answer: "left" as const, requestId, labeller: who };
        // Sometimes the same submit reaches both servers at once (a retry after a timeout).
        const results =
          rng.random() < 0.3
            ? await Promise.all([a.submitLeased(input), b.submitLeased(input)])
            : [await store().submitLeased(input)];
        const stored = results.filter((r) => r.stored);
        if (stored.length !== 1) doubleAcks++;
        if (new Set(results.map((r) => r.answer.id)).size !== 1) resendMismatch++;
        acked.set(requestId, { id: results[0].answer.id, by: who.id, queryId: lease.query.id });
        mine.push(requestId);
        if (rng.random() < 0.1) {
          const withdrawn = await store().undoLastAnswer(who);
          assert.equal(withdrawn?.requestId, mine.at(-1), "undo takes back my latest answer");
          undone.add(withdrawn!.requestId);
          mine = mine.slice(0, -1);
        }
      }
    };
    await Promise.all(people.map((p, i) => labeller(p as LabellerRef & { kind: "person" }, 7 + i)));
    polling = false;
    await poller;

    assert.equal(doubleAcks, 0, "exactly one of concurrent identical submits is stored");
    assert.equal(resendMismatch, 0, "both get the same answer id");
    const all = await trainer.kysely.selectFrom("answers").selectAll().orderBy("id").execute();
    assert.equal(all.length, acked.size, "every stored answer was acknowledged once");
    for (const row of all) {
      const ack = acked.get(row.request_id);
      assert.ok(ack, `answer ${row.request_id} was acknowledged`);
      assert.equal(ack.id, Number(row.id));
      assert.equal(row.labeller_kind, "person");
      assert.equal(Number(row.labeller_id), ack.by, "attributed to who answered");
      assert.equal(row.query_id, ack.queryId);
      assert.equal(row.undone_at !== null, undone.has(row.request_id));
    }
    // Every query ends answered once (the undone ones were answered again by someone); the ten
    // the hoarder gave back too.
    const queries = await trainer.countQueries();
    assert.equal(queries, QUERIES + 10);
    assert.equal(await trainer.countAnswers(), queries);
    const live = all.filter((r) => r.undone_at === null);
    assert.equal(new Set(live.map((r) => r.query_id)).size, queries, "no query answered twice");
    // The trainer's cursor never skipped an answer that committed late.
    const seen = new Set(polled.map((p) => p.requestId));
    assert.equal(seen.size, polled.length, "polled once each");
    const missed = live.filter((r) => !seen.has(r.request_id));
    assert.deepEqual(missed, [], "the trainer saw every live answer");
    // No query was held by two labellers at once.
    const leases = await trainer.kysely
      .selectFrom("leases as l")
      .leftJoin("answers as an", "an.id", "l.answer_id")
      .select(["l.query_id", "l.labeller_id", "l.created_at", "l.expires_at", "an.time"])
      .orderBy("l.query_id")
      .orderBy("l.created_at")
      .execute();
    for (let i = 1; i < leases.length; i++) {
      const [before, after] = [leases[i - 1], leases[i]];
      if (before.query_id !== after.query_id) continue;
      const ended = Number(before.time ?? before.expires_at);
      assert.ok(
        ended <= Number(after.created_at),
        `query ${after.query_id} leased to ${after.labeller_id} while ${before.labeller_id} held it`,
      );
    }
  });
});
