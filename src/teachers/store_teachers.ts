/**
 * The teachers as the training loop sees them. The loop stores each round of queries and hands
 * them to a `RunTeacher`; every answer, a person's or a script's, comes back through the store,
 * so the loop reads answers one way whoever gave them.
 */
import type { Rng, RngState } from "../core/rng.ts";
import type { Query, Teacher } from "../core/types.ts";
import type { PreferenceStore, QueryPhase } from "../store/index.ts";

export interface RunTeacher {
  readonly name: string;
  /** People answer later, at their own pace; a synthetic teacher answers before `ask` returns. */
  readonly human: boolean;
  /** Queries the loop has just stored. */
  ask(queries: Query[], phase: QueryPhase): Promise<void>;
  /** Queries stored but never answered (asked before a crash): answer them now if you can. */
  catchUp(): Promise<void>;
  /** The teacher's random stream (null for none), for checkpoints. */
  getState(): RngState | null;
  setState(state: RngState | null): void;
}

/** A teacher whose random stream (noise, repeats) is kept in checkpoints. */
abstract class SeededTeacher {
  constructor(protected readonly rng: Rng) {}

  getState(): RngState {
    return this.rng.getState();
  }

  setState(state: RngState | null): void {
    if (state) this.rng.setState(state);
  }
}

/** A scripted teacher (oracle, noisy, goal) whose answers are recorded in the store at once. */
export class SyntheticTeacher extends SeededTeacher implements RunTeacher {
  readonly human = false;

  constructor(
    private readonly store: PreferenceStore,
    private readonly teacher: Teacher,
    /** The stream the teacher draws from (its noise). */
    rng: Rng,
  ) {
    super(rng);
  }

  get name(): string {
    return this.teacher.name;
  }

  async ask(queries: Query[]): Promise<void> {
    for (const preference of await this.teacher.label(queries)) {
      // The request id makes a retried answer (after a crash) a no-op instead of a second label.
      await this.store.recordAnswer({
        ...preference,
        requestId: `${this.teacher.name}:${preference.queryId}`,
      });
    }
  }

  async catchUp(): Promise<void> {
    const pending = await this.store.pendingQueries();
    const queries: Query[] = [];
    for (const record of pending) {
      const query = await this.store.getQuery(record.id);
      if (query) queries.push(query);
    }
    if (queries.length > 0) await this.ask(queries);
  }
}

/**
 * People labelling on the web page: their answers arrive through the server. A share of queries
 * goes out a second time, sides swapped, so the owner can see how often two labellers agree; the
 * store leases a repeat only to someone other than who saw the original.
 */
export class HumanTeacher extends SeededTeacher implements RunTeacher {
  readonly name = "human";
  readonly human = true;
  /** Originals asked by this process, to draw repeats from. */
  private readonly asked: Query[] = [];

  constructor(
    private readonly store: PreferenceStore,
    rng: Rng,
    private readonly repeatShare: number,
  ) {
    super(rng);
  }

  async ask(queries: Query[], phase: QueryPhase): Promise<void> {
    this.asked.push(...queries);
    let repeats = 0;
    for (let i = 0; i < queries.length; i++) if (this.rng.random() < this.repeatShare) repeats++;
    for (let i = 0; i < repeats; i++) {
      const original = this.asked[this.rng.int(this.asked.length)];
      const repeat: Query = {
        id: `${original.id}-r${this.rng.nextU32().toString(16)}`,
        left: original.right,
        right: original.left,
        disagreement: original.disagreement,
      };
      await this.store.addQuery(repeat, phase, { repeatOf: original.id });
    }
  }

  /** Unanswered queries stay on the page; nothing to do. */
  async catchUp(): Promise<void> {}
}

/** A run on a frozen reward model asks nobody anything. */
export class NoTeacher implements RunTeacher {
  readonly name = "none";
  readonly human = false;

  async ask(): Promise<void> {
    throw new Error("this run trains on a frozen reward model and asks no questions");
  }

  async catchUp(): Promise<void> {}

  getState(): null {
    return null;
  }

  setState(): void {}
}
