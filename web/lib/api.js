/**
 * The page's side of the HTTP API (docs/api.md): the labeller's token and a fetch wrapper that
 * sends it, parses JSON and turns error bodies into ApiError. The answer types are the server's
 * (src/server/api_types.ts), so `tsc -p web` checks the pages against the API.
 */

/**
 * @import {
 *   AnswerBody, AnswerResult, ApiErrorBody, ClipView, ControlResult, LabellersView, LeaseBody,
 *   LeaseView, LiveView, MetricsPage, NextQueryView, RecentAnswersView, SessionView, StatsView,
 *   UndoResult,
 * } from "../../src/server/api_types.ts"
 */

/**
 * What `api.get(path)` answers, by path.
 * @template {GetPath} P
 * @typedef {P extends "/api/session" ? SessionView
 *   : P extends "/api/stats" ? StatsView
 *   : P extends "/api/live" ? LiveView
 *   : P extends "/api/labellers" ? LabellersView
 *   : P extends `/api/metrics?${string}` ? MetricsPage
 *   : P extends `/api/answers/recent${string}` ? RecentAnswersView
 *   : ClipView} GetAnswer
 */
/**
 * @typedef {"/api/session" | "/api/stats" | "/api/live" | "/api/labellers"
 *   | `/api/metrics?${string}` | `/api/answers/recent${"" | `?${string}`}`
 *   | `/api/clips/${string}`} GetPath
 */

/**
 * What `api.post(path, body)` sends and answers, by path.
 * @typedef {{
 *   "/api/queries/next": [Record<string, never>, NextQueryView],
 *   "/api/queries/lease": [LeaseBody, LeaseView],
 *   "/api/answers": [AnswerBody, AnswerResult],
 *   "/api/answers/undo": [Record<string, never>, UndoResult],
 *   "/api/run/stop": [Record<string, never>, ControlResult],
 *   "/api/run/end-labelling": [Record<string, never>, ControlResult],
 * }} PostRoutes
 */

/** @typedef {ReturnType<typeof createApi>} Api */

const TOKEN_KEY = "backflip.token";

/**
 * The token from the address bar's `#token=…` (kept in localStorage and removed from the
 * address bar, so it is not left in history or screenshots), else the stored one, else null.
 */
export function loadToken() {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  const fromUrl = hash.get("token");
  if (fromUrl) {
    try {
      localStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Private mode without storage: the token lives for this page only.
    }
    hash.delete("token");
    const rest = hash.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
    return fromUrl;
  }
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function forgetToken() {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
}

/** An answer from the server with a 4xx/5xx status; `code` is the API's machine code. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {string[]} [held]  lease_limit: the queries this labeller's live leases are on
   */
  constructor(status, code, message, held = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.held = held;
  }
}

/**
 * True for failures worth retrying unchanged: no answer at all, or a 5xx / 429.
 * @param {unknown} err
 */
export function isTransient(err) {
  if (err instanceof ApiError) return err.status >= 500 || err.status === 429;
  return true;
}

/** @param {string} token */
export function createApi(token) {
  /**
   * @param {"GET" | "POST"} method
   * @param {string} path
   * @param {unknown} [body]
   * @returns {Promise<unknown>}
   */
  async function call(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    const text = await res.text();
    /** @type {unknown} */
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!res.ok) {
      const refusal = /** @type {Partial<ApiErrorBody> | null} */ (data);
      const message = refusal?.error ?? `${method} ${path}: HTTP ${res.status}`;
      throw new ApiError(res.status, refusal?.code ?? `http_${res.status}`, message, refusal?.held);
    }
    return data;
  }
  return {
    /**
     * @template {GetPath} P
     * @param {P} path
     */
    get: (path) => /** @type {Promise<GetAnswer<P>>} */ (call("GET", path)),
    /**
     * @template {keyof PostRoutes} P
     * @param {P} path
     * @param {PostRoutes[P][0]} body
     */
    post: (path, body) => /** @type {Promise<PostRoutes[P][1]>} */ (call("POST", path, body)),
  };
}

/** @param {number} ms */
export const sleep = (ms) =>
  /** @type {Promise<void>} */ (new Promise((resolve) => setTimeout(resolve, ms)));
