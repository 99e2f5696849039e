/**
 * Response schemas: one per route, and every answer matches its own. The test server checks
 * each answer of every server test (`checkResponses`); these tests prove that the check covers
 * every route, catches a wrong answer, and that refusals have their one shape too.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type ApiRoutes, createServer, RawJson } from "../../src/server/index.ts";
import {
  apiErrorBody,
  checkingResponses,
  checkResponse,
  RESPONSES,
} from "../../src/server/schemas.ts";
import { PreferenceStore } from "../../src/store/index.ts";
import { api, OWNER_TOKEN, startTestServer, type TestServer, tempDir } from "./helpers.ts";

let t: TestServer;
before(async () => {
  t = await startTestServer({ queries: 3, labellers: ["ann"] });
});
after(() => t.close());

test("every route has a response schema, and every schema a route", async () => {
  const tmp = tempDir();
  const store = await PreferenceStore.open(`${tmp.dir}/store.sqlite`);
  let routes: ApiRoutes = {};
  try {
    // A layer that only looks at the route table.
    await createServer({
      store,
      runDir: tmp.dir,
      httpLayer: async (app) => {
        routes = app.routes;
        return { url: "http://127.0.0.1:1", port: 1, close: async () => {} };
      },
    });
  } finally {
    await store.close();
    tmp.cleanup();
  }
  const keys = Object.entries(routes).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => `${m} ${path}`),
  );
  assert.deepEqual(keys.sort(), Object.keys(RESPONSES).sort());
  assert.doesNotThrow(() => checkingResponses(routes));
  const { "/api/live": _, ...fewer } = routes;
  assert.throws(
    () => checkingResponses(fewer),
    /response schemas without a route: GET \/api\/live/,
  );
});

test("an answer with a missing, wrong or extra field fails its schema", () => {
  const session = { labeller: "ann", isOwner: false, run: null };
  assert.doesNotThrow(() => checkResponse("GET /api/session", session));
  assert.throws(
    () => checkResponse("GET /api/session", { ...session, token: "leaked" }),
    /GET \/api\/session does not match its schema/,
  );
  assert.throws(() => checkResponse("GET /api/session", { ...session, isOwner: "no" }));
  assert.throws(() => checkResponse("POST /api/answers", { stored: true }));
  // Checked as the client reads it: a NaN r̂ is sent, and checked, as null.
  const clip = { id: "c", envId: "E", length: 1, fps: null, frames: [], predicted: [Number.NaN] };
  assert.doesNotThrow(() => checkResponse("GET /api/clips/:id", clip));
  assert.doesNotThrow(() =>
    checkResponse("GET /api/metrics", new RawJson('{"rows":[{"steps":1}],"next":1}')),
  );
  assert.throws(() => checkResponse("GET /api/metrics", new RawJson('{"rows":[{}],"next":1}')));
  assert.throws(() => checkResponse("GET /api/nothing", {}), /no response schema/);
});

test("the labelling round trip answers match their schemas, and refusals are {error, code}", async () => {
  const base = t.server.url;
  const ann = t.tokens.ann;
  const next = await api(base, "POST", "/api/queries/next", { token: ann, body: {} });
  assert.equal(next.status, 200);
  checkResponse("POST /api/queries/next", next.json);
  const answer = await api(base, "POST", "/api/answers", {
    token: ann,
    body: { leaseId: next.json.leaseId, answer: "left", requestId: "schema-1" },
  });
  checkResponse("POST /api/answers", answer.json);
  checkResponse(
    "GET /api/answers/recent",
    (await api(base, "GET", "/api/answers/recent", { token: ann })).json,
  );
  checkResponse(
    "GET /api/labellers",
    (await api(base, "GET", "/api/labellers", { token: OWNER_TOKEN })).json,
  );
  checkResponse(
    "POST /api/answers/undo",
    (await api(base, "POST", "/api/answers/undo", { token: ann, body: {} })).json,
  );

  const refusals = [
    await api(base, "GET", "/api/session"),
    await api(base, "GET", "/api/nothing", { token: ann }),
    await api(base, "PUT", "/api/session", { token: ann }),
    await api(base, "GET", "/api/labellers", { token: ann }),
    await api(base, "POST", "/api/answers", { token: ann, body: "{" }),
    await api(base, "POST", "/api/answers", {
      token: ann,
      body: "{}",
      headers: { "Content-Type": "text/plain" },
    }),
    await api(base, "POST", "/api/answers", { token: ann, body: `"${"x".repeat(20_000)}"` }),
    await api(base, "GET", "/missing.js"),
  ];
  assert.deepEqual(
    refusals.map((r) => r.status),
    [401, 404, 405, 403, 400, 415, 413, 404],
  );
  for (const r of refusals) assert.doesNotThrow(() => apiErrorBody.parse(r.json), r.text);
  assert.deepEqual(t.logged, [], "no answer failed its schema");
});
