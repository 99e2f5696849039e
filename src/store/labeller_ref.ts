/**
 * Who gave an answer or holds a lease. Answers and leases are keyed by kind and, for a person, by
 * labeller id; never by bare name. So a labeller who calls themselves 'oracle' acts on their own
 * answers only, never on the oracle teacher's, and a removed labeller's answers stay theirs.
 */
import { type Expression, type SqlBool, sql } from "kysely";
import type { LabellerKind } from "./schema.ts";

export type { LabellerKind } from "./schema.ts";

/** The name the run's owner labels under; no labeller may take it. */
export const OWNER_NAME = "owner";

export type LabellerRef =
  /** Registered with `backflip labellers add`; answers through the server with their token. */
  | { kind: "person"; id: number; name: string }
  /** The run's owner, on the page with the owner token. */
  | { kind: "owner" }
  /** A synthetic teacher (oracle, noisy, goal:…), or answers imported from a preference file. */
  | { kind: "teacher" | "import"; name: string };

/** A LabellerRef, or a bare name, which stands for the synthetic teacher of that name. */
export type LabellerArg = LabellerRef | string;

export function toRef(who: LabellerArg): LabellerRef {
  return typeof who === "string" ? { kind: "teacher", name: who } : who;
}

/** The name an answer is shown under. */
export function refName(ref: LabellerRef): string {
  return ref.kind === "owner" ? OWNER_NAME : ref.name;
}

/** The identity columns of an answer or lease row, for insertion. */
export function refColumns(ref: LabellerRef): {
  labeller: string;
  labeller_kind: LabellerKind;
  labeller_id: number | null;
} {
  return {
    labeller: refName(ref),
    labeller_kind: ref.kind,
    labeller_id: ref.kind === "person" ? ref.id : null,
  };
}

/** The identity of a row read back. */
export function rowRef(row: {
  labeller: string;
  labeller_kind: LabellerKind;
  labeller_id: number | null;
}): LabellerRef {
  switch (row.labeller_kind) {
    case "person":
      return { kind: "person", id: Number(row.labeller_id), name: row.labeller };
    case "owner":
      return { kind: "owner" };
    default:
      return { kind: row.labeller_kind, name: row.labeller };
  }
}

export function sameRef(a: LabellerRef, b: LabellerRef): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "person" && b.kind === "person") return a.id === b.id;
  return refName(a) === refName(b);
}

/**
 * SQL: the row under `alias` (an answers or leases row) belongs to `ref`. A person is matched by
 * id alone; the owner, a teacher and an import by kind and name, with no labeller id.
 */
export function isRef(alias: string, ref: LabellerRef): Expression<SqlBool> {
  const kind = sql.ref(`${alias}.labeller_kind`);
  const id = sql.ref(`${alias}.labeller_id`);
  if (ref.kind === "person") return sql<SqlBool>`(${kind} = 'person' and ${id} = ${ref.id})`;
  const name = sql.ref(`${alias}.labeller`);
  return sql<SqlBool>`(${kind} = ${ref.kind} and ${id} is null and ${name} = ${refName(ref)})`;
}
