/**
 * Answers waiting to be stored. Each submit carries a `requestId` chosen once; the outbox sends
 * answers one at a time, in the order given, and retries a failed send with the same requestId
 * until the server acknowledges it, so an answer is never lost or stored twice. The queue is
 * kept in localStorage: answers given just before a reload or a crash are sent on the next load.
 *
 * Every tab a labeller has open shares one stored queue. A tab writes its own answers merged with
 * the other tabs' (by each answer's `id`), leaving out only those it has settled itself, so a tab
 * that closes with answers unsent never takes another tab's answers out of storage.
 */
/** @import { Answer, AnswerResult, LeaseView } from "../../src/server/api_types.ts" */
/** @import { Api } from "./api.js" */
import { ApiError, isTransient, sleep } from "./api.js";

/**
 * An answer waiting to be stored, as kept in localStorage. `id` names the answer for good;
 * `requestId` is renewed when the answer moves to a newer lease.
 * @typedef {{id: string, leaseId: string, queryId: string, answer: Answer, requestId: string, tries: number}} OutboxItem
 */

/**
 * What the page hears from the outbox. `onStored` gets `{stored: false}` when the store already
 * held the answer; `latestLease` names the newest lease the page holds for a query.
 * @typedef {object} OutboxHooks
 * @property {(pending: number) => void} [onChange]
 * @property {(result: Pick<AnswerResult, "stored"> & Partial<AnswerResult>, item: OutboxItem) => void} [onStored]
 * @property {(item: OutboxItem, err: unknown) => void} [onRetry]
 * @property {(item: OutboxItem, reason: string) => void} [onDropped]
 * @property {() => void} [onAuth]
 * @property {(queryId: string) => string | undefined} [latestLease]
 */

export class Outbox {
  /**
   * @param {Api} api  from createApi
   * @param {string} key  localStorage key (one queue per labeller, since a lease belongs to its labeller)
   * @param {OutboxHooks} hooks
   */
  constructor(api, key, hooks = {}) {
    this.api = api;
    this.key = key;
    this.hooks = hooks;
    this.items = load(key);
    /**
     * Ids of answers this tab has stored or given up on, which its writes take out of storage.
     * @type {Set<string>}
     */
    this.settled = new Set();
    this.running = false;
    /** @type {(() => void)[]} */
    this.idleWaiters = [];
  }

  get pending() {
    return this.items.length;
  }

  /** @param {{leaseId: string, queryId: string, answer: Answer}} answer */
  add({ leaseId, queryId, answer }) {
    const requestId = crypto.randomUUID();
    this.items.push({ id: requestId, leaseId, queryId, answer, requestId, tries: 0 });
    this.save();
    this.run();
  }

  /**
   * Resolves once every answer queued so far has been stored (or given up on).
   * @returns {Promise<void>}
   */
  drain() {
    if (this.items.length === 0 && !this.running) return Promise.resolve();
    this.run();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  save() {
    try {
      const mine = new Set(this.items.map((i) => i.id));
      const others = load(this.key).filter((i) => !mine.has(i.id) && !this.settled.has(i.id));
      localStorage.setItem(this.key, JSON.stringify([...this.items, ...others]));
    } catch {
      // Without storage the queue still lives for this page.
    }
    this.hooks.onChange?.(this.items.length);
  }

  async run() {
    if (this.running) return;
    this.running = true;
    try {
      while (this.items.length > 0) {
        const item = this.items[0];
        const outcome = await this.send(item);
        if (outcome === "auth") return; // keep the queue; the page asks for a new token
        this.settled.add(item.id);
        this.items.shift();
        this.save();
      }
    } finally {
      this.running = false;
      if (this.items.length === 0) {
        const waiters = this.idleWaiters.splice(0);
        for (const resolve of waiters) resolve();
      }
    }
  }

  /**
   * Sends one answer until it is settled: "stored", "dropped" or "auth".
   * @param {OutboxItem} item
   * @returns {Promise<"stored" | "dropped" | "auth">}
   */
  async send(item) {
    let delay = 250;
    for (;;) {
      try {
        const result = await this.api.post("/api/answers", {
          leaseId: item.leaseId,
          answer: item.answer,
          requestId: item.requestId,
        });
        this.hooks.onStored?.(result, item);
        return "stored";
      } catch (err) {
        // Anything but a refusal from the server (no answer at all) is transient.
        if (!(err instanceof ApiError) || isTransient(err)) {
          item.tries++;
          this.hooks.onRetry?.(item, err);
          await sleep(delay);
          delay = Math.min(delay * 2, 5000);
          continue;
        }
        if (err.status === 401) {
          this.hooks.onAuth?.();
          return "auth";
        }
        if (err.code === "already_answered" || err.code === "lease_used") {
          // The store already holds this labeller's answer to the query.
          this.hooks.onStored?.({ stored: false }, item);
          return "stored";
        }
        if (err.code === "lease_expired" || err.code === "unknown_lease") {
          // The lease ran out before the answer arrived, so nothing was stored: send the answer
          // on a newer lease of the same query (the page may have renewed it already, or we
          // lease it again), under a new requestId.
          const renewed = this.hooks.latestLease?.(item.queryId);
          const leaseId =
            renewed && renewed !== item.leaseId
              ? renewed
              : (await this.relet(item.queryId))?.leaseId;
          if (leaseId) {
            item.leaseId = leaseId;
            item.requestId = crypto.randomUUID();
            this.save();
            continue;
          }
          const reason = (await this.answeredByThisLabeller(item.queryId))
            ? "you had already answered that pair, in another tab"
            : "its question was handed to someone else";
          this.hooks.onDropped?.(item, reason);
          return "dropped";
        }
        this.hooks.onDropped?.(item, err.message);
        return "dropped";
      }
    }
  }

  /**
   * Whether this labeller's recent answers hold one to `queryId` (given in another tab, which
   * took the pair back from this one). False when that cannot be told now.
   * @param {string} queryId
   */
  async answeredByThisLabeller(queryId) {
    try {
      const { answers } = await this.api.get("/api/answers/recent?limit=100");
      return answers.some((a) => a.queryId === queryId);
    } catch {
      return false;
    }
  }

  /**
   * @param {string} queryId
   * @returns {Promise<LeaseView | null>}
   */
  async relet(queryId) {
    let delay = 250;
    for (;;) {
      try {
        const res = await this.api.post("/api/queries/lease", { queryId });
        return res?.leaseId ? res : null;
      } catch (err) {
        if (!isTransient(err)) return null;
        await sleep(delay);
        delay = Math.min(delay * 2, 5000);
      }
    }
  }
}

/**
 * @param {string} key
 * @returns {OutboxItem[]}
 */
function load(key) {
  try {
    /** @type {unknown} */
    const items = JSON.parse(localStorage.getItem(key) ?? "[]");
    // Answers queued before items had an `id` are named by their first requestId.
    return Array.isArray(items)
      ? items.filter(isItem).map((i) => ({ ...i, id: i.id ?? i.requestId }))
      : [];
  } catch {
    return [];
  }
}

/**
 * A stored item worth sending: one with a lease and a request id.
 * @param {unknown} i
 * @returns {i is OutboxItem}
 */
function isItem(i) {
  return Boolean(
    i && typeof i === "object" && "leaseId" in i && i.leaseId && "requestId" in i && i.requestId,
  );
}
