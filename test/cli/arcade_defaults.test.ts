import assert from "node:assert/strict";
import { test } from "node:test";
import { parseOptions } from "../../src/cli/args.ts";
import { buildConfig, TRAIN_COMMAND } from "../../src/cli/train_options.ts";
import { LabelSchedule } from "../../src/queries/schedule.ts";

const train = (...args: string[]) => buildConfig(parseOptions(TRAIN_COMMAND, args));

test("a MinAtar run takes the paper's Atari settings: 25-step clips, 500 pretraining labels, c = 5e6, the CNN", () => {
  for (const env of ["MinAtar/Breakout-v1", "MinAtar/Seaquest-pref-v1"]) {
    const c = train("--env", env, "--teacher", "oracle", "--labels", "3300");
    assert.equal(c.clipSteps, 25);
    assert.equal(c.scheduleC, 5_000_000);
    assert.equal(c.ppo.network, "minatar-cnn");
    const schedule = new LabelSchedule({
      totalLabels: c.labels,
      totalSteps: c.steps,
      pretrainFraction: c.pretrainFraction,
      c: c.scheduleC,
    });
    assert.equal(schedule.pretrainLabels, 500);
  }
});

test("with 500 labels or fewer a MinAtar run asks all of them first; --pretrain still wins", () => {
  assert.equal(train("--env", "MinAtar/Breakout-v1", "--teacher", "oracle").pretrainFraction, 1);
  const few = train("--env", "MinAtar/Freeway-v1", "--teacher", "oracle", "--labels", "200");
  assert.equal(few.pretrainFraction, 1);
  const given = train(
    ...["--env", "MinAtar/Breakout-v1", "--teacher", "oracle", "--labels", "3300"],
    ...["--pretrain", "0.1", "--clip-steps", "40"],
  );
  assert.equal(given.pretrainFraction, 0.1);
  assert.equal(given.clipSteps, 40);
});

test("other envs keep their defaults: a quarter of the labels first, c = 2e6, MLPs", () => {
  const c = train("--env", "Pendulum-v1", "--teacher", "oracle", "--labels", "3300");
  assert.equal(c.pretrainFraction, 0.25);
  assert.equal(c.scheduleC, 2_000_000);
  assert.equal(c.clipSteps, 15);
  assert.equal(c.ppo.network, undefined);
  const hopper = train("--env", "Hopper-v5", "--teacher", "oracle");
  assert.equal(hopper.clipSteps, 188); // 1.5 s at dt 0.008
  assert.equal(hopper.scheduleC, 2_000_000);
});
