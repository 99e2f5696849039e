/**
 * The process a worker starts for one attempt at a run: `backflip train …` or `backflip resume …`,
 * exactly as the CLI runs them, but tied to its worker. It is forked with an IPC channel, and when
 * that channel closes (the worker died, even by kill -9) it dies at once too, as the whole worker
 * would on a machine that fails: the run then carries on elsewhere from its last checkpoint, and
 * no orphan goes on writing to a folder that another worker takes over.
 */
process.on("disconnect", () => process.kill(process.pid, "SIGKILL"));
// A worker killed while this process was still loading: the channel closed before the listener.
if (!process.connected) process.kill(process.pid, "SIGKILL");
// The channel only watches the worker: it must not keep a finished run's process alive.
process.channel?.unref();

await import("../cli/main.ts");
