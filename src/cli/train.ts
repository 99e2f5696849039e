import { existsSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../core/rng.ts";
import { hasEnv, makeEnv } from "../envs/index.ts";
import { isMujocoEnvId } from "../envs/mujoco/index.ts";
import { PreferenceLoop, type RunResult, writeConfig } from "../loop/preference_loop.ts";
import { defaultRubric } from "../loop/rubrics.ts";
import {
  defaultClipSteps,
  preferenceReadyId,
  type RunConfig,
  standardEnvId,
} from "../loop/run_config.ts";
import type { PpoConfig } from "../rl/ppo.ts";
import { ppoPreset } from "../rl/presets.ts";
import { type ServerProcess, startServerProcess } from "../server/index.ts";
import { acquireRunLock, PreferenceStore } from "../store/index.ts";
import { makeTeacher } from "../teachers/index.ts";
import { choiceFlag, intFlag, numberFlag, parseCommand, UsageError } from "./args.ts";
import { Progress } from "./progress.ts";

const HELP = `backflip train — teach an agent from pairwise comparisons of its clips

  --env ID            environment (see 'backflip envs'); required
  --teacher NAME      human | oracle | noisy | goal:NAME; required
  --rubric TEXT       human teacher: the instructions shown beside the clips
  --port N            human teacher: port of the labelling page (default: a free one)
  --host H            human teacher: address to bind (default 127.0.0.1)
  --repeat-share F    human teacher: share of queries asked twice, of two labellers (default 0.1)
  --labels N          labels over the whole run (default 500)
  --steps N           environment steps (default 100000)
  --seed N            random seed (default 1)
  --run DIR           run directory (default runs/<env>-<teacher>-s<seed>-<time>)
  --selection S       disagreement (default) | random
  --clip-steps N      steps per clip (default: 1.5 s of simulated time for MuJoCo, as in the
                      paper; CartPole 10, Pendulum 15, MountainCar 25)
  --pretrain F        share of labels asked before RL starts (default 0.25)
  --respawn on|off    MuJoCo tasks that can fall: a robot that leaves the healthy range
                      starts afresh, within the same fixed-length episode (default on; off for
                      goal teachers, whose behaviour, like a backflip, may leave it on purpose)
  --beta B            noisy teacher: rationality β (default 1)
  --mistake P         noisy teacher: probability of a flipped answer (default 0.1)
  --myopia G          noisy teacher: weight γ^(H−1−k) on step k (default 1)
  --skip-threshold R  noisy teacher: cant_tell when both returns are below R
  --equal-threshold R noisy teacher: equal when returns differ by at most R
  --eval-episodes N   episodes of the final evaluation (default 50)
  --gamma G           PPO discount γ (default: the task's preset)
  --lambda L          PPO's GAE λ (default: the task's preset)
  --ent-coef C        PPO entropy bonus (default: the task's preset)
  --reward-steps N    reward-model Adam steps after each policy update with new labels (default 4)
  --pretrain-reward-steps N  reward-model Adam steps before RL starts (default 100)
  --json              print one JSON line with the result at the end`;

const OPTIONS = {
  env: { type: "string" },
  teacher: { type: "string" },
  labels: { type: "string" },
  steps: { type: "string" },
  seed: { type: "string" },
  run: { type: "string" },
  selection: { type: "string" },
  "clip-steps": { type: "string" },
  pretrain: { type: "string" },
  respawn: { type: "string" },
  beta: { type: "string" },
  mistake: { type: "string" },
  myopia: { type: "string" },
  "skip-threshold": { type: "string" },
  "equal-threshold": { type: "string" },
  "eval-episodes": { type: "string" },
  rubric: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  "repeat-share": { type: "string" },
  "reward-steps": { type: "string" },
  gamma: { type: "string" },
  lambda: { type: "string" },
  "ent-coef": { type: "string" },
  "pretrain-reward-steps": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export async function trainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand("train", argv, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`backflip train: unexpected argument '${positionals[0]}'`);
  const config = buildConfig(values);
  const runDir = values.run ?? defaultRunDir(config);
  if (existsSync(join(runDir, "config.json"))) {
    throw new UsageError(
      `run directory '${runDir}' already holds a run; choose another --run or remove it`,
    );
  }
  const lock = acquireRunLock(runDir);
  const store = await PreferenceStore.open(join(runDir, "store.sqlite"));
  let progress: Progress | null = null;
  let loop: PreferenceLoop | null = null;
  let server: ServerProcess | null = null;
  const stop = () => loop?.requestStop();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    writeConfig(runDir, config);
    const human = config.teacher === "human";
    if (human) {
      server = await startServerProcess(runDir, {
        port: values.port === undefined ? undefined : intFlag("port", values.port, 0),
        host: values.host,
      });
      console.error(
        `\nLabelling page: ${server.url}\nDashboard:      ${server.url.replace("/#", "/dashboard#")}\n`,
      );
    }
    progress = new Progress(config.steps, !values.json);
    const bar = progress;
    const teacher = human
      ? null
      : makeTeacher(config.teacher, {
          ...(config.teacher === "oracle" ? {} : config.noise),
          rng: new Rng(config.seed + 2),
        });
    loop = new PreferenceLoop(config, runDir, store, teacher, {
      onPhase: (_phase, detail) => bar.note(detail),
      onProgress: (row) => bar.update(row),
      onWaitingForLabels: (answered, wanted) => bar.waitingForLabels(answered, wanted),
    });
    const result = await loop.run();
    bar.stop();
    report(result, runDir, Boolean(values.json));
    return 0;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    progress?.stop();
    loop?.dispose();
    await server?.stop();
    await store.close();
    lock.release();
  }
}

type Flags = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string;
};

function buildConfig(values: Flags): RunConfig {
  if (!values.env) throw new UsageError("backflip train: --env is required (see 'backflip envs')");
  if (!values.teacher)
    throw new UsageError(
      "backflip train: --teacher is required (human, oracle, noisy or goal:NAME)",
    );
  const teacher = values.teacher;
  // Check the teacher name now, before any work is done.
  if (teacher !== "human") makeTeacher(teacher, teacher === "oracle" ? {} : { beta: 1 });
  const goal = teacher.startsWith("goal:");
  // A goal is taught on the preference-ready task: in Hopper-v5 a backflip would end the episode.
  const envId =
    goal && hasEnv(preferenceReadyId(values.env)) ? preferenceReadyId(values.env) : values.env;
  if (envId !== values.env) console.error(`${teacher} is taught on ${envId}, without termination`);
  const probe = makeEnv(envId); // an unknown id throws the registry's "did you mean" error
  const spec = probe.spec;
  probe.close();
  const evalEnvId = standardEnvId(envId);
  // `noisy` alone means the B-Pref setting; goal teachers start noiseless.
  const noisy = teacher === "noisy";
  return {
    envId,
    teacher,
    noise: {
      beta: numberFlag("beta", values.beta, noisy ? 1 : Number.POSITIVE_INFINITY),
      mistakeProb: numberFlag("mistake", values.mistake, noisy ? 0.1 : 0),
      gamma: numberFlag("myopia", values.myopia, 1),
      skipThreshold: numberFlag(
        "skip-threshold",
        values["skip-threshold"],
        Number.NEGATIVE_INFINITY,
      ),
      equalThreshold: numberFlag("equal-threshold", values["equal-threshold"], 0),
    },
    labels: intFlag("labels", values.labels, 500, 2),
    steps: intFlag("steps", values.steps, 100_000, 1),
    seed: intFlag("seed", values.seed, 1),
    selection: choiceFlag(
      "selection",
      values.selection,
      ["disagreement", "random"] as const,
      "disagreement",
    ),
    clipSteps: intFlag(
      "clip-steps",
      values["clip-steps"],
      defaultClipSteps(envId, spec.dt, isMujocoEnvId(envId)),
      2,
    ),
    pretrainFraction: numberFlag("pretrain", values.pretrain, 0.25),
    respawn:
      choiceFlag("respawn", values.respawn, ["on", "off"] as const, goal ? "off" : "on") === "on",
    scheduleC: 2_000_000,
    pretrainRewardSteps: intFlag("pretrain-reward-steps", values["pretrain-reward-steps"], 100, 0),
    rewardStepsPerUpdate: intFlag("reward-steps", values["reward-steps"], 4, 0),
    // A goal is judged on the env it was taught in; a task's reward on the standard task.
    evalEnvId: goal || !hasEnv(evalEnvId) ? envId : evalEnvId,
    evalEpisodes: intFlag("eval-episodes", values["eval-episodes"], 50, 1),
    rubric: values.rubric ?? defaultRubric(envId, teacher),
    repeatShare: numberFlag("repeat-share", values["repeat-share"], 0.1),
    ppo: ppoOverrides(values, ppoPreset(envId)),
  };
}

function ppoOverrides(values: Flags, preset: Partial<PpoConfig>): Partial<PpoConfig> {
  const ppo = { ...preset };
  if (values.gamma !== undefined) ppo.gamma = numberFlag("gamma", values.gamma, 0.99);
  if (values.lambda !== undefined) ppo.gaeLambda = numberFlag("lambda", values.lambda, 0.95);
  if (values["ent-coef"] !== undefined)
    ppo.entCoef = numberFlag("ent-coef", values["ent-coef"], 0.01);
  return ppo;
}

function defaultRunDir(config: RunConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return join(
    "runs",
    `${config.envId}-${config.teacher.replace(":", "_")}-s${config.seed}-${stamp}`,
  );
}

function report(result: RunResult, runDir: string, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ ...result, run: runDir }));
    return;
  }
  const { evalReturn } = result;
  console.log(
    `done in ${result.wallSeconds.toFixed(1)} s: ${result.steps} steps, ${result.labels} labels; ` +
      `eval return on ${evalReturn.env} ${evalReturn.mean.toFixed(1)} ± ${evalReturn.std.toFixed(1)} ` +
      `over ${evalReturn.episodes} episodes. Run saved in ${runDir}`,
  );
}
