/** `backflip`: teach agents by comparison. */
import { UsageError } from "./args.ts";

const USAGE = `backflip — teach an agent by comparing clips of its behaviour

Usage:
  backflip train --env <id> --teacher <oracle|noisy|goal:NAME> [--labels N] [--steps N]
                 [--seed N] [--run DIR] [--selection disagreement|random] [--json]
  backflip eval DIR [--episodes N] [--json]
  backflip serve DIR [--port N] [--host H]
  backflip labellers add NAME DIR | list DIR
  backflip export DIR --out FILE.jsonl
  backflip envs

Run 'backflip <command> --help' for a command's options.`;

/** Loaded on demand, so `backflip envs` does not pay for jax-js and SQLite. */
const commands: Record<string, (argv: string[]) => Promise<number>> = {
  train: async (argv) => (await import("./train.ts")).trainCommand(argv),
  eval: async (argv) => (await import("./eval.ts")).evalCommand(argv),
  envs: async (argv) => (await import("./envs.ts")).envsCommand(argv),
  serve: async (argv) => (await import("./serve.ts")).serveCommand(argv),
  labellers: async (argv) => (await import("./labellers.ts")).labellersCommand(argv),
  export: async (argv) => (await import("./export.ts")).exportCommand(argv),
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
