/**
 * Runs `backflip serve` in a child process, so that a training step never stalls the labelling
 * page. The owner token travels in an environment variable (never on the command line, where
 * `ps` would show it). The child exits when its parent does: it watches the IPC channel.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ownerTokenFor } from "./owner_token.ts";

export const OWNER_TOKEN_ENV = "BACKFLIP_OWNER_TOKEN";
/** Set for a server started here, so that it watches its IPC channel to this process. */
export const SERVE_CHILD_ENV = "BACKFLIP_SERVE_CHILD";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "backflip.js");

export type ServerProcess = {
  /** `http://127.0.0.1:PORT/#token=…`: the page, signed in as the owner. */
  url: string;
  /** `http://127.0.0.1:PORT`, for API calls. */
  origin: string;
  port: number;
  ownerToken: string;
  pid: number;
  /** Asks the server to stop (SIGTERM), and waits until it has; SIGKILL after 5 s. */
  stop(): Promise<void>;
};

/** The line `backflip serve` prints once it listens; `startServerProcess` waits for it. */
export const LISTENING_PATTERN = /(https?:\/\/\S+?:(\d+))\/#token=/;

export async function startServerProcess(
  runDir: string,
  options: { port?: number; host?: string; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const ownerToken = ownerTokenFor(runDir);
  const args = [BIN, "serve", runDir, "--port", String(options.port ?? 0)];
  if (options.host) args.push("--host", options.host);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, [OWNER_TOKEN_ENV]: ownerToken, [SERVE_CHILD_ENV]: "1" },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  const origin = await waitForListening(child, options.timeoutMs ?? 60_000);
  // From now on the child must not keep this process alive: if this process ends, the IPC
  // channel closes and the child shuts down.
  child.unref();
  child.channel?.unref();
  const out = child.stdout as unknown as { unref?: () => void } | null;
  out?.unref?.();
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once("exit", () => done());
  });
  return {
    url: `${origin.origin}/#token=${ownerToken}`,
    origin: origin.origin,
    port: origin.port,
    ownerToken,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.ref(); // keep this process alive until the child is gone
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function waitForListening(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ origin: string; port: number }> {
  return new Promise((resolveListening, reject) => {
    let buffer = "";
    let settled = false;
    const settle = (error: Error | null, value?: { origin: string; port: number }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off("exit", onExit);
      child.off("error", onError);
      if (error) {
        child.kill("SIGKILL");
        reject(error);
      } else resolveListening(value!);
    };
    const timer = setTimeout(
      () => settle(new Error(`the server process did not start listening within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onExit = (code: number | null, signal: string | null) =>
      settle(
        new Error(
          `the server process exited (${signal ?? `code ${code}`}) before it listened; see its messages above`,
        ),
      );
    const onError = (e: Error) =>
      settle(new Error(`could not start the server process: ${e.message}`));
    child.once("exit", onExit);
    child.once("error", onError);
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      if (settled) return; // later output is read and dropped, so the pipe never fills
      buffer += chunk;
      const match = LISTENING_PATTERN.exec(buffer);
      if (match) settle(null, { origin: match[1], port: Number(match[2]) });
      else if (buffer.length > 65_536) buffer = buffer.slice(-4096);
    });
  });
}
