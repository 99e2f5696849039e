import { listEnvIds, makeEnv } from "../envs/index.ts";
import { defineCommand, formatHelp, parseOptions, UsageError } from "./args.ts";

const ENVS_COMMAND = defineCommand({
  name: "envs",
  synopsis: `backflip envs — the environments a run can train in, with their spaces and horizons

A preference-ready variant (-pref-) is the paper's edit: a fixed horizon, no early
termination, no control cost.`,
  options: { json: { kind: "boolean", help: "one JSON line per env" } },
});

export async function envsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(ENVS_COMMAND, argv);
  if (values.help) {
    console.log(formatHelp(ENVS_COMMAND));
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`backflip envs: unexpected argument '${positionals[0]}'`);
  const rows = listEnvIds().map((id) => {
    const env = makeEnv(id);
    const { spec, observationSpace, actionSpace } = env;
    env.close();
    return {
      id,
      obs:
        observationSpace.kind === "box"
          ? `Box(${observationSpace.shape.join("×")})`
          : `Discrete(${observationSpace.n})`,
      act:
        actionSpace.kind === "box"
          ? `Box(${actionSpace.shape.join("×")})`
          : `Discrete(${actionSpace.n})`,
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
