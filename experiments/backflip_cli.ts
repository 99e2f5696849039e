/** Runs the `backflip` CLI as a child process, for experiments that train in separate processes. */
import { spawn } from "node:child_process";
import { join } from "node:path";

const BIN = join(import.meta.dirname, "..", "bin", "backflip.js");

/**
 * `backflip ARGS…` to the end: resolves with its last stdout line parsed as JSON (`--json`
 * output), rejects with `what` and the end of its stderr if it fails.
 */
export function backflipJson<T = Record<string, unknown>>(
  args: string[],
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`${what}: ${err.slice(-500)}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as T);
    });
  });
}
