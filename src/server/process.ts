/**
 * Runs `backflip serve` in a child process, so that a training step never stalls the labelling
 * page. The owner token travels over the IPC channel: never on the command line, where `ps` would
 * show it, nor in the environment, which /proc/PID/environ keeps for the child's whole life. The
 * child asks for it once it is ready to listen (so no message is sent before it listens), and
 * exits when its parent does: it watches the IPC channel.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ownerTokenFor } from "./owner_token.ts";

/** Set for a server started here, so that it asks for its token and watches the IPC channel. */
export const SERVE_CHILD_ENV = "BACKFLIP_SERVE_CHILD";

/**
 * The child's request for the owner token, and the parent's answer, over IPC. The answer also
 * carries the URL of a Postgres store as the parent reached it (it may hold a password).
 */
export type OwnerTokenRequest = { type: "backflip:owner-token?" };
export type OwnerTokenMessage = { type: "backflip:owner-token"; token: string; store?: string };

/** What a server child is given by its parent. */
export type ServeSecrets = { token: string; store?: string };

/**
 * In a server child: asks the parent for the owner token over IPC and waits for it (null when
 * this process was not started by `startServerProcess`).
 */
export function receiveOwnerToken(timeoutMs = 30_000): Promise<string> | null {
  return receiveServeSecrets(timeoutMs)?.then((s) => s.token) ?? null;
}

/** As `receiveOwnerToken`, with the store's URL when the parent gave one. */
export function receiveServeSecrets(timeoutMs = 30_000): Promise<ServeSecrets> | null {
  if (process.env[SERVE_CHILD_ENV] !== "1" || process.send === undefined) return null;
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, secrets?: ServeSecrets) => {
      clearTimeout(timer);
      process.off("message", onMessage);
      process.off("disconnect", onDisconnect);
      if (error) reject(error);
      else resolve(secrets!);
    };
    const onMessage = (m: unknown) => {
      const message = m as Partial<OwnerTokenMessage> | null;
      if (message?.type === "backflip:owner-token" && typeof message.token === "string") {
        const store = typeof message.store === "string" ? message.store : undefined;
        done(null, { token: message.token, store });
      }
    };
    const onDisconnect = () =>
      done(new Error("the parent process went away before sending the owner token"));
    const timer = setTimeout(
      () => done(new Error(`no owner token came over IPC within ${timeoutMs} ms`)),
      timeoutMs,
    );
    process.on("message", onMessage);
    process.on("disconnect", onDisconnect);
    process.send!({ type: "backflip:owner-token?" } satisfies OwnerTokenRequest);
  });
}

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
  options: {
    port?: number;
    host?: string;
    timeoutMs?: number;
    /** A Postgres run: the URL to reach its store by (sent over IPC, never on the command line). */
    store?: string;
  } = {},
): Promise<ServerProcess> {
  const ownerToken = ownerTokenFor(runDir);
  const args = [BIN, "serve", runDir, "--port", String(options.port ?? 0)];
  if (options.host) args.push("--host", options.host);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, [SERVE_CHILD_ENV]: "1" },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  const onMessage = (m: unknown) => {
    if ((m as Partial<OwnerTokenRequest> | null)?.type !== "backflip:owner-token?") return;
    const reply: OwnerTokenMessage = {
      type: "backflip:owner-token",
      token: ownerToken,
      ...(options.store !== undefined && { store: options.store }),
    };
    if (child.connected) child.send(reply);
  };
  child.on("message", onMessage);
  let origin: { origin: string; port: number };
  try {
    origin = await waitForListening(child, options.timeoutMs ?? 60_000);
  } finally {
    child.off("message", onMessage);
  }
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
