import type { Space } from "../core/spaces.ts";
import { isEnvSourcePath, listEnvIds, loadEnvSource, makeEnv } from "../envs/index.ts";
import { defineCommand, formatHelp, parseOptions, UsageError } from "./args.ts";

const ENVS_COMMAND = defineCommand({
  name: "envs",
  synopsis: `backflip envs — the environments a run can train in, with their spaces and horizons

A preference-ready variant (-pref-) is the paper's edit: a fixed horizon, no early
termination, no control cost.

  backflip envs --describe ID_OR_FILE     one env in full: its spec, spaces and frame kind;
                                          a module (./my_env.ts) or MJCF model (./robot.xml)
                                          is loaded and probed as 'train --env' would`,
  options: {
    describe: {
      kind: "string",
      value: "ID_OR_FILE",
      defaultText: "none: list every registered env",
      help: "describe one env: a registered id, an env module or an MJCF model",
    },
    json: { kind: "boolean", help: "one JSON line per env" },
  },
});

const showSpace = (space: Space) =>
  space.kind === "box" ? `Box(${space.shape.join("×")})` : `Discrete(${space.n})`;

export async function envsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(ENVS_COMMAND, argv);
  if (values.help) {
    console.log(formatHelp(ENVS_COMMAND));
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`backflip envs: unexpected argument '${positionals[0]}'`);
  if (values.describe !== undefined) return describeEnv(values.describe, values.json);
  const rows = listEnvIds().map((id) => {
    const env = makeEnv(id);
    const { spec, observationSpace, actionSpace } = env;
    env.close();
    return {
      id,
      obs: showSpace(observationSpace),
      act: showSpace(actionSpace),
      horizon: spec.maxEpisodeSteps,
      preferenceReady: spec.preferenceReady,
    };
  });
  if (values.json) {
    for (const row of rows) console.log(JSON.stringify(row));
    return 0;
  }
  const width = Math.max(...rows.map((r) => r.id.length));
  for (const r of rows) {
    console.log(
      `${r.id.padEnd(width)}  obs ${r.obs.padEnd(10)} act ${r.act.padEnd(12)} horizon ${String(r.horizon).padEnd(5)}${r.preferenceReady ? " preference-ready" : ""}`,
    );
  }
  return 0;
}

/** `--describe`: one env's spec, spaces (with bounds) and frame kind. */
async function describeEnv(idOrFile: string, json: boolean): Promise<number> {
  let id = idOrFile;
  let source: string | null = null;
  if (isEnvSourcePath(idOrFile)) {
    try {
      const loaded = await loadEnvSource(idOrFile);
      id = loaded.envId;
      source = loaded.source.path;
    } catch (error) {
      throw new UsageError(`backflip envs: --describe: ${(error as Error).message}`);
    }
  }
  let env: ReturnType<typeof makeEnv>;
  try {
    env = makeEnv(id);
  } catch (error) {
    throw new UsageError(`backflip envs: --describe: ${(error as Error).message}`);
  }
  try {
    env.reset(0);
    const frameKind = env.frame().kind;
    const bounds = (space: Space) =>
      space.kind === "box"
        ? { kind: "box", shape: space.shape, low: [...space.low], high: [...space.high] }
        : { kind: "discrete", n: space.n };
    const info = {
      id,
      source,
      spec: env.spec,
      observationSpace: bounds(env.observationSpace),
      actionSpace: bounds(env.actionSpace),
      frameKind,
    };
    if (json) {
      console.log(JSON.stringify(info));
      return 0;
    }
    const range = (space: Space) => {
      if (space.kind !== "box") return "";
      const lows = new Set(space.low);
      const highs = new Set(space.high);
      return lows.size === 1 && highs.size === 1
        ? ` in [${space.low[0]}, ${space.high[0]}]`
        : " (bounds per dimension: see --json)";
    };
    const { spec } = env;
    const lines = [
      `${id}${source ? `  (from ${source})` : ""}`,
      `  observations  ${showSpace(env.observationSpace)}${range(env.observationSpace)}`,
      `  actions       ${showSpace(env.actionSpace)}${range(env.actionSpace)}`,
      `  horizon       ${spec.maxEpisodeSteps} steps`,
      `  fps           ${spec.fps} (dt ${spec.dt} s of simulated time per step)`,
      `  pref-ready    ${spec.preferenceReady ? "yes" : "no"}`,
      `  frame kind    ${frameKind}`,
    ];
    console.log(lines.join("\n"));
    return 0;
  } finally {
    env.close();
  }
}
