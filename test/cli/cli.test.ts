import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const bin = join(import.meta.dirname, "..", "..", "bin", "backflip.js");

function backflip(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("an unknown env is refused with a suggestion and exit code 1", () => {
  const r = backflip("train", "--env", "Pendulm-v1", "--teacher", "oracle");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown env 'Pendulm-v1'; did you mean 'Pendulum-v1'/);
});

test("a misspelt flag is a usage error with exit code 2", () => {
  const r = backflip("train", "--env", "Pendulum-v1", "--teacher", "oracle", "--lables", "5");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--lables/);
});

test("a bad number is a usage error that names the flag", () => {
  const r = backflip("train", "--env", "Pendulum-v1", "--teacher", "oracle", "--steps", "lots");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--steps must be an integer/);
});

test("an unknown teacher is refused before any work starts", () => {
  const run = join(mkdtempSync(join(tmpdir(), "backflip-cli-")), "run");
  const r = backflip("train", "--env", "Pendulum-v1", "--teacher", "wizard", "--run", run);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown teacher 'wizard'/);
});

test("a run directory in use by a live process is refused", () => {
  const run = mkdtempSync(join(tmpdir(), "backflip-cli-"));
  writeFileSync(join(run, "LOCK"), `${process.pid}\n`); // this test process is alive
  const r = backflip("train", "--env", "Pendulum-v1", "--teacher", "oracle", "--run", run);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /in use/);
});

test("eval refuses a directory that is not a run", () => {
  const r = backflip("eval", mkdtempSync(join(tmpdir(), "backflip-cli-")));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not a run directory/);
});

test("envs lists the classic and MuJoCo tasks with their preference-ready variants", () => {
  const r = backflip("envs");
  assert.equal(r.code, 0);
  for (const id of [
    "CartPole-v1",
    "CartPole-pref-v1",
    "Pendulum-v1",
    "Hopper-v5",
    "Hopper-pref-v5",
  ]) {
    assert.match(r.stdout, new RegExp(`^${id}\\b`, "m"));
  }
});

test("a goal teacher on a standard MuJoCo id is taught on its preference-ready variant", () => {
  const run = join(mkdtempSync(join(tmpdir(), "backflip-cli-")), "run");
  const r = backflip(
    "train",
    "--env",
    "Hopper-v5",
    "--teacher",
    "goal:backflip",
    "--labels",
    "4",
    "--steps",
    "4096",
    "--eval-episodes",
    "1",
    "--run",
    run,
    "--json",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /goal:backflip is taught on Hopper-pref-v5/);
  const result = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "");
  assert.equal(result.env, "Hopper-pref-v5");
  assert.equal(result.evalReturn.env, "Hopper-pref-v5");
  const config = JSON.parse(readFileSync(join(run, "config.json"), "utf8"));
  assert.equal(config.respawn, false);
});
