import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { exportPreferences, hasRunStore } from "../store/index.ts";
import { defineCommand, formatHelp, parseOptions, UsageError } from "./args.ts";
import { openStoreForCli } from "./run_training.ts";

const EXPORT_COMMAND = defineCommand({
  name: "export",
  synopsis: `backflip export DIR --out FILE.jsonl — write a run's answered comparisons to a file

Every live answer (undone ones left out, "can't tell" kept) with both clips, one JSON line
each, after a header line. The format is described in docs/preferences-format.md; another run
of the same env can start with the file ('backflip train --preferences FILE').`,
  options: {
    out: { kind: "string", value: "FILE.jsonl", required: true, help: "the file to write" },
  },
});

export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(EXPORT_COMMAND, argv);
  if (values.help) {
    console.log(formatHelp(EXPORT_COMMAND));
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      "backflip export: give one run directory, e.g. backflip export runs/my-run --out prefs.jsonl",
    );
  }
  const dir = positionals[0];
  if (!hasRunStore(dir)) {
    throw new UsageError(
      `backflip export: '${dir}' has no store.sqlite (nor store.json), so it is not a run directory`,
    );
  }
  if (values.out === undefined || values.out === "") {
    throw new UsageError("backflip export: say where to write with --out FILE.jsonl");
  }
  const out = resolve(values.out);
  const folder = dirname(out);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UsageError(`backflip export: folder '${folder}' does not exist; create it first`);
  }
  if (existsSync(out) && statSync(out).isDirectory()) {
    throw new UsageError(`backflip export: --out '${values.out}' is a folder; name a file in it`);
  }

  const store = await openStoreForCli("export", { dir });
  try {
    const run = await store.getMeta("run");
    const envId = run?.envId ?? (await store.answeredComparisons({ limit: 1 }))[0]?.left.envId;
    if (envId === undefined) {
      throw new UsageError(`backflip export: '${dir}' has no answers and no run info to export`);
    }
    const count = await exportPreferences(store, out, { sourceRun: resolve(dir), envId });
    console.log(`Exported ${count} answered comparison${count === 1 ? "" : "s"} to ${out}`);
    return 0;
  } finally {
    await store.close();
  }
}
