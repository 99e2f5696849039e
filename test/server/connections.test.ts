/**
 * Connection hygiene: refusals that close their connection instead of reading a large body,
 * timeouts against slow clients, a connection limit, and only loopback Host names on loopback.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { api, OWNER_TOKEN, rawRequest, startTestServer, type TestServer } from "./helpers.ts";

let t: TestServer;
let base: string;
before(async () => {
  t = await startTestServer({ queries: 0, labellers: ["dan"] });
  base = t.server.url;
});
after(() => t.close());

/** Writes a body of up to `size` bytes after `head` until the server closes the connection. */
function streamUntilClosed(
  port: number,
  head: string,
  size: number,
): Promise<{ reply: string; written: number; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let reply = "";
    let written = 0;
    let finished = false;
    const piece = Buffer.alloc(64 * 1024, 0x20);
    socket.on("data", (c) => (reply += c.toString("latin1")));
    socket.on("error", () => {});
    const done = (closedByServer: boolean) => {
      if (finished) return;
      finished = true;
      socket.destroy();
      resolve({ reply, written, closedByServer });
    };
    socket.on("end", () => done(true));
    socket.on("close", () => done(true));
    const pump = () => {
      while (!finished && written < size) {
        written += piece.length;
        if (!socket.write(piece)) {
          socket.once("drain", pump);
          return;
        }
      }
      if (written >= size) setTimeout(() => done(false), 2000);
    };
    socket.on("connect", () => {
      socket.write(head);
      pump();
    });
  });
}

test("a refused request closes its connection instead of reading a 100 MB body", async () => {
  const size = 100 * 1024 * 1024;
  const port = t.server.port;
  const head = (auth: string, type: string) =>
    `POST /api/answers HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${auth}Content-Type: ${type}\r\nContent-Length: ${size}\r\n\r\n`;
  for (const [what, request, status] of [
    ["no token", head("", "application/json"), 401],
    ["a bad token", head("Authorization: Bearer nope\r\n", "application/json"), 401],
    ["a wrong type", head(`Authorization: Bearer ${t.tokens.dan}\r\n`, "text/plain"), 415],
  ] as const) {
    const r = await streamUntilClosed(port, request, size);
    assert.match(r.reply, new RegExp(`^HTTP/1.1 ${status} `), `${what}: ${r.reply.slice(0, 80)}`);
    assert.match(r.reply, /\r\nConnection: close\r\n/i, what);
    assert.ok(r.closedByServer, `${what}: the server closed the connection`);
    assert.ok(r.written < size / 2, `${what}: the server stopped reading after ${r.written} bytes`);
  }
  // A GET with a body on a POST route: 405, closed too.
  const wrong = await streamUntilClosed(
    port,
    `PUT /api/answers HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${size}\r\n\r\n`,
    size,
  );
  assert.match(wrong.reply, /^HTTP\/1.1 405 /);
  assert.ok(wrong.closedByServer && wrong.written < size / 2);
  // The server still serves.
  assert.equal((await api(base, "GET", "/api/session", { token: t.tokens.dan })).status, 200);
});

test("when bound to loopback, only loopback Host names are answered", async () => {
  const port = t.server.port;
  const get = (host: string) =>
    rawRequest(
      port,
      `GET /api/session HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${t.tokens.dan}\r\nConnection: close\r\n\r\n`,
    );
  for (const host of [
    `127.0.0.1:${port}`,
    `localhost:${port}`,
    `[::1]:${port}`,
    `LOCALHOST:${port}`,
  ]) {
    assert.equal((await get(host)).status, 200, host);
  }
  for (const host of [
    `evil.example:${port}`,
    "127.0.0.1",
    `127.0.0.1:${port + 1}`,
    `localhost.evil.example:${port}`,
  ]) {
    const r = await get(host);
    assert.equal(r.status, 421, host);
    assert.equal(r.json.code, "bad_host");
    assert.match(r.json.error, /answers only to 127\.0\.0\.1:\d+, localhost:\d+, \[::1\]:\d+/);
  }
  // Static files too: a rebound page cannot read them either.
  const page = await rawRequest(
    port,
    `GET / HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(page.status, 421);
});

test("a server bound to all addresses accepts any Host name", async () => {
  const open = await startTestServer({ queries: 0, host: "0.0.0.0" });
  try {
    const r = await rawRequest(
      open.server.port,
      `GET /api/session HTTP/1.1\r\nHost: labelling.example:${open.server.port}\r\nAuthorization: Bearer ${OWNER_TOKEN}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(r.status, 200);
  } finally {
    await open.close();
  }
});

test("slow clients are dropped when the configured timeouts run out", async () => {
  const slow = await startTestServer({
    queries: 0,
    timeouts: { headersMs: 300, requestMs: 600, checkIntervalMs: 50 },
  });
  try {
    const port = slow.server.port;
    // Slowloris: headers that never end, one line at a time.
    const headers = await dribble(
      port,
      [`GET /api/session HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`],
      (i) => `X-Slow-${i}: y\r\n`,
    );
    assert.ok(headers.closedByServer, "the server dropped the connection");
    assert.match(headers.reply, /^HTTP\/1.1 408 /);
    // A body that never ends.
    const body = await dribble(
      port,
      [
        `POST /api/queries/next HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${OWNER_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
      ],
      () => " ",
    );
    assert.ok(body.closedByServer, "the server dropped the connection");
    assert.match(body.reply, /^(HTTP\/1.1 408 |$)/);
  } finally {
    await slow.close();
  }
});

/**
 * Sends `start`, then one more piece every 50 ms for up to 10 s, until the server closes the
 * connection (far later than the timeouts configured above).
 */
function dribble(
  port: number,
  start: string[],
  piece: (i: number) => string,
): Promise<{ reply: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let reply = "";
    let i = 0;
    let finished = false;
    socket.on("data", (c) => (reply += c.toString("latin1")));
    socket.on("error", () => {});
    const done = (closedByServer: boolean) => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      socket.destroy();
      resolve({ reply, closedByServer });
    };
    socket.on("close", () => done(true));
    socket.on("end", () => done(true));
    const timer = setInterval(() => {
      if (i++ >= 200) done(false);
      else socket.write(piece(i));
    }, 50);
    socket.on("connect", () => {
      for (const s of start) socket.write(s);
    });
  });
}

test("connections over maxConnections are closed as they arrive", async () => {
  const small = await startTestServer({ queries: 0, maxConnections: 2 });
  try {
    const port = small.server.port;
    const open = [connect(port, "127.0.0.1"), connect(port, "127.0.0.1")];
    await Promise.all(open.map((s) => new Promise((r) => s.once("connect", r))));
    // Let the server accept both before the third arrives.
    await new Promise((r) => setTimeout(r, 100));
    const third = await rawRequest(
      port,
      `GET /api/session HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${OWNER_TOKEN}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(third.status, 0, "closed without an answer");
    for (const s of open) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const later = await api(small.server.url, "GET", "/api/session", { token: OWNER_TOKEN });
    assert.equal(later.status, 200);
  } finally {
    await small.close();
  }
});
