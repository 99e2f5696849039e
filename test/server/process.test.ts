import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { labellersCommand } from "../../src/cli/labellers.ts";
import { serveCommand } from "../../src/cli/serve.ts";
import { startServerProcess } from "../../src/server/index.ts";
import { PreferenceStore } from "../../src/store/index.ts";
import { api, makeQuery, tempDir } from "./helpers.ts";

const tmp = tempDir();
after(tmp.cleanup);
let runs = 0;

async function makeRun(
  queries: number,
  labellers: string[],
): Promise<{ runDir: string; tokens: Record<string, string> }> {
  const runDir = join(tmp.dir, `run-${runs++}`);
  mkdirSync(runDir);
  const store = await PreferenceStore.open(join(runDir, "store.sqlite"));
  await store.addQueries(
    Array.from({ length: queries }, (_, i) => makeQuery(`q${String(i).padStart(4, "0")}`)),
    "online",
  );
  const tokens: Record<string, string> = {};
  for (const name of labellers) tokens[name] = (await store.addLabeller(name)).token;
  await store.close();
  return { runDir, tokens };
}

test("backflip serve refuses a directory that is not a run", async () => {
  const empty = join(tmp.dir, "not-a-run");
  mkdirSync(empty);
  await assert.rejects(serveCommand([empty]), /has no store\.sqlite, so it is not a run directory/);
  await assert.rejects(serveCommand([join(tmp.dir, "missing")]), /is not a directory/);
  await assert.rejects(serveCommand([]), /give one run directory/);
  await assert.rejects(serveCommand([empty, "--port", "99999"]), /65535/);
  await assert.rejects(serveCommand([empty, "--host", "example.com"]), /must be an IP address/);
});

test("backflip serve prints the owner's URL, warns off loopback, and stops on SIGINT", async (t) => {
  const { runDir } = await makeRun(1, []);
  const out: string[] = [];
  const err: string[] = [];
  t.mock.method(console, "log", (...args: unknown[]) => out.push(args.join(" ")));
  t.mock.method(console, "error", (...args: unknown[]) => err.push(args.join(" ")));
  const serving = serveCommand([runDir, "--host", "0.0.0.0"]);
  while (out.length === 0) await new Promise((r) => setTimeout(r, 10));
  const match = /(http:\/\/127\.0\.0\.1:\d+)\/#token=(\S+)/.exec(out[0]);
  assert.ok(match, out[0]);
  assert.match(err.join("\n"), /warning: listening on 0\.0\.0\.0/);
  const session = await api(match[1], "GET", "/api/session", { token: match[2] });
  assert.equal(session.json.isOwner, true);
  process.emit("SIGINT");
  assert.equal(await serving, 0);
  await assert.rejects(fetch(`${match[1]}/`), "the server is closed");
});

test("labellers add prints a token once; list shows each labeller's answers", async (t) => {
  const { runDir } = await makeRun(2, []);
  const printed: string[] = [];
  t.mock.method(console, "log", (...args: unknown[]) => printed.push(args.join(" ")));
  assert.equal(await labellersCommand(["add", "ann", runDir]), 0);
  const token = /token \(shown only this once\):\n\s+(\S+)/.exec(printed.join("\n"))?.[1];
  assert.ok(token);
  await assert.rejects(labellersCommand(["add", "ann", runDir]), /already exists/);
  await assert.rejects(labellersCommand(["add", "owner", runDir]), /run owner's name/);
  await assert.rejects(labellersCommand(["add", "bad name", runDir]), /not a usable name/);
  await assert.rejects(
    labellersCommand(["add", "bob", join(tmp.dir, "nope")]),
    /not a run directory/,
  );

  const store = await PreferenceStore.open(join(runDir, "store.sqlite"));
  const ann = await store.authenticate(token);
  assert.equal(ann?.name, "ann");
  const time = Date.UTC(2025, 0, 2, 3, 4, 5);
  const lease = await store.leaseNextQuery(
    { kind: "person", id: ann!.id, name: "ann" },
    1000,
    time,
  );
  await store.submitLeased({ leaseId: lease!.leaseId, answer: "left", requestId: "r1", now: time });
  await store.close();
  printed.length = 0;
  assert.equal(await labellersCommand(["list", runDir]), 0);
  assert.deepEqual(printed, [
    "name   answers  last answer",
    "owner        0  -",
    "ann          1  2025-01-02 03:04:05",
  ]);
});

test("the server child gets the owner token by IPC and loses no acknowledged answer to kill -9", async () => {
  const { runDir, tokens } = await makeRun(1000, ["ann", "bob", "cat"]);
  const first = await startServerProcess(runDir);
  assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{43}$/);
  const cmdline = readFileSync(`/proc/${first.pid}/cmdline`, "utf8");
  assert.ok(!cmdline.includes(first.ownerToken), "the owner token is not on the command line");
  // It came over IPC: the environment the child started with (kept for its whole life in
  // /proc/PID/environ) does not hold it.
  const environ = readFileSync(`/proc/${first.pid}/environ`, "utf8");
  assert.ok(environ.includes("BACKFLIP_SERVE_CHILD=1"), "environ is readable");
  assert.ok(!environ.includes(first.ownerToken), "the owner token is not in the environment");
  const session = await api(first.origin, "GET", "/api/session", { token: first.ownerToken });
  assert.deepEqual([session.json.labeller, session.json.isOwner], ["owner", true]);

  const acked = new Set<string>();
  const inFlight = new Map<string, { token: string; body: object }>();
  let killed = false;
  let counter = 0;
  const labeller = async (token: string) => {
    while (!killed) {
      try {
        const lease = await api(first.origin, "POST", "/api/queries/next", { token, body: {} });
        if (lease.json.waiting) continue;
        const body = {
          leaseId: lease.json.leaseId,
          answer: "left",
          requestId: `kill-${counter++}`,
        };
        inFlight.set(body.requestId, { token, body });
        const r = await api(first.origin, "POST", "/api/answers", { token, body });
        if (r.status === 200) {
          acked.add(body.requestId);
          inFlight.delete(body.requestId);
        }
      } catch {
        return; // the server died under us
      }
    }
  };
  const running = Object.values(tokens).map(labeller);
  while (acked.size < 60) await new Promise((r) => setTimeout(r, 5));
  process.kill(first.pid, "SIGKILL");
  killed = true;
  await Promise.all(running);
  await first.stop(); // already dead: returns at once

  const second = await startServerProcess(runDir);
  try {
    assert.equal(second.ownerToken, first.ownerToken);
    assert.equal(
      (await api(second.origin, "GET", "/api/session", { token: first.ownerToken })).status,
      200,
      "the owner's link keeps working after a restart",
    );
    const store = await PreferenceStore.open(join(runDir, "store.sqlite"));
    try {
      const stored = new Set((await store.answersSince(0)).map((a) => a.requestId));
      const lost = [...acked].filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged answers were lost`);
      // Submits cut off by the kill are resent as they were: each ends up stored exactly once.
      for (const { token, body } of inFlight.values()) {
        const r = await api(second.origin, "POST", "/api/answers", { token, body });
        assert.equal(r.status, 200, r.text);
      }
      const after = (await store.answersSince(0)).map((a) => a.requestId);
      assert.equal(new Set(after).size, after.length);
      assert.equal(after.length, acked.size + inFlight.size);
    } finally {
      await store.close();
    }
  } finally {
    await second.stop();
  }
  assert.throws(() => process.kill(second.pid, 0), "stop() ended the child");
});

test("the server child process exits when the process that started it is killed", async () => {
  const { runDir } = await makeRun(1, []);
  const fixture = fileURLToPath(new URL("./fixtures/server_parent.ts", import.meta.url));
  const parent = spawn(process.execPath, ["--import", "tsx", fixture, runDir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  parent.stdout.setEncoding("utf8");
  parent.stdout.on("data", (c: string) => (out += c));
  await new Promise((resolve) => parent.once("exit", resolve));
  const pid = Number(out.trim());
  assert.ok(pid > 0, `the parent printed '${out}'`);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && alive(pid)) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(pid), false, "the orphaned server stopped");
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie waiting to be reaped has stopped too.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}
