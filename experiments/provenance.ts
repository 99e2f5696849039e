/** Where an experiment row was measured: the code that ran and the machine it ran on. */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";

/** The short hash of the checkout the experiments run from. */
export const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
  cwd: import.meta.dirname,
  encoding: "utf8",
}).trim();

/** `2× AMD EPYC`: cores and the CPU's model. */
export const machine = `${cpus().length}× ${cpus()[0]?.model.trim() ?? "unknown CPU"}`;
