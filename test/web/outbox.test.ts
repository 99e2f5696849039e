/**
 * The labelling page's outbox (web/lib/outbox.js) with two tabs of one labeller: both share one
 * queue in localStorage, and no tab's write may take out an answer another tab has not sent.
 */
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

type Answer = "left" | "right" | "equal" | "cant_tell";
type Item = { id: string; queryId: string; answer: Answer; requestId: string };
type Outbox = {
  items: Item[];
  add(a: { leaseId: string; queryId: string; answer: Answer }): void;
  drain(): Promise<void>;
};
type Api = {
  post(path: string, body: { requestId?: string; queryId?: string }): Promise<unknown>;
  get?(path: string): Promise<unknown>;
};
type Hooks = { onDropped?: (item: Item, reason: string) => void };

// Non-literal specifiers: the page's modules are plain JS, type-checked by `tsc -p web`.
const webLib = (name: string) => new URL(`../../web/lib/${name}`, import.meta.url).href;
const { Outbox } = (await import(webLib("outbox.js"))) as {
  Outbox: new (api: Api, key: string, hooks?: Hooks) => Outbox;
};
const { ApiError } = (await import(webLib("api.js"))) as {
  ApiError: new (status: number, code: string, message: string) => Error;
};

const KEY = "backflip.outbox.ann";

/** The one localStorage every tab of the page shares. */
class MemoryStorage {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

beforeEach(() => {
  Object.defineProperty(globalThis, "localStorage", {
    value: new MemoryStorage(),
    configurable: true,
  });
});

const stored = (): Item[] => JSON.parse(localStorage.getItem(KEY) ?? "[]");

/** A server that never answers: each send waits, as when the network is down. */
const unreachable: Api = { post: () => new Promise(() => {}) };

/** A server that stores each request once and records what it stored. */
function recordingApi() {
  const byRequest = new Map<string, unknown>();
  const api: Api = {
    async post(path, body) {
      assert.equal(path, "/api/answers");
      byRequest.set(String(body.requestId), body);
      return { stored: true };
    },
  };
  return { api, byRequest };
}

test("two tabs' unsent answers both stay in storage, whichever tab wrote last", () => {
  const first = new Outbox(unreachable, KEY);
  const second = new Outbox(unreachable, KEY);
  first.add({ leaseId: "l1", queryId: "q-0001", answer: "left" });
  second.add({ leaseId: "l2", queryId: "q-0002", answer: "right" });
  first.add({ leaseId: "l3", queryId: "q-0003", answer: "equal" });
  assert.deepEqual(
    stored()
      .map((i) => [i.queryId, i.answer])
      .sort(),
    [
      ["q-0001", "left"],
      ["q-0002", "right"],
      ["q-0003", "equal"],
    ],
  );
});

test("a tab that sends its answers takes out only its own; the next load sends the rest", async () => {
  const closing = new Outbox(unreachable, KEY);
  closing.add({ leaseId: "l2", queryId: "q-0002", answer: "right" });
  const server = recordingApi();
  const sending = new Outbox(server.api, KEY);
  // It read q-0002 from storage as it loaded, so it sends that too, under the same requestId.
  sending.add({ leaseId: "l1", queryId: "q-0001", answer: "left" });
  await sending.drain();
  assert.deepEqual(stored(), []);
  assert.equal(server.byRequest.size, 2);

  // An answer queued after the other tab loaded is left for the next load, not taken out.
  const late = new Outbox(unreachable, KEY);
  late.add({ leaseId: "l3", queryId: "q-0003", answer: "equal" });
  sending.add({ leaseId: "l4", queryId: "q-0004", answer: "cant_tell" });
  await sending.drain();
  assert.deepEqual(
    stored().map((i) => i.queryId),
    ["q-0003"],
  );
  const next = new Outbox(server.api, KEY);
  await next.drain();
  assert.deepEqual(stored(), []);
  assert.deepEqual(
    [...server.byRequest.values()].map((b) => (b as { leaseId: string }).leaseId).sort(),
    ["l1", "l2", "l3", "l4"],
  );
});

test("answers queued before they had an id are still sent", async () => {
  localStorage.setItem(
    KEY,
    JSON.stringify([
      { leaseId: "l1", queryId: "q-0001", answer: "left", requestId: "r-1", tries: 0 },
    ]),
  );
  const server = recordingApi();
  const outbox = new Outbox(server.api, KEY);
  assert.equal(outbox.items[0].id, "r-1");
  await outbox.drain();
  assert.deepEqual([...server.byRequest.keys()], ["r-1"]);
  assert.deepEqual(stored(), []);
});

/**
 * A server on which the answer's lease has ended and the pair cannot be leased again, because
 * this labeller's `recent` answers already hold one to it (or not).
 */
function leaseGoneApi(recent: string[]): Api {
  return {
    async post(path) {
      if (path === "/api/answers") throw new ApiError(409, "unknown_lease", "no such lease");
      return { leaseId: null };
    },
    async get() {
      return { answers: recent.map((queryId) => ({ queryId })) };
    },
  };
}

test("an answer to a pair answered in another tab is dropped saying so", async () => {
  const reasons: string[] = [];
  const onDropped = (_item: Item, reason: string) => reasons.push(reason);
  const answeredElsewhere = new Outbox(leaseGoneApi(["q-0001"]), KEY, { onDropped });
  answeredElsewhere.add({ leaseId: "l1", queryId: "q-0001", answer: "left" });
  await answeredElsewhere.drain();
  const handedOn = new Outbox(leaseGoneApi([]), KEY, { onDropped });
  handedOn.add({ leaseId: "l2", queryId: "q-0002", answer: "right" });
  await handedOn.drain();
  assert.deepEqual(reasons, [
    "you had already answered that pair, in another tab",
    "its question was handed to someone else",
  ]);
  assert.deepEqual(stored(), []);
});
