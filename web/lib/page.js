/**
 * What the labelling page and the dashboard share: the start-up (the labeller's token, the API
 * client and the session, shown in the top bar), typed element look-ups, the toast, and the
 * names of the four answers.
 */
/** @import { Answer, RunInfo, SessionView } from "../../src/server/api_types.ts" */
/** @import { Api } from "./api.js" */
import { ApiError, createApi, isTransient, loadToken, sleep } from "./api.js";

/**
 * The four answers in the order of the page's buttons: the key that gives each, and how the
 * pages name it (`text` in sentences, `short` on the dashboard's badges).
 * @type {Readonly<Record<Answer, {key: string, text: string, short: string}>>}
 */
export const ANSWERS = {
  left: { key: "ArrowLeft", text: "left is better", short: "left better" },
  equal: { key: "ArrowUp", text: "about the same", short: "same" },
  cant_tell: { key: "ArrowDown", text: "can't tell", short: "can't tell" },
  right: { key: "ArrowRight", text: "right is better", short: "right better" },
};

/**
 * True for the name of an answer.
 * @param {unknown} name
 * @returns {name is Answer}
 */
export function isAnswer(name) {
  return typeof name === "string" && Object.hasOwn(ANSWERS, name);
}

/**
 * The answer a key gives (`event.key`), or undefined.
 * @param {string} key
 * @returns {Answer | undefined}
 */
export function answerForKey(key) {
  for (const [answer, { key: k }] of Object.entries(ANSWERS)) {
    if (k === key) return /** @type {Answer} */ (answer);
  }
  return undefined;
}

/**
 * The element with `id`, which the page's HTML always has; `type` narrows it further (a button,
 * a canvas).
 * @overload
 * @param {string} id
 * @returns {HTMLElement}
 */
/**
 * @template {Element} T
 * @overload
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
/**
 * @param {string} id
 * @param {new () => Element} [type]
 * @returns {Element}
 */
export function $(id, type = HTMLElement) {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return el;
}

/**
 * The element under `root` that `selector` matches, which `root`'s own markup always has.
 * @template {Element} T
 * @param {ParentNode} root
 * @param {string} selector
 * @param {new () => T} type
 * @returns {T}
 */
export function find(root, selector, type) {
  const el = root.querySelector(selector);
  if (!(el instanceof type)) throw new Error(`no ${type.name} '${selector}' here`);
  return el;
}

/**
 * The buttons that `selector` matches, in document order.
 * @param {string} selector
 * @returns {HTMLButtonElement[]}
 */
export function buttons(selector) {
  return [...document.querySelectorAll(selector)].filter((b) => b instanceof HTMLButtonElement);
}

/**
 * What tests and benchmarks read: the page's own state, on `window.__backflip`.
 * @param {object} probe
 */
export function exposeProbe(probe) {
  Object.assign(window, { __backflip: probe });
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;

/**
 * Shows `text` in the page's toast for `ms`; `tone` (`info`, `warn`, `error`) colours it.
 * @param {string} text
 * @param {{tone?: "info" | "warn" | "error", ms?: number}} [options]
 */
export function toast(text, { tone = "info", ms = 3500 } = {}) {
  const el = $("toast");
  el.textContent = text;
  el.dataset.tone = tone;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, ms);
}

/**
 * What an error says, for a toast.
 * @param {unknown} err
 */
export function errorMessage(err) {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `fn`, retrying transient failures (no answer, 5xx) with backoff.
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function retrying(fn) {
  let delay = 250;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err) || attempt >= 8) throw err;
      await sleep(delay);
      delay = Math.min(delay * 2, 4000);
    }
  }
}

/**
 * @typedef {object} Started
 * @property {Api} api  sends the labeller's token
 * @property {SessionView} session
 * @property {RunInfo | null} run  `session.run`
 */

/**
 * The start-up both pages share: the token from the address bar (or the one kept from before),
 * an API client that sends it, and the session, whose env id and labeller fill the top bar and
 * the tab's title (`title · envId`). Without a token, or with one the server refuses, `signIn`
 * is told which and this resolves to null.
 * @param {object} options
 * @param {string} options.title  the page's name in the tab's title
 * @param {(problem: "no_token" | "bad_token") => void} options.signIn
 * @param {boolean} [options.retry]  ride out transient failures of the first request
 * @returns {Promise<Started | null>}
 */
export async function startPage({ title, signIn, retry = false }) {
  const token = loadToken();
  if (!token) {
    signIn("no_token");
    return null;
  }
  const api = createApi(token);
  let session;
  try {
    session = retry ? await retrying(() => api.get("/api/session")) : await api.get("/api/session");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signIn("bad_token");
      return null;
    }
    throw err;
  }
  const run = session.run;
  $("env-id").textContent = run?.envId ?? "";
  $("labeller").textContent = session.labeller;
  document.title = `${title} · ${run?.envId ?? "Backflip"}`;
  return { api, session, run };
}
