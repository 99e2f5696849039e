/**
 * Crowd hygiene among labellers: revoked and rotated tokens, reserved teacher names, and the limit
 * on leases one labeller may hold.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { labellersCommand } from "../../src/cli/labellers.ts";
import { backflip } from "../cli/helpers.ts";
import { api, makeQuery, OWNER_TOKEN, startTestServer, type TestServer } from "./helpers.ts";

let t: TestServer;
let base: string;
before(async () => {
  t = await startTestServer({ queries: 0, labellers: ["ann", "bob", "cat", "dan"] });
  base = t.server.url;
});
after(() => t.close());

let counter = 0;
async function addQueries(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `lab-${String(counter++).padStart(4, "0")}`;
    await t.store.addQuery(makeQuery(id), "online", { createdAt: 1000 + counter });
    ids.push(id);
  }
  return ids;
}

/** Silences console.log while the CLI prints tokens, and returns what it printed. */
async function quietly(
  ctx: { mock: { method: typeof import("node:test").mock.method } },
  fn: () => Promise<number>,
): Promise<{ code: number; printed: string }> {
  const lines: string[] = [];
  ctx.mock.method(console, "log", (...args: unknown[]) => lines.push(args.join(" ")));
  const code = await fn();
  return { code, printed: lines.join("\n") };
}

const tokenIn = (printed: string) => /shown only this once\):\n\s+(\S+)/.exec(printed)?.[1];

test("a removed labeller gets 401 at once from a running server; their answers stay theirs", async (ctx) => {
  const [q] = await addQueries(1);
  const ann = t.tokens.ann;
  const lease = await api(base, "POST", "/api/queries/next", { token: ann, body: {} });
  assert.equal(lease.json.query.id, q);
  const answered = await api(base, "POST", "/api/answers", {
    token: ann,
    body: { leaseId: lease.json.leaseId, answer: "left", requestId: "hyg-ann-1" },
  });
  assert.equal(answered.status, 200);

  // The CLI works on the store file, as another process would; the server holds no copy.
  const { code, printed } = await quietly(ctx, () => labellersCommand(["remove", "ann", t.runDir]));
  assert.equal(code, 0);
  assert.match(printed, /Labeller 'ann' removed.*1 answer stay/);
  const refused = await api(base, "GET", "/api/session", { token: ann });
  assert.equal(refused.status, 401);
  assert.equal(refused.json.code, "unknown_token");

  const table = await api(base, "GET", "/api/labellers", { token: OWNER_TOKEN });
  const row = table.json.labellers.find((l: { name: string }) => l.name === "ann");
  assert.deepEqual([row.kind, row.removed, row.answers], ["person", true, 1]);
  const recent = await api(base, "GET", "/api/answers/recent", { token: OWNER_TOKEN });
  assert.ok(recent.json.answers.some((a: { labeller: string }) => a.labeller === "ann"));
});

test("rotate prints a new token; the old one gets 401 at once, the new one works", async (ctx) => {
  const old = t.tokens.bob;
  assert.equal((await api(base, "GET", "/api/session", { token: old })).status, 200);
  const { printed } = await quietly(ctx, () => labellersCommand(["rotate", "bob", t.runDir]));
  const fresh = tokenIn(printed);
  assert.ok(fresh && fresh !== old, printed);
  assert.equal((await api(base, "GET", "/api/session", { token: old })).status, 401);
  const session = await api(base, "GET", "/api/session", { token: fresh });
  assert.deepEqual([session.status, session.json.labeller], [200, "bob"]);
  t.tokens.bob = fresh;

  await assert.rejects(
    labellersCommand(["rotate", "nobody", t.runDir]),
    /no labeller named 'nobody'/,
  );
  await assert.rejects(labellersCommand(["remove", "owner", t.runDir]), /cannot be removed/);
});

test("rotate owner replaces the owner's token, also for a running server", async (ctx) => {
  const { printed } = await quietly(ctx, () => labellersCommand(["rotate", "owner", t.runDir]));
  const fresh = tokenIn(printed);
  assert.ok(fresh);
  assert.equal((await api(base, "GET", "/api/session", { token: OWNER_TOKEN })).status, 401);
  const session = await api(base, "GET", "/api/session", { token: fresh });
  assert.deepEqual([session.json.labeller, session.json.isOwner], ["owner", true]);
  // Put the test owner token back for the other tests.
  const { hashToken } = await import("../../src/store/index.ts");
  await t.store.setMeta("ownerTokenHash", hashToken(OWNER_TOKEN));
});

test("labellers add refuses the names of synthetic teachers, with exit code 2", async () => {
  for (const name of ["oracle", "noisy", "Oracle", "human"]) {
    await assert.rejects(
      labellersCommand(["add", name, t.runDir]),
      /is the name of a synthetic teacher \(reserved: owner, oracle, noisy, human, none\)/,
    );
  }
  await assert.rejects(labellersCommand(["add", "goal:backflip", t.runDir]), /not a usable name/);
  const r = backflip("labellers", "add", "noisy", t.runDir);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /synthetic teacher/);
  assert.equal(
    (await t.store.listLabellers()).some((l) => l.name === "noisy"),
    false,
  );
});

test("a third lease is refused with 429 lease_limit; an answer or an undo still works", async () => {
  await addQueries(4);
  const cat = t.tokens.cat;
  const next = () => api(base, "POST", "/api/queries/next", { token: cat, body: {} });
  const first = await next();
  const second = await next();
  assert.ok(first.json.leaseId && second.json.leaseId);
  const third = await next();
  assert.equal(third.status, 429);
  assert.equal(third.json.code, "lease_limit");
  assert.match(third.json.error, /already hold 2 unanswered queries/);
  assert.ok(Number(third.headers["retry-after"]) >= 1);
  // It names the held pairs, so a reloaded page can take one back (its own lease is replaced).
  assert.deepEqual(third.json.held, [first.json.query.id, second.json.query.id]);
  // Another labeller is served meanwhile.
  const dan = await api(base, "POST", "/api/queries/next", { token: t.tokens.dan, body: {} });
  assert.equal(dan.status, 200);

  const answer = await api(base, "POST", "/api/answers", {
    token: cat,
    body: { leaseId: first.json.leaseId, answer: "right", requestId: "hyg-cat-1" },
  });
  assert.equal(answer.status, 200);
  const again = await next();
  assert.equal(again.status, 200, "answering frees a place");
  // Undo on a full page: the undone query is leased again, one over the limit.
  const undo = await api(base, "POST", "/api/answers/undo", { token: cat, body: {} });
  assert.equal(undo.json.undone.queryId, first.json.query.id);
  const relet = await api(base, "POST", "/api/queries/lease", {
    token: cat,
    body: { queryId: first.json.query.id },
  });
  assert.equal(relet.status, 200, relet.text);
  assert.equal((await next()).status, 429);
});
