import { existsSync, statSync } from "node:fs";
import { ownerTokenFor } from "../server/owner_token.ts";
import { receiveServeSecrets, SERVE_CHILD_ENV } from "../server/process.ts";
import { createServer, isLoopbackHost } from "../server/server.ts";
import { checkHost, defineCommand, formatHelp, parseOptions, UsageError } from "./args.ts";
import { openStoreForCli } from "./run_training.ts";

const SERVE_COMMAND = defineCommand({
  name: "serve",
  synopsis: "backflip serve DIR — serve the labelling page and dashboard of a run",
  options: {
    port: {
      kind: "int",
      value: "N",
      default: 0,
      min: 0,
      max: 65_535,
      help: "port to listen on (0: any free port)",
    },
    host: {
      kind: "string",
      value: "H",
      default: "127.0.0.1",
      help: "address to bind. Anything but a loopback address makes the page reachable from other machines, over plain HTTP. On loopback, only requests for 127.0.0.1, localhost or [::1] are answered (against DNS rebinding).",
    },
    store: {
      kind: "string",
      value: "URL",
      defaultText: "the one DIR/store.json records",
      help: "a run on Postgres: the URL to reach its database by (with a password, another host name)",
    },
  },
  notes: `Prints the page's URL with the run owner's token (the same link every time), then
serves until Ctrl-C. Give other people their own tokens with 'backflip labellers add NAME DIR';
'backflip labellers remove' or 'rotate' revokes one, also while this server runs. Each labeller
holds at most 2 unanswered queries at a time.

A run on Postgres ('backflip train --store postgres://…') may be served by any number of these
processes, on any machines that reach its database and its folder: each keeps nothing of its
own (leases, tokens, undo and statistics are all in the store), so a load balancer may send a
labeller's every request to a different one.`,
});

export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(SERVE_COMMAND, argv);
  if (values.help) {
    console.log(formatHelp(SERVE_COMMAND));
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      "backflip serve: give one run directory, e.g. 'backflip serve runs/my-run'",
    );
  }
  const runDir = positionals[0];
  const { port, host } = values;
  checkHost("serve", "host", host);
  requireRunDir(runDir);

  // A parent (train --teacher human) hands its token, and its store's URL, over IPC; otherwise
  // the run folder's.
  const secrets = await receiveServeSecrets();
  const ownerToken = secrets?.token ?? ownerTokenFor(runDir);
  const store = await openStoreForCli("serve", {
    dir: runDir,
    store: values.store ?? secrets?.store,
  });
  let server: Awaited<ReturnType<typeof createServer>>;
  try {
    server = await createServer({ store, runDir, ownerToken, host, port });
  } catch (error) {
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new UsageError(`backflip serve: port ${port} is in use; pick another --port`);
    if (code === "EADDRNOTAVAIL")
      throw new UsageError(`backflip serve: ${host} is not an address of this machine`);
    throw error;
  }
  if (!isLoopbackHost(host)) {
    console.error(
      `warning: listening on ${host}, so other machines can reach this page. The traffic is plain ` +
        "HTTP: tokens and answers can be read on the way. Prefer the default 127.0.0.1 and an SSH tunnel.",
    );
  }
  const local = isUnspecified(host) ? server.url.replace(/\/\/.*:/, "//127.0.0.1:") : server.url;
  console.log(`Serving run ${runDir}. Open, as the owner:\n  ${local}/#token=${ownerToken}`);

  // Started by startServerProcess: stop when the parent goes away (its IPC channel closes).
  const child = process.env[SERVE_CHILD_ENV] === "1" && process.send !== undefined;
  delete process.env[SERVE_CHILD_ENV];
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      process.off("disconnect", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    if (child) process.on("disconnect", stop);
  });
  await server.close();
  await store.close();
  // The IPC channel would keep this process alive.
  if (child && process.connected) process.disconnect();
  return 0;
}

function requireRunDir(runDir: string): void {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    throw new UsageError(
      `backflip serve: '${runDir}' is not a directory; give a run directory such as runs/<name>`,
    );
  }
}

function isUnspecified(host: string): boolean {
  return host === "0.0.0.0" || host === "::";
}
