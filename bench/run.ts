/**
 * `npm run bench`: runs every bench/*.bench.ts in turn, one process each so that one bench's
 * warm caches and heap do not colour the next. Each prints JSON lines on stdout.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const file of files) {
  const result = spawnSync(process.execPath, ["--import", "tsx", join(here, file)], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) {
    failed++;
    console.error(`bench ${file} exited with ${result.status}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
