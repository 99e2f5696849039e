import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { createServer, VENDOR_FILES } from "../../src/server/index.ts";
import { PreferenceStore } from "../../src/store/index.ts";
import {
  api,
  rawGet,
  rawRequest,
  SECRET,
  startTestServer,
  type TestServer,
  tempDir,
} from "./helpers.ts";

let t: TestServer;
before(async () => {
  t = await startTestServer({ queries: 0 });
});
after(() => t.close());

test("pages and files of web/ are served with their content types and a CSP", async () => {
  const cases: [string, string, RegExp][] = [
    ["/", "text/html; charset=utf-8", /<title>label/],
    ["/index.html", "text/html; charset=utf-8", /<title>label/],
    ["/dashboard", "text/html; charset=utf-8", /<title>dashboard/],
    ["/dashboard.html", "text/html; charset=utf-8", /<title>dashboard/],
    ["/lib/app.js", "text/javascript; charset=utf-8", /export const x/],
    ["/style.css", "text/css; charset=utf-8", /margin/],
    ["/lib/%61pp.js", "text/javascript; charset=utf-8", /export const x/],
  ];
  for (const [path, type, body] of cases) {
    const r = await api(t.server.url, "GET", path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers["content-type"], type, path);
    assert.match(r.text, body, path);
    assert.match(r.headers["content-security-policy"], /script-src 'self'/);
    assert.match(r.headers["content-security-policy"], /frame-ancestors 'none'/);
    assert.equal(r.headers["x-content-type-options"], "nosniff");
  }
  const head = await fetch(`${t.server.url}/lib/app.js`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  const post = await api(t.server.url, "POST", "/index.html", { body: {} });
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, "GET, HEAD");
  assert.equal((await api(t.server.url, "GET", "/missing.js")).status, 404);
  assert.equal((await api(t.server.url, "GET", "/lib")).status, 404, "a folder is not a file");
});

test("the vendor whitelist maps into node_modules", async () => {
  for (const [path, file] of Object.entries(VENDOR_FILES)) {
    const r = await api(t.server.url, "GET", path);
    assert.equal(r.status, 200, path);
    assert.equal(r.text, readFileSync(file(), "utf8"));
    assert.match(
      r.headers["content-type"],
      path.endsWith(".css") ? /^text\/css/ : /^text\/javascript/,
    );
  }
  assert.equal((await api(t.server.url, "GET", "/vendor/three.cjs")).status, 404);
  assert.equal((await rawGet(t.server.port, "/vendor/../../package.json")).status, 403);
});

test("no request path reads a file outside web/", async () => {
  const attempts: [string, number[]][] = [
    ["/../secret.txt", [403]],
    ["/lib/../../secret.txt", [403]],
    ["/%2e%2e/secret.txt", [403]],
    ["/%2E%2E%2Fsecret.txt", [403]],
    ["/lib/%2e%2e%2f%2e%2e%2fsecret.txt", [403]],
    ["/..%5csecret.txt", [403]],
    ["/%252e%252e/secret.txt", [404]],
    ["/./index.html", [403]],
    ["/index.html%00.js", [403]],
    ["/index.html\0", [400, 403]],
    ["//etc/passwd", [403]],
    ["/%2Fetc%2Fpasswd", [404]],
    ["/etc/passwd", [404]],
    ["/leak.txt", [404]],
    ["/up/secret.txt", [404]],
    ["/.hidden", [404]],
    ["/%2ehidden", [404]],
    ["/%c0%ae%c0%ae/secret.txt", [400]],
    ["http://evil.example/../secret.txt", [400]],
    ["*", [400]],
  ];
  for (const [path, statuses] of attempts) {
    const r = await rawGet(t.server.port, path);
    assert.ok(statuses.includes(r.status), `${JSON.stringify(path)} → ${r.status}`);
    assert.ok(!r.text.includes(SECRET), `${JSON.stringify(path)} leaked the secret`);
    assert.ok(!r.text.includes("root:"), `${JSON.stringify(path)} leaked /etc/passwd`);
  }
});

test("the repository's own web/ page is served by default", async () => {
  const tmp = tempDir();
  const store = await PreferenceStore.open(`${tmp.dir}/store.sqlite`);
  const server = await createServer({ store, runDir: tmp.dir, log: () => {} });
  try {
    const page = await api(server.url, "GET", "/");
    assert.equal(page.status, 200);
    assert.match(page.headers["content-type"], /^text\/html/);
    assert.equal((await api(server.url, "GET", "/vendor/uPlot.min.css")).status, 200);
  } finally {
    await server.close();
    await store.close();
    tmp.cleanup();
  }
});

test("files are gzipped for clients that accept it, and a revalidation with their ETag is a 304", async () => {
  const tmp = tempDir();
  const store = await PreferenceStore.open(`${tmp.dir}/store.sqlite`);
  const server = await createServer({ store, runDir: tmp.dir, log: () => {} });
  try {
    const url = `${server.url}/lib/label.js`;
    const plain = readFileSync(new URL("../../web/lib/label.js", import.meta.url), "utf8");
    const zipped = await fetch(url, { headers: { "accept-encoding": "gzip" } });
    assert.equal(zipped.headers.get("content-encoding"), "gzip");
    assert.equal(zipped.headers.get("cache-control"), "no-cache");
    assert.equal(await zipped.text(), plain, "decodes to the file");
    const etag = zipped.headers.get("etag");
    assert.ok(etag && zipped.headers.get("last-modified"));
    // As a browser revalidates (fetch would add `Cache-Control: no-cache`, which forces a 200).
    const again = await rawRequest(
      server.port,
      `GET /lib/label.js HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nIf-None-Match: ${etag}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(again.status, 304);
    assert.equal(again.text, "");
    assert.match(again.headers["content-security-policy"], /script-src 'self'/);
    const identity = await fetch(url, { headers: { "accept-encoding": "identity" } });
    assert.equal(identity.headers.get("content-encoding"), null);
    assert.equal(Number(identity.headers.get("content-length")), Buffer.byteLength(plain));
  } finally {
    await server.close();
    await store.close();
    tmp.cleanup();
  }
});
