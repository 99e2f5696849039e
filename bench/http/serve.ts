/**
 * One labelling server for bench/http.bench.ts, in its own process so that the load generator
 * does not share its event loop: `serve.ts LAYER RUN_DIR` prints `{"port": N}` once listening,
 * and exits when its standard input closes.
 */
import { join } from "node:path";
import { fastifyLayer } from "../../src/server/fastify.ts";
import { createServer, type HttpLayer } from "../../src/server/index.ts";
import { PreferenceStore } from "../../src/store/index.ts";
import { honoLayer } from "./hono.ts";
import { nodeHttpLayer } from "./node_http.ts";

export const LAYERS: Record<string, HttpLayer> = {
  "node-http": nodeHttpLayer,
  fastify: fastifyLayer,
  hono: honoLayer,
};

const [name, runDir] = process.argv.slice(2);
const httpLayer = LAYERS[name];
if (!httpLayer || !runDir) {
  console.error(`usage: serve.ts ${Object.keys(LAYERS).join("|")} RUN_DIR`);
  process.exit(2);
}
const store = await PreferenceStore.open(join(runDir, "store.sqlite"));
const server = await createServer({ store, runDir, httpLayer, log: (m) => console.error(m) });
console.log(JSON.stringify({ port: server.port }));
process.stdin.resume();
process.stdin.on("end", async () => {
  await server.close();
  await store.close();
  process.exit(0);
});
