/** `backflip worker`: takes runs of sweeps off the Postgres queue and trains them. */
import { SweepUrlError } from "../sweep/db.ts";
import { SweepWorker } from "../sweep/worker.ts";
import { defineCommand, formatHelp, parseOptions, UsageError } from "./args.ts";

export const WORKER_COMMAND = defineCommand({
  name: "worker",
  synopsis: `backflip worker — train the runs of sweeps queued in Postgres ('backflip sweep add')

Each run is 'backflip train' (or 'backflip resume') in a child process, into DIR/<run name>.
Start as many workers as you like, on any machines that reach the database; give them one shared
runs folder, so that a run whose worker dies resumes from its checkpoint wherever it is taken up.
Ctrl-C stops the worker: its runs save a checkpoint and go back to the queue (Ctrl-C again kills
them; they resume from their last checkpoint). See docs/sweeps.md.`,
  options: {
    db: {
      kind: "string",
      value: "URL",
      defaultText: "$BACKFLIP_SWEEP_DB",
      required: "unless BACKFLIP_SWEEP_DB is set",
      help: "the sweep's Postgres database, postgres://user@host:5432/db",
    },
    runs: {
      kind: "string",
      value: "DIR",
      required: true,
      help: "folder of the run folders (shared between workers, for resuming on another machine)",
    },
    concurrency: { kind: "int", value: "N", default: 1, min: 1, help: "runs at a time" },
    lease: {
      kind: "number",
      value: "S",
      default: 60,
      min: 1,
      help: "seconds without a heartbeat (sent every S/4) after which other workers take this one's runs over",
    },
    drain: {
      kind: "boolean",
      help: "exit once no run in the database is queued or running",
    },
    poll: {
      kind: "number",
      value: "S",
      default: 1,
      min: 0.1,
      help: "seconds between looks at the queue besides Postgres' notifications",
    },
  },
});

export async function workerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(WORKER_COMMAND, argv);
  if (values.help) {
    console.log(formatHelp(WORKER_COMMAND));
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`backflip worker: unexpected argument '${positionals[0]}'`);
  }
  const db = values.db ?? process.env.BACKFLIP_SWEEP_DB;
  if (!db) throw new UsageError("backflip worker: give --db postgres://… (or BACKFLIP_SWEEP_DB)");
  if (!values.runs) throw new UsageError("backflip worker: give --runs DIR, the runs folder");
  const worker = new SweepWorker({
    db,
    runs: values.runs,
    concurrency: values.concurrency,
    leaseSeconds: values.lease,
    drain: values.drain,
    pollSeconds: values.poll,
  });
  let signals = 0;
  const onSignal = () => {
    signals++;
    void worker.stop(signals > 1);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await worker.start();
  } catch (error) {
    if (error instanceof SweepUrlError) throw new UsageError(`backflip worker: ${error.message}`);
    throw error;
  }
  const exit = await worker.done;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  const runs = exit.ran === 1 ? "1 run" : `${exit.ran} runs`;
  console.error(`worker ${worker.id}: ${exit.reason}, ${runs} finished here`);
  // A lost worker leaves at once: its runs are already another worker's.
  if (exit.reason === "lost") process.exit(1);
  return 0;
}
