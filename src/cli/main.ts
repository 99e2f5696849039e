/** `backflip`: teach agents by comparison. */
import { UsageError } from "./args.ts";

const USAGE = `backflip — teach an agent by comparing clips of its behaviour

The main job: you compare pairs of clips in the browser, and the agent learns what you prefer:
  backflip train --env ID --teacher human [--labels N] [--steps N] [--pace wait|free]

Usage:
  backflip train --env ID --teacher human|oracle|noisy|goal:NAME [--labels N] [--steps N]
                 [--seed N] [--run DIR] [--preferences FILE_OR_RUN_DIR] [--store URL] [--json]
  backflip train --env ID --reward-model RUN_DIR [--steps N]    a new policy on a saved reward model
  backflip resume DIR [--steps N] [--json]        carry on a run from its last checkpoint
  backflip eval DIR [--episodes N] [--json]
  backflip export DIR --out FILE.jsonl            a run's answered comparisons, for another run
  backflip serve DIR [--port N] [--host H]        any number of them on a run's Postgres store
  backflip labellers add|remove|rotate NAME DIR | list DIR
  backflip sweep add SPEC.json --db URL | status --db URL   a grid of runs on a Postgres queue
  backflip worker --db URL --runs DIR [--concurrency N]     train the queued runs
  backflip envs [--json]

A run keeps its store in its folder (SQLite), or in Postgres with 'train --store postgres://…' (or
BACKFLIP_STORE); the folder records which, so the other commands find it.

Run 'backflip <command> --help' for a command's options.`;

/** Loaded on demand, so `backflip envs` does not pay for jax-js and SQLite. */
const commands: Record<string, (argv: string[]) => Promise<number>> = {
  train: async (argv) => (await import("./train.ts")).trainCommand(argv),
  resume: async (argv) => (await import("./resume.ts")).resumeCommand(argv),
  eval: async (argv) => (await import("./eval.ts")).evalCommand(argv),
  envs: async (argv) => (await import("./envs.ts")).envsCommand(argv),
  serve: async (argv) => (await import("./serve.ts")).serveCommand(argv),
  labellers: async (argv) => (await import("./labellers.ts")).labellersCommand(argv),
  export: async (argv) => (await import("./export.ts")).exportCommand(argv),
  sweep: async (argv) => (await import("./sweep.ts")).sweepCommand(argv),
  worker: async (argv) => (await import("./worker.ts")).workerCommand(argv),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command '${name}'.\n\n${USAGE}`);
  return command(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exitCode = 2;
  } else {
    console.error(`backflip: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.BACKFLIP_DEBUG) console.error(error);
    process.exitCode = 1;
  }
}
