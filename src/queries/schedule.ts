/**
 * How many labels to have asked for by each point of training (Christiano et al. 2017, App. A):
 * a share of the labels from random-policy clips before RL starts, then a rate that falls as
 * c / (T + c) over env steps T. Integrating that rate and scaling it to spend the rest by
 * `totalSteps` gives the cumulative count
 *
 *   wanted(T) = pretrain + (N − pretrain) · ln(1 + T/c) / ln(1 + Ttotal/c).
 */
export type LabelScheduleConfig = {
  /** Labels over the whole run, N. */
  totalLabels: number;
  /** Env steps of the whole run, Ttotal. */
  totalSteps: number;
  /** Share of the labels asked before RL starts, from random-policy clips (paper: 0.25). */
  pretrainFraction?: number;
  /** The rate's time constant c in env steps (paper: 2·10⁶ MuJoCo, 5·10⁶ arcade). */
  c?: number;
};

export class LabelSchedule {
  readonly totalLabels: number;
  readonly totalSteps: number;
  readonly c: number;
  /** Labels asked before RL starts. */
  readonly pretrainLabels: number;

  constructor(config: LabelScheduleConfig) {
    const { totalLabels, totalSteps, pretrainFraction = 0.25, c = 2e6 } = config;
    if (!(Number.isInteger(totalLabels) && totalLabels >= 0)) {
      throw new Error(`LabelSchedule: totalLabels must be a whole number ≥ 0, got ${totalLabels}`);
    }
    if (!(totalSteps > 0)) {
      throw new Error(`LabelSchedule: totalSteps must be positive, got ${totalSteps}`);
    }
    if (!(pretrainFraction >= 0 && pretrainFraction <= 1)) {
      throw new Error(`LabelSchedule: pretrainFraction must be in [0, 1], got ${pretrainFraction}`);
    }
    if (!(c > 0)) throw new Error(`LabelSchedule: c must be positive, got ${c}`);
    this.totalLabels = totalLabels;
    this.totalSteps = totalSteps;
    this.c = c;
    this.pretrainLabels = Math.round(totalLabels * pretrainFraction);
  }

  /** The cumulative number of labels wanted by env step T (whole, non-decreasing, N at Ttotal). */
  labelsWantedBy(envStep: number): number {
    const t = Math.min(Math.max(envStep, 0), this.totalSteps);
    if (t >= this.totalSteps) return this.totalLabels;
    const share = Math.log1p(t / this.c) / Math.log1p(this.totalSteps / this.c);
    return this.pretrainLabels + Math.floor((this.totalLabels - this.pretrainLabels) * share);
  }

  /** Labels per env step at T after pretraining: proportional to c / (T + c); 0 past Ttotal. */
  rateAt(envStep: number): number {
    if (envStep < 0 || envStep > this.totalSteps) return 0;
    const rest = this.totalLabels - this.pretrainLabels;
    return rest / Math.log1p(this.totalSteps / this.c) / (envStep + this.c);
  }

  /** How many more labels to ask for at T, given `asked` so far (never negative). */
  labelsDue(envStep: number, asked: number): number {
    return Math.max(0, this.labelsWantedBy(envStep) - asked);
  }
}
