/**
 * Two servers on one Postgres store, each with its own connection pool, as two `backflip serve`
 * processes behind a load balancer would be. One labeller sends every request to the other
 * server: a lease taken on A is answered on B and undone on A. Nothing is lost or doubled, and
 * what one server is told (a revoked token, the owner's stop, the trainer's live clip) the other
 * knows at once.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createServer, type RunningServer } from "../../src/server/index.ts";
import { hashToken, type PreferenceStore } from "../../src/store/index.ts";
import { storeBackends } from "../store/helpers.ts";
import { api, makeQuery, OWNER_TOKEN, tempDir } from "./helpers.ts";

const postgres = (await storeBackends("stateless")).find((b) => b.name === "postgres")!;

describe("two servers on one Postgres store", { skip: postgres.skip }, () => {
  const tmp = tempDir();
  const stores: PreferenceStore[] = [];
  const servers: RunningServer[] = [];
  let ann = "";
  let bob = "";
  let trainer: PreferenceStore;

  before(async () => {
    const place = postgres.place();
    trainer = await postgres.open(place, { poolSize: 2 });
    for (let i = 0; i < 6; i++) {
      await trainer.addQuery(makeQuery(`q${i}`), "online", { createdAt: i + 1 });
    }
    ann = (await trainer.addLabeller("ann")).token;
    bob = (await trainer.addLabeller("bob")).token;
    // The run folder holds only the metrics file here; the store is the database.
    const runDir = join(tmp.dir, "run");
    mkdirSync(runDir);
    for (let i = 0; i < 2; i++) {
      const store = await postgres.open(place, { poolSize: 4 });
      stores.push(store);
      servers.push(await createServer({ store, runDir, ownerToken: OWNER_TOKEN }));
    }
  });
  after(async () => {
    for (const s of servers) await s.close();
    for (const s of stores) await s.close();
    await trainer?.close();
    await postgres.cleanup();
    tmp.cleanup();
  });

  const [A, B] = [0, 1];
  const call = (server: number, method: string, path: string, token: string, body?: unknown) =>
    api(servers[server].url, method, path, { token, body });

  test("a lease taken on A is answered on B, undone on A, and asked again on B", async () => {
    const first = await call(A, "POST", "/api/queries/next", ann, {});
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.query.id, "q0");
    // The page prefetches on the other server: the next free query, not the same one.
    const second = await call(B, "POST", "/api/queries/next", ann, {});
    assert.equal(second.json.query.id, "q1");
    // A third lease is refused wherever it is asked for.
    const third = await call(A, "POST", "/api/queries/next", ann, {});
    assert.equal(third.status, 429);
    assert.equal(third.json.code, "lease_limit");

    const answer = { leaseId: first.json.leaseId, answer: "left", requestId: "ann-1" };
    const stored = await call(B, "POST", "/api/answers", ann, answer);
    assert.equal(stored.status, 200, stored.text);
    assert.equal(stored.json.stored, true);
    // The same submit retried on A is recognised, not stored again.
    const resend = await call(A, "POST", "/api/answers", ann, answer);
    assert.deepEqual(resend.json, { stored: false, answerId: stored.json.answerId });
    // Another labeller cannot answer on ann's lease on either server.
    const stolen = await call(B, "POST", "/api/answers", bob, { ...answer, requestId: "bob-x" });
    assert.equal(stolen.status, 404);

    // Stats on either server count it.
    for (const server of [A, B]) {
      const stats = await call(server, "GET", "/api/stats", ann);
      assert.equal(stats.json.answeredTotal, 1);
    }
    const recent = await call(A, "GET", "/api/answers/recent", ann);
    assert.deepEqual(
      recent.json.answers.map((a: { queryId: string }) => a.queryId),
      ["q0"],
    );

    // Undo on A: B sees it gone, and ann may lease the query again, on B.
    const undo = await call(A, "POST", "/api/answers/undo", ann, {});
    assert.deepEqual(undo.json, { undone: { answerId: stored.json.answerId, queryId: "q0" } });
    assert.equal((await call(B, "GET", "/api/stats", ann)).json.answeredTotal, 0);
    const again = await call(B, "POST", "/api/queries/lease", ann, { queryId: "q0" });
    assert.equal(again.status, 200, again.text);
    const reanswer = await call(A, "POST", "/api/answers", ann, {
      leaseId: again.json.leaseId,
      answer: "right",
      requestId: "ann-2",
    });
    assert.equal(reanswer.json.stored, true);
    // Nothing to undo twice: one undo each, whichever server takes it.
    assert.equal((await call(B, "POST", "/api/answers/undo", ann, {})).status, 200);
    assert.equal((await call(A, "POST", "/api/answers/undo", ann, {})).status, 404);

    const answers = await trainer.kysely.selectFrom("answers").selectAll().orderBy("id").execute();
    assert.deepEqual(
      answers.map((a) => [a.request_id, a.query_id, a.labeller, a.undone_at !== null]),
      [
        ["ann-1", "q0", "ann", true],
        ["ann-2", "q0", "ann", true],
      ],
    );
  });

  test("alternating on every request, two labellers answer everything once", async () => {
    const acked = new Map<string, string>();
    let turn = 0;
    const next = () => turn++ % 2;
    const work = async (name: string, token: string) => {
      for (let i = 0; ; i++) {
        const lease = await call(next(), "POST", "/api/queries/next", token, {});
        if (lease.status === 429) continue; // the other labeller's requests are in between
        assert.equal(lease.status, 200, lease.text);
        if (lease.json.waiting) return;
        const requestId = `${name}-alt-${i}`;
        const r = await call(next(), "POST", "/api/answers", token, {
          leaseId: lease.json.leaseId,
          answer: "equal",
          requestId,
        });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.stored, true);
        acked.set(requestId, lease.json.query.id);
      }
    };
    // ann's lease on q1 (taken on B in the test above) is still hers: she answers it first.
    const held = await trainer.kysely
      .selectFrom("leases")
      .select("lease_id")
      .where("query_id", "=", "q1")
      .where("answer_id", "is", null)
      .executeTakeFirstOrThrow();
    const r = await call(next(), "POST", "/api/answers", ann, {
      leaseId: held.lease_id,
      answer: "left",
      requestId: "ann-held",
    });
    assert.equal(r.json.stored, true);
    acked.set("ann-held", "q1");
    await Promise.all([work("ann", ann), work("bob", bob)]);
    const live = await trainer.answersSince(0);
    assert.equal(live.length, 6, "every query answered");
    assert.equal(new Set(live.map((a) => a.queryId)).size, 6, "none twice");
    assert.deepEqual(new Set(live.map((a) => a.requestId)), new Set(acked.keys()), "none lost");
  });

  test("what one server is told, the other knows at once", async () => {
    // The trainer's live clip and heartbeat, written to the store, are served by both.
    const live = {
      frames: [{ kind: "cartpole" as const, x: 0, theta: 0.1 }],
      predicted: [0.5],
      policyVersion: 7,
      envStep: 700,
      fps: 50,
      frameKind: "cartpole",
    };
    await trainer.setMeta("live", live);
    for (const server of [A, B]) {
      assert.deepEqual((await call(server, "GET", "/api/live", bob)).json, { live });
    }
    // The owner's two requests, one on each server, are both kept.
    assert.equal((await call(A, "POST", "/api/run/stop", OWNER_TOKEN, {})).status, 200);
    assert.equal((await call(B, "POST", "/api/run/end-labelling", OWNER_TOKEN, {})).status, 200);
    const control = await trainer.getMeta("control");
    assert.ok(control?.stopAt && control.endLabellingAt, "both requests are kept");
    // A token revoked through one store is refused by both servers at once.
    await stores[B].removeLabeller("bob");
    for (const server of [A, B]) {
      assert.equal((await call(server, "GET", "/api/stats", bob)).status, 401);
    }
    // So is a rotated owner token.
    await stores[A].setMeta("ownerTokenHash", hashToken("another-owner-token-0123456789"));
    assert.equal((await call(B, "GET", "/api/labellers", OWNER_TOKEN)).status, 401);
    assert.equal(
      (await call(B, "GET", "/api/labellers", "another-owner-token-0123456789")).status,
      200,
    );
  });
});
