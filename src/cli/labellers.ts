import { existsSync } from "node:fs";
import { join } from "node:path";
import { LabellerExistsError, PreferenceStore } from "../store/index.ts";
import { defineCommand, formatHelp, parseOptions, UsageError } from "./args.ts";

const LABELLERS_COMMAND = defineCommand({
  name: "labellers",
  synopsis: `backflip labellers — who may answer a run's queries

  backflip labellers add NAME DIR   make a labeller and print their token (shown once only)
  backflip labellers list DIR       each labeller with their answer count`,
  options: {},
  notes: `A labeller opens the page at the URL 'backflip serve' prints, with '#token=<their token>' in
place of the owner's token.`,
});

/** The owner labels under this name; no labeller may take it. */
const RESERVED = "owner";

export async function labellersCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(LABELLERS_COMMAND, argv);
  const [action, ...rest] = positionals;
  if (values.help || action === undefined) {
    console.log(formatHelp(LABELLERS_COMMAND));
    return action === undefined && !values.help ? 2 : 0;
  }
  if (action === "add") {
    if (rest.length !== 2) throw new UsageError("usage: backflip labellers add NAME DIR");
    const [name, dir] = rest;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) {
      throw new UsageError(
        `backflip labellers add: '${name}' is not a usable name; use 1–64 letters, digits, '.', '_' or '-'`,
      );
    }
    if (name === RESERVED) {
      throw new UsageError(
        `backflip labellers add: '${RESERVED}' is the run owner's name; pick another`,
      );
    }
    return withStore(dir, async (store) => {
      try {
        const { token } = await store.addLabeller(name);
        console.log(`Labeller '${name}' added. Their token (shown only this once):\n  ${token}`);
        console.log(
          `They open the URL that 'backflip serve ${dir}' prints, ending in #token=${token}`,
        );
        return 0;
      } catch (error) {
        if (error instanceof LabellerExistsError) {
          throw new UsageError(`backflip labellers add: ${error.message}; pick another name`);
        }
        throw error;
      }
    });
  }
  if (action === "list") {
    if (rest.length !== 1) throw new UsageError("usage: backflip labellers list DIR");
    return withStore(rest[0], async (store) => {
      const [registered, activity] = await Promise.all([
        store.listLabellers(),
        store.labellerActivity(),
      ]);
      const counts = new Map(activity.map((a) => [a.labeller, a]));
      const rows = [RESERVED, ...registered.map((l) => l.name)];
      for (const a of activity) if (!rows.includes(a.labeller)) rows.push(a.labeller);
      const width = Math.max(4, ...rows.map((r) => r.length));
      console.log(`${"name".padEnd(width)}  answers  last answer`);
      for (const name of rows) {
        const a = counts.get(name);
        const last = a?.lastAnswerAt
          ? new Date(a.lastAnswerAt).toISOString().replace("T", " ").slice(0, 19)
          : "-";
        console.log(`${name.padEnd(width)}  ${String(a?.answers ?? 0).padStart(7)}  ${last}`);
      }
      return 0;
    });
  }
  throw new UsageError(`backflip labellers: unknown action '${action}'; use add or list`);
}

async function withStore(
  dir: string,
  fn: (store: PreferenceStore) => Promise<number>,
): Promise<number> {
  const path = join(dir, "store.sqlite");
  if (!existsSync(path)) {
    throw new UsageError(
      `backflip labellers: '${dir}' has no store.sqlite, so it is not a run directory`,
    );
  }
  const store = await PreferenceStore.open(path);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
