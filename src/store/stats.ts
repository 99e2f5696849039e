/**
 * Statistics over answers, for the page and the owner's table: counts per labeller, who answered
 * what lately, and how often two labellers agree on a query asked twice. All computed in the
 * store on each call, so every server on the store shows the same numbers.
 */
import { type SqlBool, sql } from "kysely";
import { rowToAnswer, type StoredAnswer } from "./answers.ts";
import type { StoreContext } from "./context.ts";
import { isRef, type LabellerArg, type LabellerKind, toRef } from "./labeller_ref.ts";

/** Live answers of one labeller: all of them, and those given at or after a time. */
export type LabellerAnswerCounts = { total: number; since: number };

/** Live answers of one answerer (a person, the owner, a teacher or an import). */
export type LabellerActivity = {
  /** The name the answers are shown under. */
  labeller: string;
  kind: LabellerKind;
  /** The person's labeller id; null for the other kinds. */
  labellerId: number | null;
  answers: number;
  lastAnswerAt: number | null;
};

/** A recent answer with the clips of its query, newest first in `recentAnswers`. */
export type RecentAnswer = StoredAnswer & { leftClipId: string; rightClipId: string };

/**
 * How often two different labellers gave the same answer to a query and its deliberate repeat
 * (left/right swapped back when the repeat shows the clips the other way round). Pairs where
 * either answer is cant_tell are left out; `rate` is null when there are no pairs.
 */
export type RepeatAgreement = { pairs: number; agreed: number; rate: number | null };

export class Stats {
  constructor(private readonly ctx: StoreContext) {}

  /** Live answers of `labeller`: in all, and those with time ≥ `since`. */
  async answerCounts(labeller: LabellerArg, since: number): Promise<LabellerAnswerCounts> {
    const row = await this.ctx.db
      .selectFrom("answers")
      .select((eb) => [
        eb.fn.countAll<number>().as("total"),
        eb.fn.sum<number>(eb.case().when("time", ">=", since).then(1).else(0).end()).as("since"),
      ])
      .where(isRef("answers", toRef(labeller)))
      .where("undone_at", "is", null)
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), since: Number(row.since ?? 0) };
  }

  /**
   * Everyone with live answers: how many, and the time of the latest. One entry per answerer
   * (a person by id; the owner; a teacher or an import by name), by kind and name.
   */
  async activity(): Promise<LabellerActivity[]> {
    const rows = await this.ctx.db
      .selectFrom("answers")
      .select((eb) => [
        "labeller_kind",
        "labeller_id",
        "labeller",
        eb.fn.countAll<number>().as("answers"),
        eb.fn.max("time").as("last"),
      ])
      .where("undone_at", "is", null)
      // A person's name never changes, so this is one group per person id.
      .groupBy(["labeller_kind", "labeller_id", "labeller"])
      .execute();
    const order: LabellerKind[] = ["owner", "person", "teacher", "import"];
    return rows
      .map((r) => ({
        labeller: r.labeller,
        kind: r.labeller_kind as LabellerKind,
        labellerId: r.labeller_id === null ? null : Number(r.labeller_id),
        answers: Number(r.answers),
        lastAnswerAt: r.last === null ? null : Number(r.last),
      }))
      .sort(
        (a, b) =>
          order.indexOf(a.kind) - order.indexOf(b.kind) ||
          (a.labellerId ?? 0) - (b.labellerId ?? 0) ||
          a.labeller.localeCompare(b.labeller),
      );
  }

  /** The latest live answers, newest first, all or only `labeller`'s. */
  async recent(limit: number, labeller?: LabellerArg): Promise<RecentAnswer[]> {
    let query = this.ctx.db
      .selectFrom("answers as a")
      .innerJoin("queries as q", "q.id", "a.query_id")
      .selectAll("a")
      .select(["q.left_clip", "q.right_clip"])
      .where("a.undone_at", "is", null);
    if (labeller !== undefined) query = query.where(isRef("a", toRef(labeller)));
    const rows = await query.orderBy("a.id", "desc").limit(limit).execute();
    return rows.map((r) => ({
      ...rowToAnswer(r),
      leftClipId: r.left_clip,
      rightClipId: r.right_clip,
    }));
  }

  /** Agreement between different labellers on queries asked twice (see `RepeatAgreement`). */
  async repeatAgreement(): Promise<RepeatAgreement> {
    const rows = await this.ctx.db
      .selectFrom("queries as r")
      .innerJoin("queries as o", "o.id", "r.repeat_of")
      .innerJoin("answers as ar", "ar.query_id", "r.id")
      .innerJoin("answers as ao", "ao.query_id", "o.id")
      .select([
        "r.left_clip as rLeft",
        "r.right_clip as rRight",
        "o.left_clip as oLeft",
        "o.right_clip as oRight",
        "ar.answer as repeatAnswer",
        "ao.answer as originalAnswer",
      ])
      .where("ar.undone_at", "is", null)
      .where("ao.undone_at", "is", null)
      .where(
        sql<SqlBool>`not (ar.labeller_kind = ao.labeller_kind
          and coalesce(ar.labeller_id, -1) = coalesce(ao.labeller_id, -1)
          and (ar.labeller_kind = 'person' or ar.labeller = ao.labeller))`,
      )
      .where("ar.answer", "!=", "cant_tell")
      .where("ao.answer", "!=", "cant_tell")
      .execute();
    let agreed = 0;
    for (const r of rows) {
      const swapped = r.rLeft !== r.rRight && r.rLeft === r.oRight && r.rRight === r.oLeft;
      const flip: Record<string, string> = { left: "right", right: "left", equal: "equal" };
      const repeat = swapped ? flip[r.repeatAnswer] : r.repeatAnswer;
      if (repeat === r.originalAnswer) agreed++;
    }
    return { pairs: rows.length, agreed, rate: rows.length ? agreed / rows.length : null };
  }
}
