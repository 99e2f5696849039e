import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { describeDefault, describeFlag, parseCommand, parseOptions } from "../../src/cli/args.ts";
import { buildConfig, TRAIN_COMMAND } from "../../src/cli/train_options.ts";
import { backflip, backflipIn, refusedTrain } from "./helpers.ts";

test("an unknown env is refused with a suggestion, exit code 2 and no run folder", () => {
  const r = refusedTrain("--env", "Pendulm-v1", "--teacher", "oracle");
  assert.match(r.stderr, /--env: unknown env 'Pendulm-v1'; did you mean 'Pendulum-v1'/);
});

test("a misspelt flag is a usage error with exit code 2 and no run folder", () => {
  const r = refusedTrain("--env", "Pendulum-v1", "--teacher", "oracle", "--lables", "5");
  assert.match(r.stderr, /--lables/);
});

test("a bad number is a usage error that names the flag, and leaves no run folder", () => {
  const r = refusedTrain("--env", "Pendulum-v1", "--teacher", "oracle", "--steps", "lots");
  assert.match(r.stderr, /backflip train: --steps must be an integer, got 'lots'/);
  const range = refusedTrain("--env", "Pendulum-v1", "--teacher", "noisy", "--mistake", "2");
  assert.match(range.stderr, /--mistake must be ≤ 1 \(got 2\)/);
});

test("an unknown teacher is refused before any work starts, with exit code 2", () => {
  const r = refusedTrain("--env", "Pendulum-v1", "--teacher", "wizard");
  assert.match(r.stderr, /unknown teacher 'wizard'.*or human/);
});

test("without --run, a refused train leaves no runs/ folder behind", () => {
  const cwd = mkdtempSync(join(tmpdir(), "backflip-cli-"));
  const r = backflipIn(cwd, "train", "--env", "Pendulum-v1", "--teacher", "oracle", "--seed", "x");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--seed must be an integer/);
  assert.deepEqual(readdirSync(cwd), []);
});

test("negative numbers are flag values, spaced or with =", () => {
  // Both thresholds parse; the run is then refused for its label count, before any work.
  const r = refusedTrain(
    "--env",
    "Pendulum-v1",
    "--teacher",
    "noisy",
    "--skip-threshold",
    "-600",
    "--equal-threshold=-1.5",
    "--labels",
    "1",
  );
  assert.doesNotMatch(r.stderr, /ambiguous/);
  assert.match(r.stderr, /--labels must be at least 2 \(got 1\)/);
  const { values } = parseOptions(TRAIN_COMMAND, ["--skip-threshold", "-600", "--seed=-3"]);
  assert.equal(values["skip-threshold"], -600);
  assert.equal(values.seed, -3);
  const config = buildConfig(
    parseOptions(TRAIN_COMMAND, [
      "--env",
      "Pendulum-v1",
      "--teacher",
      "noisy",
      "--skip-threshold",
      "-600",
    ]),
  );
  assert.equal(config.noise.skipThreshold, -600);
  // Every numeric flag of train, either way of writing it.
  for (const [name, spec] of Object.entries(TRAIN_COMMAND.options)) {
    if (spec.kind !== "int" && spec.kind !== "number") continue;
    for (const argv of [[`--${name}`, "-7"], [`--${name}=-7`]]) {
      if ("min" in spec && spec.min !== undefined) {
        assert.throws(() => parseOptions(TRAIN_COMMAND, argv), new RegExp(`--${name} must be`));
      } else assert.equal(parseOptions(TRAIN_COMMAND, argv).values[name as "seed"], -7);
    }
  }
  // The other commands: the value reaches the range check, which names the flag.
  const serve = backflip("serve", tmpdir(), "--port", "-1");
  assert.equal(serve.code, 2);
  assert.match(serve.stderr, /--port must be an integer in \[0, 65535\], got '-1'/);
  const evaluate = backflip("eval", tmpdir(), "--episodes", "-2");
  assert.equal(evaluate.code, 2);
  assert.match(evaluate.stderr, /--episodes must be an integer ≥ 1, got '-2'/);
  // After `--`, a negative number is a positional, as ever.
  assert.deepEqual(parseCommand("x", ["--", "--y", "-3"], { y: { type: "string" } }).positionals, [
    "--y",
    "-3",
  ]);
});

test("train --help lists every option of the table with its default", () => {
  const r = backflip("train", "--help");
  assert.equal(r.code, 0, r.stderr);
  // Each option's entry: its first line (two spaces, then the flag) and the indented lines after it.
  const entries = r.stdout
    .slice(r.stdout.indexOf("Options:"))
    .split(/\n(?= {2}-)/)
    .map((entry) => entry.trim().replace(/\s+/g, " "));
  for (const [name, spec] of Object.entries(TRAIN_COMMAND.options)) {
    const flag = describeFlag(name, spec);
    const entry = entries.find((e) => e.startsWith(`${flag} `));
    assert.ok(entry, `--help shows ${flag}`);
    assert.ok(entry.includes(spec.help), `--${name}'s help says: ${spec.help}`);
    const byDefault = describeDefault(spec);
    if (byDefault !== null)
      assert.ok(entry.endsWith(byDefault), `--${name}'s help ends with ${byDefault}: ${entry}`);
  }
  const help = entries.join(" ");
  for (const literal of [
    "--pace wait|free",
    "--labels N labels over the whole run (default 500)",
    "--skip-threshold R",
    "(default -Infinity)",
    "--reward-model RUN_DIR",
    "--preferences FILE_OR_RUN_DIR",
    "(default: the task's preset)",
    "(required unless --reward-model)",
  ]) {
    assert.ok(help.includes(literal), `train --help includes '${literal}'`);
  }
});

test("every command's --help answers with exit code 0, and backflip --help shows the main job", () => {
  for (const [command, flag] of [
    ["eval", "--episodes N"],
    ["serve", "--port N"],
    ["envs", "--json"],
    ["labellers", "add NAME DIR"],
  ]) {
    const r = backflip(command, "--help");
    assert.equal(r.code, 0, `${command} --help: ${r.stderr}`);
    assert.ok(r.stdout.includes(flag), `${command} --help lists ${flag}`);
    assert.ok(r.stdout.includes("-h, --help"), `${command} --help lists --help`);
  }
  assert.match(backflip("eval", "--help").stdout, /--episodes N +episodes \(default 10\)/);
  const top = backflip("--help");
  assert.equal(top.code, 0);
  for (const literal of [
    "--teacher human",
    "resume DIR [--steps N] [--json]",
    "export DIR --out FILE.jsonl",
    "--reward-model RUN_DIR",
  ]) {
    assert.ok(top.stdout.includes(literal), `backflip --help includes '${literal}'`);
  }
});

test("--reward-model refuses teacher flags and needs a saved reward model", () => {
  const source = mkdtempSync(join(tmpdir(), "backflip-cli-"));
  const labels = refusedTrain("--env", "Pendulum-v1", "--reward-model", source, "--labels", "5");
  assert.match(labels.stderr, /--labels is meaningless with --reward-model/);
  const teacher = refusedTrain(
    "--env",
    "Pendulum-v1",
    "--reward-model",
    source,
    "--teacher",
    "oracle",
    "--preferences",
    source,
  );
  assert.match(teacher.stderr, /--teacher, --preferences are meaningless with --reward-model/);
  const missing = refusedTrain("--env", "Pendulum-v1", "--reward-model", source);
  assert.match(missing.stderr, /--reward-model: .* holds no saved reward model/);
  mkdirSync(join(source, "reward"));
  writeFileSync(join(source, "reward", "reward.json"), "{}");
  const config = buildConfig(
    parseOptions(TRAIN_COMMAND, ["--env", "Pendulum-v1", "--reward-model", source]),
  );
  assert.equal(config.teacher, "none");
  assert.equal(config.labels, 0);
  assert.equal(config.rewardModel, source);
  assert.equal(config.preferences, null);
});

test("--reward-model trains where its reward model was learned: a goal run's preference-ready task", () => {
  const source = mkdtempSync(join(tmpdir(), "backflip-cli-"));
  const taught = buildConfig(
    parseOptions(TRAIN_COMMAND, ["--env", "Hopper-v5", "--teacher", "goal:backflip"]),
  );
  writeFileSync(join(source, "config.json"), JSON.stringify(taught));
  mkdirSync(join(source, "reward"));
  writeFileSync(join(source, "reward", "reward.json"), "{}");
  const reuse = (...flags: string[]) =>
    buildConfig(parseOptions(TRAIN_COMMAND, ["--reward-model", source, ...flags]));
  // Asked for Hopper-v5, the same words that taught it: the policy trains on Hopper-pref-v5
  // without respawn, where a backflip can happen, and is scored there.
  const same = reuse("--env", "Hopper-v5");
  assert.equal(same.envId, "Hopper-pref-v5");
  assert.equal(same.respawn, false);
  assert.equal(same.evalEnvId, "Hopper-pref-v5");
  // ...and is scored by the goal, which only scores: nobody is asked anything.
  assert.equal(same.teacher, "goal:backflip");
  assert.equal(same.labels, 0);
  // Another task keeps no goal: the env's reward is its measure.
  assert.equal(reuse("--env", "Walker2d-v5").teacher, "none");
  // What the person says still wins.
  assert.equal(reuse("--env", "Hopper-v5", "--respawn", "on").respawn, true);
});

test("--rune-decay sets how fast RUNE's bonus fades, and means nothing without --rune", () => {
  const config = (...flags: string[]) =>
    buildConfig(
      parseOptions(TRAIN_COMMAND, ["--env", "Pendulum-v1", "--teacher", "oracle", ...flags]),
    );
  assert.deepEqual(config("--rune", "0.1").explorationBonus, { beta: 0.1, decay: 1e-5 });
  assert.deepEqual(config("--rune", "0.1", "--rune-decay", "1e-6").explorationBonus, {
    beta: 0.1,
    decay: 1e-6,
  });
  assert.throws(() => config("--rune-decay", "1e-6"), /--rune-decay needs --rune/);
  assert.throws(() => config("--rune", "0.1", "--rune-decay", "1"), /explorationBonus|rune-decay/);
});

test("--preferences must name a file or a run directory; flags of other teachers are refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "backflip-cli-"));
  const missing = refusedTrain(
    "--env",
    "Pendulum-v1",
    "--teacher",
    "oracle",
    "--preferences",
    join(dir, "nope.jsonl"),
  );
  assert.match(missing.stderr, /--preferences: .*nope\.jsonl' does not exist/);
  const notRun = refusedTrain("--env", "Pendulum-v1", "--teacher", "oracle", "--preferences", dir);
  assert.match(notRun.stderr, /without store\.sqlite/);
  const pace = refusedTrain("--env", "Pendulum-v1", "--teacher", "oracle", "--pace", "wait");
  assert.match(pace.stderr, /--pace is for --teacher human only/);
  const beta = refusedTrain("--env", "Pendulum-v1", "--teacher", "oracle", "--beta", "2");
  assert.match(beta.stderr, /--beta is for --teacher noisy or goal:NAME only/);
  const file = join(dir, "answers.jsonl");
  writeFileSync(file, "");
  const config = buildConfig(
    parseOptions(TRAIN_COMMAND, [
      "--env",
      "Pendulum-v1",
      "--teacher",
      "human",
      "--preferences",
      file,
    ]),
  );
  assert.equal(config.preferences, file);
  assert.equal(config.pace, "wait");
});

test("eval names the bad field of a hand-broken config.json", () => {
  const run = mkdtempSync(join(tmpdir(), "backflip-cli-"));
  const config = buildConfig(
    parseOptions(TRAIN_COMMAND, ["--env", "Pendulum-v1", "--teacher", "oracle"]),
  );
  writeFileSync(
    join(run, "config.json"),
    JSON.stringify({ ...config, steps: "lots", noise: { ...config.noise, mistakeProb: 3 } }),
  );
  const r = backflip("eval", run);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(r.stderr.includes(join(run, "config.json")), r.stderr);
  assert.match(r.stderr, /field 'steps' must be a number \(got "lots"\)/);
  assert.match(r.stderr, /field 'noise\.mistakeProb' must be ≤ 1 \(got 3\)/);
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
  assert.equal(result.evalReturn.measure, "goal:backflip");

  // A fresh policy on that reward model is scored by the same goal, not the env's reward.
  const reuse = backflip(
    ...["train", "--env", "Hopper-v5", "--reward-model", run, "--steps", "2048"],
    ...["--eval-episodes", "1", "--run", `${run}-reuse`, "--json"],
  );
  assert.equal(reuse.code, 0, reuse.stderr);
  assert.match(reuse.stderr, /the policy trains on Hopper-pref-v5, where its reward model/);
  const reused = JSON.parse(reuse.stdout.trim().split("\n").at(-1) ?? "");
  assert.equal(reused.evalReturn.env, "Hopper-pref-v5");
  assert.equal(reused.evalReturn.measure, "goal:backflip");
  assert.equal(reused.evalReturn.count.perEpisode.length, 1);
});
