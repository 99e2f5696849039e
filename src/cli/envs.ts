import { listEnvIds, makeEnv } from "../envs/index.ts";
import { parseCommand } from "./args.ts";

export async function envsCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand("envs", argv, { json: { type: "boolean" } });
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
