/**
 * The page's side of the HTTP API (docs/api.md): the labeller's token and a fetch wrapper that
 * sends it, parses JSON and turns error bodies into ApiError.
 */

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
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** True for failures worth retrying unchanged: no answer at all, or a 5xx / 429. */
export function isTransient(err) {
  if (err instanceof ApiError) return err.status >= 500 || err.status === 429;
  return true;
}

export function createApi(token) {
  async function call(method, path, body) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    const text = await res.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!res.ok) {
      const message = data?.error ?? `${method} ${path}: HTTP ${res.status}`;
      throw new ApiError(res.status, data?.code ?? `http_${res.status}`, message);
    }
    return data;
  }
  return {
    get: (path) => call("GET", path),
    post: (path, body = {}) => call("POST", path, body),
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
