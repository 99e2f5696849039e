import { rotateOwnerToken } from "../server/owner_token.ts";
import {
  hashToken,
  LabellerExistsError,
  OWNER_NAME,
  type PreferenceStore,
  UnknownLabellerError,
} from "../store/index.ts";
import { defineCommand, formatHelp, parseOptions, UsageError } from "./args.ts";
import { openStoreForCli } from "./run_training.ts";

/**
 * Names that answers are attributed to without a labeller's token: the owner's, and those the
 * synthetic teachers write (src/teachers: `oracle`, `noisy`, and `goal:<name>`, which no valid
 * name can match; `human` and `none` name the other teacher settings). Answers are keyed by
 * labeller id, so a clash could not act on the teachers' answers; the names are reserved so that
 * no table or export shows two different answerers under one name.
 */
export const RESERVED_NAMES = [OWNER_NAME, "oracle", "noisy", "human", "none"] as const;

function reservedList(): string {
  return RESERVED_NAMES.join(", ");
}

const LABELLERS_COMMAND = defineCommand({
  name: "labellers",
  synopsis: `backflip labellers — who may answer a run's queries

  backflip labellers add NAME DIR      make a labeller and print their token (shown once only)
  backflip labellers list DIR          each labeller with their answer count
  backflip labellers remove NAME DIR   revoke NAME's token; their answers stay, as theirs
  backflip labellers rotate NAME DIR   give NAME a new token (shown once) and revoke the old one`,
  options: {
    store: {
      kind: "string",
      value: "URL",
      defaultText: "the one DIR/store.json records",
      help: "a run on Postgres: the URL to reach its database by (with a password, another host name)",
    },
  },
  notes: `A labeller opens the page at the URL 'backflip serve' prints, with '#token=<their token>' in
place of the owner's token. A removed or rotated token is refused at once, also by a server that
is running. 'rotate owner' replaces the run owner's token (and link). Names of the run's owner and
of the synthetic teachers (${reservedList()}) are reserved.`,
});

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export async function labellersCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(LABELLERS_COMMAND, argv);
  const [action, ...rest] = positionals;
  if (values.help || action === undefined) {
    console.log(formatHelp(LABELLERS_COMMAND));
    return action === undefined && !values.help ? 2 : 0;
  }
  if (action === "add") {
    const [name, dir] = nameAndDir("add", rest);
    if (!NAME.test(name)) {
      throw new UsageError(
        `backflip labellers add: '${name}' is not a usable name; use 1–64 letters, digits, '.', '_' or '-'`,
      );
    }
    const reserved = RESERVED_NAMES.find((r) => r === name.toLowerCase());
    if (reserved === OWNER_NAME) {
      throw new UsageError(
        `backflip labellers add: '${OWNER_NAME}' is the run owner's name; pick another`,
      );
    }
    if (reserved) {
      throw new UsageError(
        `backflip labellers add: '${name}' is the name of a synthetic teacher (reserved: ${reservedList()}); pick another`,
      );
    }
    return withStore(dir, values.store, async (store) => {
      try {
        const { token } = await store.addLabeller(name);
        printToken(`Labeller '${name}' added.`, token, dir);
        return 0;
      } catch (error) {
        if (error instanceof LabellerExistsError) {
          const removed = (await store.listLabellers()).find((l) => l.name === name)?.removedAt;
          throw new UsageError(
            removed
              ? `backflip labellers add: '${name}' was removed; 'backflip labellers rotate ${name} ${dir}' gives them a new token (their answers are still theirs)`
              : `backflip labellers add: ${error.message}; pick another name`,
          );
        }
        throw error;
      }
    });
  }
  if (action === "remove") {
    const [name, dir] = nameAndDir("remove", rest);
    if (name === OWNER_NAME) {
      throw new UsageError(
        `backflip labellers remove: the run's owner cannot be removed; 'backflip labellers rotate ${OWNER_NAME} ${dir}' replaces their token`,
      );
    }
    return withStore(dir, values.store, async (store) => {
      const labeller = await known("remove", dir, () => store.removeLabeller(name));
      const { total } = await store.labellerAnswerCounts(
        { kind: "person", id: labeller.id, name },
        0,
      );
      console.log(
        `Labeller '${name}' removed: their token no longer works. Their ${total} answer${total === 1 ? "" : "s"} stay in the run, as theirs.`,
      );
      return 0;
    });
  }
  if (action === "rotate") {
    const [name, dir] = nameAndDir("rotate", rest);
    return withStore(dir, values.store, async (store) => {
      if (name === OWNER_NAME) {
        const token = rotateOwnerToken(dir);
        await store.setMeta("ownerTokenHash", hashToken(token));
        printToken("The run owner has a new token; the old one no longer works.", token, dir);
        return 0;
      }
      const { token } = await known("rotate", dir, () => store.rotateLabellerToken(name));
      printToken(`Labeller '${name}' has a new token; the old one no longer works.`, token, dir);
      return 0;
    });
  }
  if (action === "list") {
    if (rest.length !== 1) throw new UsageError("usage: backflip labellers list DIR");
    return withStore(rest[0], values.store, async (store) => {
      const [registered, activity] = await Promise.all([
        store.listLabellers(),
        store.labellerActivity(),
      ]);
      const find = (kind: string, match: (id: number | null, name: string) => boolean) =>
        activity.find((a) => a.kind === kind && match(a.labellerId, a.labeller));
      const rows = [
        { name: OWNER_NAME, note: "", a: find("owner", () => true) },
        ...registered.map((l) => ({
          name: l.name,
          note: l.removedAt === null ? "" : "removed",
          a: find("person", (id) => id === l.id),
        })),
        ...activity
          .filter((a) => a.kind === "teacher" || a.kind === "import")
          .map((a) => ({ name: a.labeller, note: a.kind, a })),
      ];
      const width = Math.max(4, ...rows.map((r) => r.name.length));
      console.log(`${"name".padEnd(width)}  answers  last answer`);
      for (const { name, note, a } of rows) {
        const last = a?.lastAnswerAt
          ? new Date(a.lastAnswerAt).toISOString().replace("T", " ").slice(0, 19)
          : "-";
        const line = `${name.padEnd(width)}  ${String(a?.answers ?? 0).padStart(7)}  ${last}`;
        console.log(note ? `${line.padEnd(width + 30)}  (${note})` : line);
      }
      return 0;
    });
  }
  throw new UsageError(
    `backflip labellers: unknown action '${action}'; use add, list, remove or rotate`,
  );
}

function nameAndDir(action: string, rest: string[]): [string, string] {
  if (rest.length !== 2) throw new UsageError(`usage: backflip labellers ${action} NAME DIR`);
  return [rest[0], rest[1]];
}

async function known<T>(action: string, dir: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof UnknownLabellerError) {
      throw new UsageError(
        `backflip labellers ${action}: ${error.message} in ${dir}; see 'backflip labellers list ${dir}'`,
      );
    }
    throw error;
  }
}

function printToken(what: string, token: string, dir: string): void {
  console.log(`${what} Their token (shown only this once):\n  ${token}`);
  console.log(`They open the URL that 'backflip serve ${dir}' prints, ending in #token=${token}`);
}

async function withStore(
  dir: string,
  given: string | undefined,
  fn: (store: PreferenceStore) => Promise<number>,
): Promise<number> {
  const store = await openStoreForCli("labellers", { dir, store: given });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
