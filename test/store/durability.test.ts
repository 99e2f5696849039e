import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { makeQuery, storeBackends } from "./helpers.ts";

const writer = fileURLToPath(new URL("./fixtures/answer_writer.ts", import.meta.url));

for (const backend of await storeBackends("durability")) {
  describe(backend.name, { skip: backend.skip }, () => {
    after(() => backend.cleanup());

    test("every acknowledged answer survives kill -9 of the writer", async () => {
      const place = backend.place();
      const store = await backend.open(place);
      const total = 2000;
      await store.addQueries(
        Array.from({ length: total }, (_, i) => makeQuery(`q${String(i).padStart(5, "0")}`)),
        "online",
      );
      await store.close();

      const args = [writer, place.target, ...(place.schema ? [place.schema] : [])];
      const child = spawn(process.execPath, ["--import", "tsx", ...args], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const acked: string[] = [];
      let buffer = "";
      let finished = false;
      await new Promise<void>((resolve, reject) => {
        child.on("error", reject);
        child.on("exit", () => resolve());
        child.stdout.setEncoding("utf8");
        child.stdout.on("data", (chunk: string) => {
          buffer += chunk;
          const lines = buffer.split("\n");
          buffer = lines.pop()!;
          for (const line of lines) {
            if (line.startsWith("ack ")) acked.push(line.slice(4));
            if (line === "done") finished = true;
          }
          // Kill mid-stream, while answers are still being written.
          if (acked.length >= 50 && child.exitCode === null && !child.killed) child.kill("SIGKILL");
        });
      });
      assert.equal(finished, false, "the writer was killed before it finished");
      assert.ok(acked.length >= 50);

      const reopened = await backend.open(place);
      try {
        const stored = new Set((await reopened.answersSince(0, total)).map((a) => a.requestId));
        const lost = acked.filter((id) => !stored.has(id));
        assert.deepEqual(
          lost,
          [],
          `${lost.length} of ${acked.length} acknowledged answers were lost`,
        );
        assert.ok(stored.size >= acked.length);
      } finally {
        await reopened.close();
      }
    });
  });
}
