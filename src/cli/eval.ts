import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { evaluatePolicy, goalOf } from "../loop/evaluate.ts";
import type { RunConfig } from "../loop/run_config.ts";
import { PpoAgent } from "../rl/ppo.ts";
import { intFlag, parseCommand, UsageError } from "./args.ts";

const HELP = `backflip eval DIR — run a trained policy on the true reward

  --episodes N   episodes (default 10)
  --seed N       seed of the first episode (default 12345)
  --env ID       evaluate on another env (default: the standard task of the run's env)
  --json         print one JSON line`;

export async function evalCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand("eval", argv, {
    episodes: { type: "string" },
    seed: { type: "string" },
    env: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [runDir, ...extra] = positionals;
  if (!runDir)
    throw new UsageError("backflip eval: give the run directory, e.g. backflip eval runs/my-run");
  if (extra.length > 0) throw new UsageError(`backflip eval: unexpected argument '${extra[0]}'`);
  const configPath = join(runDir, "config.json");
  if (!existsSync(configPath))
    throw new UsageError(`backflip eval: '${runDir}' is not a run directory (no config.json)`);
  if (!existsSync(join(runDir, "policy"))) {
    throw new UsageError(
      `backflip eval: '${runDir}' has no saved policy yet; has its training finished?`,
    );
  }
  const config = JSON.parse(readFileSync(configPath, "utf8")) as RunConfig;
  const agent = PpoAgent.load(join(runDir, "policy"));
  const episodes = intFlag("episodes", values.episodes, 10, 1);
  const result = evaluatePolicy(
    agent,
    values.env ?? config.evalEnvId,
    episodes,
    intFlag("seed", values.seed, 12345),
    goalOf(config.teacher),
  );
  agent.dispose();
  if (values.json) console.log(JSON.stringify({ run: runDir, ...result }));
  else
    console.log(
      `${result.env}: ${result.measure} ${result.mean.toFixed(1)} ± ${result.std.toFixed(1)} over ${episodes} episodes`,
    );
  return 0;
}
