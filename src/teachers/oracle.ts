import { NoisyTeacher } from "./noisy.ts";
import type { ClipScorer } from "./scorer.ts";

export type OracleTeacherOptions = {
  /** Defaults to the true reward. */
  scorer?: ClipScorer;
  /** Labeller name written into preferences; defaults to "oracle". */
  name?: string;
  /** Clock for `Preference.time`; defaults to Date.now. */
  now?: () => number;
};

/**
 * Prefers the clip with the higher summed score; `equal` on exact ties. It is B-Pref's
 * teacher with every noise option off.
 */
export class OracleTeacher extends NoisyTeacher {
  constructor(options: OracleTeacherOptions = {}) {
    super({ ...options, name: options.name ?? "oracle" });
  }
}
