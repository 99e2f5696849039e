import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { PreferenceStore } from "../../src/store/index.ts";

const bin = join(import.meta.dirname, "..", "..", "bin", "backflip.js");

test("train --teacher human --pace free serves a labelling page, waits for the pretraining labels, then trains without waiting", async () => {
  const run = join(mkdtempSync(join(tmpdir(), "backflip-human-")), "run");
  const child = spawn(
    process.execPath,
    [
      bin,
      "train",
      "--env",
      "Pendulum-v1",
      "--teacher",
      "human",
      "--pace",
      "free",
      "--labels",
      "20",
      "--steps",
      "6000",
      "--run",
      run,
      "--json",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (d) => {
      stderr += d;
      const m = /Labelling page: (\S+)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    child.on("exit", () => reject(new Error(`train exited early: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.match(
    url,
    /^http:\/\/127\.0\.0\.1:\d+\/#token=/,
    "binds to loopback and prints the owner's URL",
  );
  const origin = url.slice(0, url.indexOf("/#"));
  const token = url.slice(url.indexOf("token=") + 6);
  const api = async (path: string, body?: unknown) => {
    const res = await fetch(origin + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };

  // The pretraining share (25% of 20) must be answered before RL starts: answer them.
  let answered = 0;
  while (answered < 5) {
    const next = await api("/api/queries/next", {});
    if (next.waiting) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    const saved = await api("/api/answers", {
      leaseId: next.leaseId,
      answer: "left",
      requestId: `r${answered}`,
    });
    assert.equal(saved.stored, true);
    answered++;
  }
  const session = await api("/api/session");
  assert.equal((session.run as { envId: string }).envId, "Pendulum-v1");
  assert.match((session.run as { rubric: string }).rubric, /pendulum/i);

  // Nobody answers any more: RL must still run to the end on its own.
  assert.equal(await exited, 0, stderr);
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
  assert.ok(result.steps >= 6000);
  assert.equal(result.labels, 5);
  const store = await PreferenceStore.open(join(run, "store.sqlite"));
  assert.equal(await store.countAnswers(), 5);
  assert.ok((await store.countQueries()) > 5, "the trainer kept asking new questions during RL");
  await store.close();
});
