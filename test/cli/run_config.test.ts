import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseOptions } from "../../src/cli/args.ts";
import { buildConfig, TRAIN_COMMAND } from "../../src/cli/train_options.ts";
import { RunConfigError, readRunConfig, runConfigSchema } from "../../src/loop/run_config.ts";

function runWith(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "backflip-config-"));
  writeFileSync(join(dir, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  return dir;
}

const oracle = () =>
  buildConfig(parseOptions(TRAIN_COMMAND, ["--env", "Pendulum-v1", "--teacher", "oracle"]));

test("a config reads back as written, infinities included (JSON writes them as null)", () => {
  const config = oracle();
  assert.equal(config.noise.beta, Number.POSITIVE_INFINITY);
  assert.equal(config.noise.skipThreshold, Number.NEGATIVE_INFINITY);
  assert.deepEqual(readRunConfig(runWith(config)), config);
});

test("a config.json from before pace, preferences and rewardModel still reads", () => {
  const {
    pace: _pace,
    preferences: _preferences,
    rewardModel: _rewardModel,
    ...old
  } = buildConfig(
    parseOptions(TRAIN_COMMAND, ["--env", "Pendulum-v1", "--teacher", "human", "--pace", "free"]),
  );
  const human = readRunConfig(runWith(old));
  assert.equal(human.pace, "wait");
  assert.equal(human.preferences, null);
  assert.equal(human.rewardModel, null);
  assert.equal(readRunConfig(runWith({ ...old, teacher: "noisy" })).pace, "free");
});

test("--validation chooses how reward models are checked; older configs read as holdout", () => {
  const parse = (...flags: string[]) =>
    buildConfig(
      parseOptions(TRAIN_COMMAND, ["--env", "Pendulum-v1", "--teacher", "oracle", ...flags]),
    );
  assert.equal(parse().rewardValidation, "holdout");
  const outOfBag = parse("--validation", "out-of-bag");
  assert.equal(outOfBag.rewardValidation, "out-of-bag");
  assert.deepEqual(readRunConfig(runWith(outOfBag)), outOfBag);
  assert.throws(() => parse("--validation", "all"), /--validation.*holdout.*out-of-bag/);
  const { rewardValidation: _, ...old } = outOfBag;
  assert.equal(readRunConfig(runWith(old)).rewardValidation, "holdout");
});

test("--explore-columns picks columns of the env's observation; others are refused by name", () => {
  const parse = (...flags: string[]) =>
    buildConfig(
      parseOptions(TRAIN_COMMAND, ["--env", "Hopper-pref-v5", "--teacher", "oracle", ...flags]),
    );
  assert.equal(parse().exploreColumns, null);
  const chosen = parse("--unsupervised-steps", "1000", "--explore-columns", "0, 1");
  assert.deepEqual(chosen.exploreColumns, [0, 1]);
  assert.deepEqual(readRunConfig(runWith(chosen)), chosen);
  assert.throws(
    () => parse("--explore-columns", "0"),
    /--explore-columns needs --unsupervised-steps/,
  );
  assert.throws(
    () => parse("--unsupervised-steps", "1000", "--explore-columns", "0,11,x"),
    /--explore-columns: '11', 'x' are not columns of Hopper-pref-v5's observation \(0–10\)/,
  );
  const { exploreColumns: _, ...old } = chosen;
  assert.equal(readRunConfig(runWith(old)).exploreColumns, null);
});

test("readRunConfig names the file and every bad field", () => {
  const dir = runWith({ ...oracle(), labels: 1.5, selection: "best", envId: undefined });
  assert.throws(
    () => readRunConfig(dir),
    (error: Error) => {
      assert.ok(error instanceof RunConfigError);
      assert.ok(error.message.startsWith(`${join(dir, "config.json")}: `), error.message);
      assert.match(error.message, /field 'labels' must be an integer \(got 1\.5\)/);
      assert.match(error.message, /field 'selection' must be one of "disagreement", "random"/);
      assert.match(error.message, /field 'envId' is missing/);
      return true;
    },
  );
  const notJson = mkdtempSync(join(tmpdir(), "backflip-config-"));
  writeFileSync(join(notJson, "config.json"), "{");
  assert.throws(() => readRunConfig(notJson), /config\.json: not valid JSON/);
  assert.throws(
    () => readRunConfig(mkdtempSync(join(tmpdir(), "backflip-config-"))),
    /config\.json: no such file/,
  );
});

test("a run on a saved reward model has no teacher and no labels, and the schema holds it to that", () => {
  const config = { ...oracle(), teacher: "none", labels: 0, rewardModel: "/runs/a" };
  assert.equal(runConfigSchema.safeParse(config).success, true);
  assert.equal(runConfigSchema.safeParse({ ...config, labels: 10 }).success, false);
  assert.equal(runConfigSchema.safeParse({ ...config, rewardModel: null }).success, false);
  assert.equal(runConfigSchema.safeParse({ ...config, teacher: "oracle" }).success, false);
});

test("unknown PPO settings in a config are kept, known ones checked", () => {
  const config = oracle();
  const read = readRunConfig(runWith({ ...config, ppo: { ...config.ppo, futureKnob: 3 } }));
  assert.equal((read.ppo as Record<string, unknown>).futureKnob, 3);
  assert.throws(
    () => readRunConfig(runWith({ ...config, ppo: { ...config.ppo, numEnvs: 0 } })),
    /field 'ppo\.numEnvs' must be ≥ 1/,
  );
});
