import type { Clip, Preference, Query, Teacher } from "../core/types.ts";
import { type ClipScorer, clipReturn, scoreClip, trueReward } from "./scorer.ts";

export type OracleTeacherOptions = {
  /** Defaults to the true reward. */
  scorer?: ClipScorer;
  /** Labeller name written into preferences; defaults to "oracle". */
  name?: string;
  /** Clock for `Preference.time`; defaults to Date.now. */
  now?: () => number;
};

/** Prefers the clip with the higher summed score; `equal` on exact ties. */
export class OracleTeacher implements Teacher {
  readonly name: string;
  private readonly scorer: ClipScorer;
  private readonly now: () => number;

  constructor(options: OracleTeacherOptions = {}) {
    this.name = options.name ?? "oracle";
    this.scorer = options.scorer ?? trueReward;
    this.now = options.now ?? Date.now;
  }

  choose(left: Clip, right: Clip): "left" | "right" | "equal" {
    const l = clipReturn(scoreClip(this.scorer, left));
    const r = clipReturn(scoreClip(this.scorer, right));
    return l > r ? "left" : l < r ? "right" : "equal";
  }

  async label(queries: Query[]): Promise<Preference[]> {
    const time = this.now();
    return queries.map((q) => ({
      queryId: q.id,
      answer: this.choose(q.left, q.right),
      labeller: this.name,
      time,
    }));
  }
}
