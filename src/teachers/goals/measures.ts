/**
 * What a goal wants, counted per episode in the goal's own units: landed backflips, metres run
 * on one leg. A goal's score is what its teacher sums over a clip; a measure is what a person
 * asks of the finished policy ("how many backflips does it land?"). `backflip eval` and the
 * metrics rows report it for runs taught by a goal that has one.
 */

/** One step's signals, by name (the env's `info.signals`). */
export type StepSignals = Readonly<Record<string, number>>;

/** Counts over one episode, fed its steps in order. */
export interface EpisodeCounter {
  step(signals: StepSignals): void;
  readonly value: number;
}

export type GoalMeasure = {
  /** What is counted, per episode, for people: "landed backflips". */
  label: string;
  /** A counter for a fresh episode. */
  counter(): EpisodeCounter;
};

const measures = new Map<string, GoalMeasure>();

/** Registers the measure of goal `name` (a built-in goal or a goal module's). */
export function registerGoalMeasure(name: string, measure: GoalMeasure): void {
  measures.set(name, measure);
}

/** The measure of a `goal:NAME` teacher, or null for other teachers and goals without one. */
export function goalMeasure(teacher: string): GoalMeasure | null {
  if (!teacher.startsWith("goal:")) return null;
  return measures.get(teacher.slice("goal:".length)) ?? null;
}

/** The measure over each episode of recorded steps (per episode, the steps' signals in order). */
export function measureEpisodes(measure: GoalMeasure, episodes: StepSignals[][]): number[] {
  return episodes.map((steps) => {
    const counter = measure.counter();
    for (const s of steps) counter.step(s);
    return counter.value;
  });
}

/** A signal the measure cannot do without. */
export function requireSignal(signals: StepSignals, name: string, measure: string): number {
  const v = signals[name];
  if (v === undefined) {
    throw new Error(`${measure} needs the env's '${name}' signal, which this env does not give`);
  }
  return v;
}
