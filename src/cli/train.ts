import { existsSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../core/rng.ts";
import { PreferenceLoop, type RunResult, writeConfig } from "../loop/preference_loop.ts";
import type { RunConfig } from "../loop/run_config.ts";
import { type ServerProcess, startServerProcess } from "../server/index.ts";
import { acquireRunLock, PreferenceStore } from "../store/index.ts";
import { makeTeacher } from "../teachers/index.ts";
import { formatHelp, parseOptions, UsageError } from "./args.ts";
import { Progress } from "./progress.ts";
import { buildConfig, TRAIN_COMMAND } from "./train_options.ts";

export async function trainCommand(argv: string[]): Promise<number> {
  const { values, positionals, given } = parseOptions(TRAIN_COMMAND, argv);
  if (values.help) {
    console.log(formatHelp(TRAIN_COMMAND));
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`backflip train: unexpected argument '${positionals[0]}'`);
  const config = buildConfig({ values, given });
  if (values.env !== undefined && config.envId !== values.env)
    console.error(`${config.teacher} is taught on ${config.envId}, without termination`);
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
        port: values.port,
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
