import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { type IncomingHttpHeaders, request } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { gunzipSync } from "node:zlib";
import {
  api,
  makeClip,
  makeQuery,
  OWNER_TOKEN,
  postLarge,
  rawRequest,
  startTestServer,
  type TestServer,
} from "./helpers.ts";

let t: TestServer;
let base: string;
before(async () => {
  t = await startTestServer({ queries: 0 });
  base = t.server.url;
});
after(() => t.close());

let queryCounter = 0;
/** Adds `n` fresh queries, newer than every query added before, and returns their ids. */
async function addQueries(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `api-${String(queryCounter++).padStart(4, "0")}`;
    await t.store.addQuery(makeQuery(id), "online", { createdAt: 1000 + queryCounter });
    ids.push(id);
  }
  return ids;
}

/** Leases until nothing is left, so that each test starts with an empty pool. */
async function drain(token: string): Promise<void> {
  for (;;) {
    const r = await api(base, "POST", "/api/queries/next", { token, body: {} });
    if (r.json.waiting) return;
    await api(base, "POST", "/api/answers", {
      token,
      body: { leaseId: r.json.leaseId, answer: "cant_tell", requestId: `drain-${r.json.leaseId}` },
    });
  }
}

test("a labeller leases a query, answers it, and the answer is stored and reported", async () => {
  const [qid] = await addQueries(1);
  const ann = t.tokens.ann;
  await t.store.setMeta("run", {
    envId: "Test-v0",
    fps: 25,
    frameKind: "cartpole",
    rubric: "balance",
    scene: null,
  });
  await t.store.setClipPredictions([{ clipId: `${qid}-L`, predicted: [0.5, 1, 1.5, Number.NaN] }]);

  const session = await api(base, "GET", "/api/session", { token: ann });
  assert.equal(session.status, 200);
  assert.deepEqual(session.json, {
    labeller: "ann",
    isOwner: false,
    run: { envId: "Test-v0", fps: 25, frameKind: "cartpole", rubric: "balance", scene: null },
  });
  assert.equal(session.headers["cache-control"], "no-store");
  assert.match(session.headers["content-security-policy"], /default-src 'self'/);

  const next = await api(base, "POST", "/api/queries/next", { token: ann, body: {} });
  assert.equal(next.status, 200);
  assert.equal(next.json.query.id, qid);
  assert.ok(next.json.expiresAt > Date.now() + 60_000);
  const left = next.json.query.left;
  assert.deepEqual(Object.keys(left).sort(), [
    "envId",
    "fps",
    "frames",
    "id",
    "length",
    "predicted",
  ]);
  assert.equal(left.id, `${qid}-L`);
  assert.equal(left.length, 4);
  assert.equal(left.fps, 25);
  assert.deepEqual(left.frames[1], { kind: "cartpole", x: 0.1, theta: 0.5 });
  assert.deepEqual(left.predicted, [0.5, 1, 1.5, null]);
  assert.equal(next.json.query.right.predicted, null);
  assert.ok(!("rewards" in left) && !("obs" in left), "true rewards never reach the page");

  // Nothing else is free: the next caller waits.
  const waiting = await api(base, "POST", "/api/queries/next", { token: t.tokens.bob, body: {} });
  assert.deepEqual(waiting.json, { waiting: true, retryAfterMs: 2000, reason: "no_queries" });

  const before = await t.store.countAnswers();
  const answer = await api(base, "POST", "/api/answers", {
    token: ann,
    body: { leaseId: next.json.leaseId, answer: "left", requestId: "flow-1" },
  });
  assert.equal(answer.status, 200);
  assert.equal(answer.json.stored, true);
  assert.equal(await t.store.countAnswers(), before + 1);
  const stored = (await t.store.answersSince(0)).find((a) => a.requestId === "flow-1");
  assert.deepEqual(
    { id: stored?.id, q: stored?.queryId, a: stored?.answer, who: stored?.labeller },
    { id: answer.json.answerId, q: qid, a: "left", who: "ann" },
  );

  const clip = await api(base, "GET", `/api/clips/${qid}-R`, { token: ann });
  assert.equal(clip.status, 200);
  assert.equal(clip.json.id, `${qid}-R`);
  assert.equal((await api(base, "GET", "/api/clips/nope", { token: ann })).status, 404);

  const recent = await api(base, "GET", "/api/answers/recent?limit=1", { token: ann });
  assert.deepEqual(recent.json.answers, [
    {
      answerId: answer.json.answerId,
      queryId: qid,
      answer: "left",
      labeller: "ann",
      time: stored?.time,
      leftClipId: `${qid}-L`,
      rightClipId: `${qid}-R`,
    },
  ]);
});

test("a retried submit with the same requestId is stored once", async () => {
  const [qid] = await addQueries(1);
  const bob = t.tokens.bob;
  const lease = await api(base, "POST", "/api/queries/next", { token: bob, body: {} });
  assert.equal(lease.json.query.id, qid);
  const body = { leaseId: lease.json.leaseId, answer: "right", requestId: "retry-1" };
  const replies = await Promise.all(
    [1, 2, 3].map(() => api(base, "POST", "/api/answers", { token: bob, body })),
  );
  assert.deepEqual(
    replies.map((r) => r.status),
    [200, 200, 200],
  );
  assert.deepEqual(replies.map((r) => r.json.stored).sort(), [false, false, true]);
  assert.equal(new Set(replies.map((r) => r.json.answerId)).size, 1);
  const mine = (await t.store.answersSince(0)).filter((a) => a.requestId === "retry-1");
  assert.equal(mine.length, 1);
});

test("a second answer on a used lease is refused with 409 and the store is unchanged", async () => {
  await addQueries(1);
  const ann = t.tokens.ann;
  const lease = await api(base, "POST", "/api/queries/next", { token: ann, body: {} });
  const first = await api(base, "POST", "/api/answers", {
    token: ann,
    body: { leaseId: lease.json.leaseId, answer: "equal", requestId: "used-1" },
  });
  assert.equal(first.status, 200);
  const snapshot = await t.store.answersSince(0);
  const second = await api(base, "POST", "/api/answers", {
    token: ann,
    body: { leaseId: lease.json.leaseId, answer: "left", requestId: "used-2" },
  });
  assert.equal(second.status, 409);
  assert.equal(second.json.code, "lease_used");
  assert.match(second.json.error, /already has an answer/);
  assert.deepEqual(await t.store.answersSince(0), snapshot);
});

test("another labeller cannot answer on a lease that is not theirs", async () => {
  await addQueries(1);
  const lease = await api(base, "POST", "/api/queries/next", { token: t.tokens.ann, body: {} });
  const snapshot = await t.store.countAnswers();
  const theft = await api(base, "POST", "/api/answers", {
    token: t.tokens.bob,
    body: { leaseId: lease.json.leaseId, answer: "left", requestId: "theft-1" },
  });
  assert.equal(theft.status, 404);
  assert.equal(theft.json.code, "unknown_lease");
  assert.equal(await t.store.countAnswers(), snapshot);
  await drain(t.tokens.ann);
});

test("an expired lease is refused with 409 and its query returns to the pool", async () => {
  const short = await startTestServer({ queries: 1, leaseMs: 150 });
  try {
    const b = short.server.url;
    const lease = await api(b, "POST", "/api/queries/next", { token: short.tokens.ann, body: {} });
    assert.equal(lease.json.query.id, "q000");
    assert.equal(
      (await api(b, "POST", "/api/queries/next", { token: short.tokens.bob, body: {} })).json
        .waiting,
      true,
    );
    await sleep(250);
    const late = await api(b, "POST", "/api/answers", {
      token: short.tokens.ann,
      body: { leaseId: lease.json.leaseId, answer: "left", requestId: "late-1" },
    });
    assert.equal(late.status, 409);
    assert.equal(late.json.code, "lease_expired");
    assert.equal(await short.store.countAnswers(), 0);
    const again = await api(b, "POST", "/api/queries/next", { token: short.tokens.bob, body: {} });
    assert.equal(again.json.query.id, "q000", "the query went back to the pool");
    // The superseded lease stays dead, even for its holder.
    const stale = await api(b, "POST", "/api/answers", {
      token: short.tokens.ann,
      body: { leaseId: lease.json.leaseId, answer: "left", requestId: "late-2" },
    });
    assert.equal(stale.status, 409);
    const ok = await api(b, "POST", "/api/answers", {
      token: short.tokens.bob,
      body: { leaseId: again.json.leaseId, answer: "right", requestId: "late-3" },
    });
    assert.equal(ok.json.stored, true);
  } finally {
    await short.close();
  }
});

test("undo withdraws the latest answer, the query can be leased again, and then 404", async () => {
  const fresh = await startTestServer({ queries: 2 });
  try {
    const b = fresh.server.url;
    const cat = (await fresh.store.addLabeller("cat")).token;
    assert.equal((await api(b, "POST", "/api/answers/undo", { token: cat, body: {} })).status, 404);
    const l1 = await api(b, "POST", "/api/queries/next", { token: cat, body: {} });
    await api(b, "POST", "/api/answers", {
      token: cat,
      body: { leaseId: l1.json.leaseId, answer: "left", requestId: "u1" },
    });
    const l2 = await api(b, "POST", "/api/queries/next", { token: cat, body: {} });
    const a2 = await api(b, "POST", "/api/answers", {
      token: cat,
      body: { leaseId: l2.json.leaseId, answer: "right", requestId: "u2" },
    });
    const stats = await api(b, "GET", "/api/stats", { token: cat });
    assert.equal(stats.json.answeredTotal, 2);

    const undo = await api(b, "POST", "/api/answers/undo", { token: cat, body: {} });
    assert.equal(undo.status, 200);
    assert.deepEqual(undo.json, {
      undone: { answerId: a2.json.answerId, queryId: l2.json.query.id },
    });
    assert.equal(await fresh.store.countAnswers(), 1);
    assert.equal((await api(b, "GET", "/api/stats", { token: cat })).json.answeredTotal, 1);

    // Others cannot take it while cat re-leases it; cat answers it anew.
    const relet = await api(b, "POST", "/api/queries/lease", {
      token: cat,
      body: { queryId: l2.json.query.id },
    });
    assert.equal(relet.status, 200);
    assert.equal(relet.json.query.id, l2.json.query.id);
    const taken = await api(b, "POST", "/api/queries/lease", {
      token: fresh.tokens.ann,
      body: { queryId: l2.json.query.id },
    });
    assert.equal(taken.status, 409);
    assert.equal(taken.json.code, "query_unavailable");
    const unknown = await api(b, "POST", "/api/queries/lease", {
      token: cat,
      body: { queryId: "nope" },
    });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, "unknown_query");
    const redo = await api(b, "POST", "/api/answers", {
      token: cat,
      body: { leaseId: relet.json.leaseId, answer: "equal", requestId: "u3" },
    });
    assert.equal(redo.json.stored, true);

    for (const _ of [1, 2])
      assert.equal(
        (await api(b, "POST", "/api/answers/undo", { token: cat, body: {} })).status,
        200,
      );
    const none = await api(b, "POST", "/api/answers/undo", { token: cat, body: {} });
    assert.equal(none.status, 404);
    assert.equal(none.json.code, "nothing_to_undo");
    assert.equal(await fresh.store.countAnswers(), 0);
  } finally {
    await fresh.close();
  }
});

test("a missing or wrong token is 401; a labeller on an owner route is 403", async () => {
  const cases: [Record<string, string>, number, string][] = [
    [{}, 401, "missing_token"],
    [{ Authorization: "Bearer " }, 401, "bad_token"],
    [{ Authorization: "Basic YW5uOng=" }, 401, "bad_token"],
    [{ Authorization: "Bearer not-a-token" }, 401, "unknown_token"],
    [{ Authorization: `Bearer ${OWNER_TOKEN}x` }, 401, "unknown_token"],
    [{ Authorization: `Bearer ${"a".repeat(600)}` }, 401, "bad_token"],
    [{ Authorization: `bearer ${t.tokens.ann}` }, 401, "bad_token"],
  ];
  for (const [headers, status, code] of cases) {
    for (const [method, path] of [
      ["GET", "/api/session"],
      ["GET", "/api/labellers"],
      ["POST", "/api/queries/next"],
    ]) {
      const r = await api(base, method, path, {
        headers,
        body: method === "POST" ? {} : undefined,
      });
      assert.equal(
        r.status,
        status,
        `${method} ${path} with ${JSON.stringify(headers).slice(0, 60)}`,
      );
      assert.equal(r.json.code, code);
    }
  }
  const forbidden = await api(base, "GET", "/api/labellers", { token: t.tokens.ann });
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.json.code, "owner_only");
  const owner = await api(base, "GET", "/api/session", { token: OWNER_TOKEN });
  assert.deepEqual([owner.json.labeller, owner.json.isOwner], ["owner", true]);
  assert.equal((await api(base, "GET", "/api/labellers", { token: OWNER_TOKEN })).status, 200);
  // The owner token is checked against the hash the trainer stored, not a copy in memory.
  assert.match(String(await t.store.getMeta("ownerTokenHash")), /^[0-9a-f]{64}$/);
});

test("a body over the limit is refused with 413 without being read to the end", async () => {
  await addQueries(1);
  const before = await t.store.countAnswers();
  const declared = await postLarge(t.server.port, "/api/answers", t.tokens.ann, 5_000_000, false);
  assert.equal(declared.status, 413);
  assert.equal(declared.json.code, "body_too_large");
  const chunked = await postLarge(t.server.port, "/api/answers", t.tokens.ann, 5_000_000, true);
  assert.equal(chunked.status, 413);
  // Just over the limit, with a well-formed answer inside: still refused.
  const lease = await api(base, "POST", "/api/queries/next", { token: t.tokens.ann, body: {} });
  const padded = JSON.stringify({
    leaseId: lease.json.leaseId,
    answer: "left",
    requestId: "big-1",
  }).padEnd(16_385, " ");
  const big = await api(base, "POST", "/api/answers", { token: t.tokens.ann, body: padded });
  assert.equal(big.status, 413);
  assert.equal(await t.store.countAnswers(), before);
  assert.equal(
    (await api(base, "GET", "/api/session", { token: t.tokens.ann })).status,
    200,
    "still serving",
  );
  await drain(t.tokens.ann);
});

test("malformed requests get a clear 4xx JSON error and change nothing", async () => {
  await addQueries(1);
  const ann = t.tokens.ann;
  const lease = await api(base, "POST", "/api/queries/next", { token: ann, body: {} });
  const leaseId = lease.json.leaseId;
  const before = await t.store.answersSince(0);
  const cases: [string, string, Record<string, unknown>, number, string][] = [
    ["POST", "/api/answers", { body: "{not json" }, 400, "bad_json"],
    ["POST", "/api/answers", { body: `{"leaseId":"${leaseId}","answer":"le` }, 400, "bad_json"],
    ["POST", "/api/answers", { body: "" }, 400, "bad_json"],
    [
      "POST",
      "/api/answers",
      { body: { leaseId, answer: "up", requestId: "m1" } },
      400,
      "invalid_body",
    ],
    ["POST", "/api/answers", { body: { leaseId, answer: "left" } }, 400, "invalid_body"],
    [
      "POST",
      "/api/answers",
      { body: { leaseId, answer: "left", requestId: "m2", extra: 1 } },
      400,
      "invalid_body",
    ],
    [
      "POST",
      "/api/answers",
      { body: { leaseId: 7, answer: "left", requestId: "m3" } },
      400,
      "invalid_body",
    ],
    ["POST", "/api/answers", { body: [leaseId, "left"] }, 400, "invalid_body"],
    [
      "POST",
      "/api/answers",
      { body: { leaseId, answer: "left", requestId: "has space" } },
      400,
      "invalid_body",
    ],
    [
      "POST",
      "/api/answers",
      {
        body: JSON.stringify({ leaseId, answer: "left", requestId: "m4" }),
        headers: { "Content-Type": "text/plain" },
      },
      415,
      "unsupported_media_type",
    ],
    [
      "POST",
      "/api/answers",
      { body: { leaseId: "nope", answer: "left", requestId: "m5" } },
      404,
      "unknown_lease",
    ],
    ["POST", "/api/queries/next", { body: { hungry: true } }, 400, "invalid_body"],
    ["POST", "/api/queries/lease", { body: { queryId: "" } }, 400, "invalid_body"],
    ["GET", "/api/answers", {}, 405, "method_not_allowed"],
    ["DELETE", "/api/session", {}, 405, "method_not_allowed"],
    ["GET", "/api/nope", {}, 404, "unknown_route"],
    ["GET", "/api/metrics?after=-1", {}, 400, "invalid_query"],
    ["GET", "/api/metrics?after=1e9", {}, 400, "invalid_query"],
    ["GET", "/api/metrics?after=1&after=2", {}, 400, "invalid_query"],
    ["GET", "/api/metrics?__proto__=1", {}, 400, "invalid_query"],
    ["GET", "/api/answers/recent?limit=101", {}, 400, "invalid_query"],
    ["GET", "/api/answers/recent?limit=0", {}, 400, "invalid_query"],
    ["GET", "/api/clips/%E0%A4%A", {}, 400, "bad_path"],
  ];
  for (const [method, path, options, status, code] of cases) {
    const r = await api(base, method, path, { token: ann, ...options });
    const what = `${method} ${path} ${JSON.stringify(options).slice(0, 80)}`;
    assert.equal(r.status, status, what);
    assert.equal(r.json?.code, code, what);
    assert.equal(typeof r.json.error, "string");
    assert.match(r.headers["content-type"], /^application\/json/);
  }
  assert.equal((await api(base, "DELETE", "/api/session", { token: ann })).headers.allow, "GET");
  // Broken HTTP framing is answered by the parser with a 400, not a crash.
  const garbage = await rawRequest(
    t.server.port,
    "POST /api/answers HTTP/1.1\r\nContent-Length: zz\r\n\r\n",
  );
  assert.equal(garbage.status, 400);
  assert.deepEqual(await t.store.answersSince(0), before);
  await api(base, "POST", "/api/answers", {
    token: ann,
    body: { leaseId, answer: "left", requestId: "m-ok" },
  });
});

test("a repeated query goes to a different labeller; the owner sees inter-labeller agreement", async () => {
  const r = await startTestServer({ queries: 0, labellers: ["ann", "bob", "cat"] });
  try {
    const b = r.server.url;
    const q = makeQuery("orig");
    await r.store.addQuery(q, "online", { createdAt: 1 });
    // The repeat shows the clips the other way round.
    await r.store.addQuery({ ...q, id: "orig-again", left: q.right, right: q.left }, "online", {
      createdAt: 2,
      repeatOf: "orig",
    });
    await r.store.addQuery(makeQuery("other"), "online", { createdAt: 3 });

    const annFirst = await api(b, "POST", "/api/queries/next", { token: r.tokens.ann, body: {} });
    assert.equal(annFirst.json.query.id, "orig");
    // While ann holds the original, she is not handed its repeat.
    const annSecond = await api(b, "POST", "/api/queries/next", { token: r.tokens.ann, body: {} });
    assert.equal(annSecond.json.query.id, "other");
    await api(b, "POST", "/api/answers", {
      token: r.tokens.ann,
      body: { leaseId: annFirst.json.leaseId, answer: "left", requestId: "rep-1" },
    });
    await api(b, "POST", "/api/answers", {
      token: r.tokens.ann,
      body: { leaseId: annSecond.json.leaseId, answer: "left", requestId: "rep-2" },
    });
    const annThird = await api(b, "POST", "/api/queries/next", { token: r.tokens.ann, body: {} });
    assert.equal(
      annThird.json.waiting,
      true,
      "ann answered the original, so the repeat is not hers",
    );
    const annDirect = await api(b, "POST", "/api/queries/lease", {
      token: r.tokens.ann,
      body: { queryId: "orig-again" },
    });
    assert.equal(annDirect.status, 409, "not even by asking for it");

    const bobRepeat = await api(b, "POST", "/api/queries/next", { token: r.tokens.bob, body: {} });
    assert.equal(bobRepeat.json.query.id, "orig-again");
    assert.equal(bobRepeat.json.query.left.id, "orig-R");
    // bob sees the original's left clip on the right and prefers it: the same judgement as ann.
    await api(b, "POST", "/api/answers", {
      token: r.tokens.bob,
      body: { leaseId: bobRepeat.json.leaseId, answer: "right", requestId: "rep-3" },
    });

    const report = await api(b, "GET", "/api/labellers", { token: OWNER_TOKEN });
    assert.equal(report.status, 200);
    assert.deepEqual(report.json.repeats, { pairs: 1, agreed: 1, rate: 1 });
    const byName = Object.fromEntries(
      report.json.labellers.map((l: { name: string }) => [l.name, l]),
    );
    assert.deepEqual(Object.keys(byName), ["owner", "ann", "bob", "cat"]);
    assert.equal(byName.ann.answers, 2);
    assert.equal(byName.bob.answers, 1);
    assert.equal(byName.cat.answers, 0);
    assert.equal(byName.cat.lastAnswerAt, null);
    assert.ok(byName.bob.lastAnswerAt > Date.now() - 60_000);

    // bob changes his mind: now they disagree.
    await api(b, "POST", "/api/answers/undo", { token: r.tokens.bob, body: {} });
    const relet = await api(b, "POST", "/api/queries/lease", {
      token: r.tokens.bob,
      body: { queryId: "orig-again" },
    });
    await api(b, "POST", "/api/answers", {
      token: r.tokens.bob,
      body: { leaseId: relet.json.leaseId, answer: "left", requestId: "rep-4" },
    });
    const after = await api(b, "GET", "/api/labellers", { token: OWNER_TOKEN });
    assert.deepEqual(after.json.repeats, { pairs: 1, agreed: 0, rate: 0 });
  } finally {
    await r.close();
  }
});

test("stats, live and metrics read what the trainer writes", async () => {
  const ann = t.tokens.ann;
  await t.store.setMeta("schedule", { wanted: 120, asked: 80 });
  await t.store.setMeta("labellerAgreement", {
    ann: { agree: 3, total: 4 },
    bob: { agree: 0, total: 0 },
  });
  const stats = await api(base, "GET", "/api/stats", { token: ann });
  assert.equal(stats.json.wanted, 120);
  assert.equal(stats.json.agreement, 0.75);
  assert.equal(stats.json.answeredToday, stats.json.answeredTotal);
  assert.ok(stats.json.answeredTotal > 0);
  assert.equal(
    (await api(base, "GET", "/api/stats", { token: t.tokens.bob })).json.agreement,
    null,
  );
  assert.equal((await api(base, "GET", "/api/stats", { token: OWNER_TOKEN })).json.agreement, null);

  assert.deepEqual((await api(base, "GET", "/api/live", { token: ann })).json, { live: null });
  const live = {
    frames: [{ kind: "cartpole" as const, x: 0, theta: 0 }],
    predicted: [0.1],
    policyVersion: 3,
    envStep: 900,
    fps: 50,
    frameKind: "cartpole",
  };
  await t.store.setMeta("live", live);
  assert.deepEqual((await api(base, "GET", "/api/live", { token: ann })).json, { live });

  const path = join(t.runDir, "metrics.jsonl");
  assert.deepEqual((await api(base, "GET", "/api/metrics", { token: ann })).json, {
    rows: [],
    next: 0,
  });
  const row = (steps: number) =>
    JSON.stringify({ steps, labels: steps / 10, predictedReturn: 1, trueReturn: null });
  writeFileSync(path, `${row(100)}\n${row(200)}\n{"steps": 30`);
  const first = await api(base, "GET", "/api/metrics?after=0", { token: ann });
  assert.deepEqual(
    first.json.rows.map((r: { steps: number }) => r.steps),
    [100, 200],
    "the half-written last line waits",
  );
  assert.equal(first.json.next, 2);
  appendFileSync(path, `0, "labels": 30}\nnot json\n${row(400)}\n`);
  const second = await api(base, "GET", `/api/metrics?after=${first.json.next}`, { token: ann });
  assert.deepEqual(
    second.json.rows.map((r: { steps: number }) => r.steps),
    [300, 400],
    "the finished line arrives; a malformed one is skipped",
  );
  assert.equal(second.json.next, 4);
  assert.deepEqual(
    (await api(base, "GET", "/api/metrics?after=1", { token: ann })).json.rows.length,
    3,
  );
  assert.deepEqual((await api(base, "GET", "/api/metrics?after=99", { token: ann })).json, {
    rows: [],
    next: 4,
  });
  // A replaced (shorter) file is read again from its start.
  writeFileSync(path, `${row(5)}\n`);
  assert.deepEqual((await api(base, "GET", "/api/metrics?after=0", { token: ann })).json.rows, [
    JSON.parse(row(5)),
  ]);
});

test("an unexpected failure is a generic 500, and is logged", async () => {
  const broken = await startTestServer({ queries: 1 });
  try {
    const token = broken.tokens.ann;
    await broken.store.kysely.schema.dropTable("clip_predictions").execute();
    const r = await api(broken.server.url, "POST", "/api/queries/next", { token, body: {} });
    assert.equal(r.status, 500);
    assert.deepEqual(r.json, {
      error: "internal error; the server's log has the details",
      code: "internal",
    });
    assert.equal(broken.logged.length, 1);
    assert.match(
      broken.logged[0],
      /unexpected error on POST \/api\/queries\/next.*clip_predictions/s,
    );
    assert.equal((await api(broken.server.url, "GET", "/api/session", { token })).status, 200);
  } finally {
    await broken.close();
  }
});

test("large JSON answers are gzipped for clients that accept it, and decode to the same data", async () => {
  const id = `gz-${queryCounter++}`;
  const long = {
    id,
    left: makeClip(`${id}-L`, 1, 200),
    right: makeClip(`${id}-R`, 2, 200),
    disagreement: 0,
  };
  await t.store.addQuery(long, "online", { createdAt: 1000 + queryCounter });
  const get = (path: string) =>
    new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const req = request(
        new URL(path, base),
        { headers: { authorization: `Bearer ${OWNER_TOKEN}`, "accept-encoding": "gzip" } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        },
      );
      req.on("error", reject);
      req.end();
    });
  const plain = await api(base, "GET", `/api/clips/${id}-L`, { token: OWNER_TOKEN });
  assert.equal(plain.json.frames.length, 200);
  const zipped = await get(`/api/clips/${id}-L`);
  assert.equal(zipped.headers["content-encoding"], "gzip");
  assert.ok(zipped.body.length < Buffer.byteLength(JSON.stringify(plain.json)) / 2);
  assert.deepEqual(JSON.parse(gunzipSync(zipped.body).toString("utf8")), plain.json);
  const small = await get("/api/stats");
  assert.equal(small.headers["content-encoding"], undefined, "small answers are sent as they are");
  assert.equal(typeof JSON.parse(small.body.toString("utf8")).answeredTotal, "number");
});
