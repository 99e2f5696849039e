import assert from "node:assert/strict";
import { hostname } from "node:os";
import { after, before, test } from "node:test";
import { META, type TrainerStatus } from "../../src/store/index.ts";
import { api, makeQuery, OWNER_TOKEN, startTestServer, type TestServer } from "./helpers.ts";

let t: TestServer;
let base: string;
before(async () => {
  t = await startTestServer({ queries: 0 });
  base = t.server.url;
});
after(() => t.close());

function status(overrides: Partial<TrainerStatus>): TrainerStatus {
  return {
    state: "waiting",
    pace: "wait",
    labels: 10,
    wanted: 4,
    answered: 0,
    envSteps: 2048,
    totalSteps: 10_000,
    waitedSeconds: 3,
    labellingEnded: false,
    heartbeatAt: Date.now(),
    pid: process.pid,
    host: hostname(),
    ...overrides,
  };
}

const stats = async () =>
  (await api(base, "GET", "/api/stats", { token: t.tokens.ann })).json.run as {
    trainer: string;
    remaining: number;
    answered: number;
  } | null;

test("the page learns what the trainer is doing, and that a crashed trainer is not running", async () => {
  assert.equal(await stats(), null, "no trainer has started yet");
  await t.store.setMeta(META.trainer, status({}));
  await t.store.addQuery(makeQuery("rc-1"), "online");
  const lease = await api(base, "POST", "/api/queries/next", { token: t.tokens.ann, body: {} });
  await api(base, "POST", "/api/answers", {
    token: t.tokens.ann,
    body: { leaseId: lease.json.leaseId, answer: "left", requestId: "rc-1" },
  });
  assert.deepEqual(
    { ...(await stats()), heartbeatAt: 0 },
    {
      trainer: "waiting",
      pace: "wait",
      labels: 10,
      answered: 1,
      remaining: 9,
      labellingEnded: false,
      envSteps: 2048,
      totalSteps: 10_000,
      waitedSeconds: 3,
      heartbeatAt: 0,
    },
    "answers are counted in the store, not taken from the trainer's last word",
  );

  // A trainer killed with -9 never says so: its pid is gone, or its heartbeat goes stale.
  await t.store.setMeta(META.trainer, status({ pid: 2 ** 22 + 12_345 }));
  assert.equal((await stats())?.trainer, "not_running");
  await t.store.setMeta(META.trainer, status({ heartbeatAt: Date.now() - 61_000 }));
  assert.equal((await stats())?.trainer, "not_running");
  const next = await api(base, "POST", "/api/queries/next", { token: t.tokens.ann, body: {} });
  assert.equal(next.json.reason, "trainer_not_running");
  await t.store.setMeta(META.trainer, status({ state: "finished", heartbeatAt: 0 }));
  assert.equal((await stats())?.trainer, "finished");
});

test("only the owner may stop the run or end labelling; the requests reach the trainer through the store", async () => {
  await t.store.setMeta(META.trainer, status({}));
  await t.store.setMeta(META.control, {});
  const denied = await api(base, "POST", "/api/run/stop", { token: t.tokens.ann, body: {} });
  assert.equal(denied.status, 403);
  assert.deepEqual(await t.store.getMeta(META.control), {}, "a refused request changes nothing");

  const stop = await api(base, "POST", "/api/run/stop", { token: OWNER_TOKEN, body: {} });
  assert.equal(stop.status, 200);
  assert.deepEqual(stop.json, { requested: true, trainer: "waiting" });
  const end = await api(base, "POST", "/api/run/end-labelling", { token: OWNER_TOKEN, body: {} });
  assert.equal(end.status, 200);
  const control = await t.store.getMeta(META.control);
  assert.ok(control?.stopAt && control.endLabellingAt, "both requests are kept");

  // Once the trainer has ended labelling, the page is told so instead of being handed questions.
  await t.store.addQuery(makeQuery("rc-2"), "online");
  await t.store.setMeta(META.trainer, status({ labellingEnded: true }));
  const next = await api(base, "POST", "/api/queries/next", { token: t.tokens.ann, body: {} });
  assert.deepEqual(next.json, { waiting: true, retryAfterMs: 2000, reason: "labelling_ended" });
  assert.equal((await stats())?.remaining, 0);
});
