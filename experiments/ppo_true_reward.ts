/**
 * True-reward PPO on any registered task, one JSON line per seed on stdout. `--respawn` makes a
 * preference-ready MuJoCo task restart a fallen robot, as preference runs do by default.
 *
 *   node --import tsx experiments/ppo_true_reward.ts --env Pendulum-v1 --seeds 1,2,3 \
 *     [--steps 100000] [--set '{"gamma":0.95}'] [--episodes 20] [--respawn] [--verbose]
 *
 * `ppoSeconds` is the time spent in collect + update (env steps with the policy acting, and the
 * jitted training); `wallSeconds` adds setup and the final evaluation; `cpuSeconds` is this
 * process's user CPU time over the same span (steadier than wall time on a shared machine).
 */
import { parseArgs } from "node:util";
import { makeEnv, makeVecEnv } from "../src/envs/index.ts";
import { standardEnvId } from "../src/loop/run_config.ts";
import { learn, PpoAgent, type PpoConfig, ppoPreset } from "../src/rl/index.ts";

const { values: args } = parseArgs({
  options: {
    env: { type: "string", default: "Pendulum-v1" },
    seeds: { type: "string", default: "1,2,3" },
    steps: { type: "string" },
    set: { type: "string", default: "{}" },
    episodes: { type: "string", default: "20" },
    verbose: { type: "boolean", default: false },
    respawn: { type: "boolean", default: false },
  },
});

const envId = args.env;
const overrides = JSON.parse(args.set) as Partial<PpoConfig>;
const config: Partial<PpoConfig> = { ...ppoPreset(envId), ...overrides };
const steps = Number(args.steps ?? config.totalTimesteps ?? 100_000);
config.totalTimesteps = steps;

for (const seed of args.seeds.split(",").map(Number)) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const envOptions = { respawn: args.respawn };
  const venv = makeVecEnv(envId, config.numEnvs ?? 1, envOptions);
  const agent = new PpoAgent(config, venv.observationSpace, venv.actionSpace, seed);
  let ppoSeconds = 0;
  let updateSeconds = 0;
  let last = performance.now();
  const episodeReturns: number[] = [];
  const running = new Float64Array(venv.numEnvs);
  learn(agent, venv, steps, (stats, rollout) => {
    const now = performance.now();
    ppoSeconds += (now - last) / 1000;
    updateSeconds += stats.seconds;
    for (let i = 0; i < rollout.rewards.length; i++) {
      const e = i % rollout.numEnvs;
      running[e] += rollout.rewards[i];
      if (rollout.terminated[i] || rollout.truncated[i]) {
        episodeReturns.push(running[e]);
        running[e] = 0;
      }
    }
    if (args.verbose) {
      const recent = episodeReturns.slice(-20);
      const mean = recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
      console.error(
        JSON.stringify({
          steps: agent.envSteps,
          trainReturn: Number(mean.toFixed(1)),
          ...Object.fromEntries(
            Object.entries(stats).map(([k, v]) => [k, Number(v.toPrecision(3))]),
          ),
          ppoSeconds: Number(ppoSeconds.toFixed(2)),
        }),
      );
    }
    last = performance.now();
    return undefined;
  });
  const evaluation = agent.evaluate(
    () => makeEnv(envId, envOptions),
    Number(args.episodes),
    1_000_000 + seed,
  );
  // A preference-ready task's policy is also scored on the standard task behind it.
  const standardId = standardEnvId(envId);
  const standard =
    standardId === envId
      ? null
      : agent.evaluate(() => makeEnv(standardId), Number(args.episodes), 1_000_000 + seed);
  venv.close();
  agent.dispose();
  console.log(
    JSON.stringify({
      env: envId,
      seed,
      steps: agent.envSteps,
      evalMean: Number(evaluation.mean.toFixed(1)),
      evalStd: Number(evaluation.std.toFixed(1)),
      ...(standard && {
        standardEnv: standardId,
        standardEvalMean: Number(standard.mean.toFixed(1)),
        standardEvalStd: Number(standard.std.toFixed(1)),
      }),
      ppoSeconds: Number(ppoSeconds.toFixed(2)),
      updateSeconds: Number(updateSeconds.toFixed(2)),
      wallSeconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
      cpuSeconds: Number((process.cpuUsage(cpu0).user / 1e6).toFixed(2)),
      config: overrides,
    }),
  );
}
