import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { createServer, type RunningServer, type ServerOptions } from "../../src/server/index.ts";
import { PreferenceStore } from "../../src/store/index.ts";
import { makeQuery, tempDir } from "../store/helpers.ts";

export { makeClip, makeQuery, tempDir } from "../store/helpers.ts";

export const OWNER_TOKEN = "owner-token-for-tests-0123456789";

export type TestServer = {
  server: RunningServer;
  store: PreferenceStore;
  runDir: string;
  webRoot: string;
  /** Labeller name → token. */
  tokens: Record<string, string>;
  /** What the server logged. */
  logged: string[];
  close(): Promise<void>;
};

/**
 * A server on an ephemeral port over a fresh store in a temp run directory, with `queries`
 * synthetic queries (q000, q001, … oldest first) and the named labellers. The web root is a
 * small fixture: index.html, dashboard.html, lib/app.js, a hidden file, a symlink that points
 * out of it, and a secret file beside it. Every answer it sends is checked against its response
 * schema: a mismatch is a 500 and is logged.
 */
export async function startTestServer(
  options: {
    queries?: number;
    labellers?: string[];
    /** Opens the store (default: SQLite in the run folder), e.g. a schema on Postgres. */
    open?: () => Promise<PreferenceStore>;
  } & Partial<ServerOptions> = {},
): Promise<TestServer> {
  const tmp = tempDir();
  const runDir = join(tmp.dir, "run");
  mkdirSync(runDir);
  const webRoot = makeWebRoot(tmp.dir);
  const store = options.open
    ? await options.open()
    : await PreferenceStore.open(join(runDir, "store.sqlite"));
  const n = options.queries ?? 5;
  for (let i = 0; i < n; i++) {
    await store.addQuery(makeQuery(`q${String(i).padStart(3, "0")}`), "online", {
      createdAt: i + 1,
    });
  }
  const tokens: Record<string, string> = {};
  for (const name of options.labellers ?? ["ann", "bob"])
    tokens[name] = (await store.addLabeller(name)).token;
  const logged: string[] = [];
  const server = await createServer({
    store,
    runDir,
    webRoot,
    ownerToken: OWNER_TOKEN,
    log: (m) => logged.push(m),
    // Every answer of every server test is checked against its schema in schemas.ts.
    checkResponses: true,
    ...options,
  });
  return {
    server,
    store,
    runDir,
    webRoot,
    tokens,
    logged,
    async close() {
      await server.close();
      await store.close();
      tmp.cleanup();
    },
  };
}

export const SECRET = "top secret, outside web/";

function makeWebRoot(dir: string): string {
  const web = join(dir, "web");
  mkdirSync(join(web, "lib"), { recursive: true });
  writeFileSync(join(web, "index.html"), "<!doctype html><title>label</title>");
  writeFileSync(join(web, "dashboard.html"), "<!doctype html><title>dashboard</title>");
  writeFileSync(join(web, "lib", "app.js"), "export const x = 1;\n");
  writeFileSync(join(web, "style.css"), "body { margin: 0 }\n");
  writeFileSync(join(web, ".hidden"), SECRET);
  writeFileSync(join(dir, "secret.txt"), SECRET);
  symlinkSync(join(dir, "secret.txt"), join(web, "leak.txt"));
  symlinkSync(dir, join(web, "up"));
  return web;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read the JSON answers field by field
export type Json = any;

export type Reply = { status: number; headers: Record<string, string>; text: string; json: Json };

/** One API call with fetch. `body` is JSON-encoded unless it is a string. */
export async function api(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["Content-Type"] ??= "application/json";
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: Object.fromEntries(res.headers), text, json };
}

/**
 * Sends `raw` bytes as they are over a fresh connection and reads until the server closes it.
 * For requests fetch would normalise or refuse (dot segments, bad bytes, broken framing).
 */
export function rawRequest(
  port: number,
  raw: string | Buffer,
  options: { timeoutMs?: number; halfClose?: boolean } = {},
): Promise<Reply> {
  const { timeoutMs = 5000, halfClose = false } = options;
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("latin1");
      const [head, ...rest] = text.split("\r\n\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of head.split("\r\n").slice(1)) {
        const i = line.indexOf(":");
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const body = rest.join("\r\n\r\n");
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {}
      resolve({ status, headers, text: body, json });
    });
    // A half-closed socket makes Node drop a request still being handled: only for garbage.
    socket.on("connect", () => (halfClose ? socket.end(raw) : socket.write(raw)));
    void reject;
  });
}

/** A GET of `path` sent byte for byte (no client-side normalisation). */
export function rawGet(port: number, path: string): Promise<Reply> {
  return rawRequest(
    port,
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
  );
}

/**
 * POSTs a body of `size` bytes with node:http, optionally chunked (no Content-Length), and
 * returns the answer even if the server stops reading the body early.
 */
export function postLarge(
  port: number,
  path: string,
  token: string,
  size: number,
  chunked: boolean,
): Promise<{ status: number; json: Json }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
    };
    if (!chunked) headers["Content-Length"] = size;
    const req = httpRequest({ host: "127.0.0.1", port, path, method: "POST", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      res.on("error", reject);
    });
    req.on("error", () => {}); // the server may close while we are still writing
    const piece = Buffer.alloc(8192, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(piece.length, size - sent);
        sent += n;
        if (!req.write(piece.subarray(0, n))) {
          req.once("drain", pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

export function startOfToday(): number {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
