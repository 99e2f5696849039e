import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { META, PreferenceStore, readPreferenceFile } from "../../src/store/index.ts";
import { makeQuery } from "../store/helpers.ts";

const bin = join(import.meta.dirname, "..", "..", "bin", "backflip.js");

function backflip(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("export writes a run's answers to a file and says how many and where", async () => {
  const run = mkdtempSync(join(tmpdir(), "backflip-cli-"));
  const store = await PreferenceStore.open(join(run, "store.sqlite"));
  await store.setMeta(META.run, {
    envId: "Test-v0",
    fps: 30,
    frameKind: "cartpole",
    rubric: "",
    scene: null,
  });
  await store.addQuery(makeQuery("q1"), "pretrain");
  await store.recordAnswer({
    queryId: "q1",
    answer: "left",
    labeller: "owner",
    time: 1,
    requestId: "a",
  });
  await store.close();
  const out = join(run, "labels.jsonl");

  const r = backflip("export", run, "--out", out);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `Exported 1 answered comparison to ${out}`);
  const { header, comparisons } = readPreferenceFile(out);
  assert.equal(header.envId, "Test-v0");
  assert.equal(comparisons[0].queryId, "q1");

  const noOut = backflip("export", run);
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /--out FILE\.jsonl/);
  const noFolder = backflip("export", run, "--out", join(run, "missing", "x.jsonl"));
  assert.equal(noFolder.code, 2);
  assert.match(noFolder.stderr, /folder '.*missing' does not exist/);
});

test("export refuses a directory that is not a run", () => {
  const dir = mkdtempSync(join(tmpdir(), "backflip-cli-"));
  const r = backflip("export", dir, "--out", join(dir, "x.jsonl"));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not a run directory/);
});
