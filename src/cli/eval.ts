import { existsSync } from "node:fs";
import { join } from "node:path";
import { hasEnv, isEnvSourcePath, loadEnvSource, makeEnv } from "../envs/index.ts";
import { latestModelDir } from "../loop/checkpoint.ts";
import { describeCount, evaluatePolicy, goalOf } from "../loop/evaluate.ts";
import { readRunConfig } from "../loop/run_config.ts";
import { PpoAgent } from "../rl/ppo.ts";
import { defineCommand, formatHelp, parseOptions, UsageError } from "./args.ts";
import { loadRunSources } from "./train_options.ts";

const EVAL_COMMAND = defineCommand({
  name: "eval",
  synopsis: `backflip eval DIR — run a trained policy on the true reward (or its goal's measure)`,
  options: {
    episodes: { kind: "int", value: "N", default: 10, min: 1, help: "episodes" },
    seed: { kind: "int", value: "N", default: 12_345, min: 0, help: "seed of the first episode" },
    env: {
      kind: "string",
      value: "ID_OR_FILE",
      defaultText: "the run's evalEnvId, the standard task behind its env",
      help: "evaluate on another env: an id, or an env module or MJCF file",
    },
    json: { kind: "boolean", help: "print one JSON line" },
  },
});

export async function evalCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(EVAL_COMMAND, argv);
  if (values.help) {
    console.log(formatHelp(EVAL_COMMAND));
    return 0;
  }
  const [runDir, ...extra] = positionals;
  if (!runDir)
    throw new UsageError("backflip eval: give the run directory, e.g. backflip eval runs/my-run");
  if (extra.length > 0) throw new UsageError(`backflip eval: unexpected argument '${extra[0]}'`);
  const configPath = join(runDir, "config.json");
  if (!existsSync(configPath))
    throw new UsageError(`backflip eval: '${runDir}' is not a run directory (no config.json)`);
  const config = readRunConfig(runDir);
  const policyDir = latestModelDir(runDir, "policy");
  if (!policyDir) {
    throw new UsageError(
      `backflip eval: '${runDir}' has no saved policy yet (no policy/ or checkpoint); let it train a little first`,
    );
  }
  // The run's own env and goal files: evaluating with a changed one is allowed, with a warning.
  let changed: string[];
  try {
    ({ changed } = await loadRunSources(config, { allowChanged: true }));
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`backflip eval: ${error.message}`);
    throw error;
  }
  for (const path of changed) console.error(`warning: ${path} changed since the run started`);
  let envId = values.env ?? config.evalEnvId;
  if (values.env !== undefined && isEnvSourcePath(values.env)) {
    try {
      ({ envId } = await loadEnvSource(values.env, config.envSource?.options));
    } catch (error) {
      throw new UsageError(`backflip eval: --env: ${(error as Error).message}`);
    }
  } else if (values.env !== undefined && !hasEnv(values.env)) {
    try {
      makeEnv(values.env).close();
    } catch (error) {
      throw new UsageError(`backflip eval: --env: ${(error as Error).message}`);
    }
  }
  const agent = PpoAgent.load(policyDir);
  const episodes = values.episodes;
  const result = evaluatePolicy(agent, envId, episodes, values.seed, goalOf(config.teacher));
  agent.dispose();
  if (values.json) console.log(JSON.stringify({ run: runDir, ...result }));
  else {
    console.log(
      `${result.env}: ${result.measure} ${result.mean.toFixed(1)} ± ${result.std.toFixed(1)} over ${episodes} episodes`,
    );
    if (result.count) console.log(describeCount(result.count));
  }
  return 0;
}
