/** What a human labeller is told to look for, when the run's owner gives no rubric of their own. */
const GOAL_RUBRICS: Record<string, string> = {
  backflip:
    "Prefer the clip that is closer to a backflip: the hopper jumps, rotates backwards through a full turn, and lands upright.",
  "one-leg":
    "Prefer the clip where the cheetah moves forward faster while its front foot never touches the ground.",
};

const TASK_RUBRICS: Record<string, string> = {
  CartPole:
    "Prefer the clip where the pole stays upright and the cart stays near the centre of the track.",
  Pendulum: "Prefer the clip where the pendulum is swung up and held still, pointing straight up.",
  MountainCarContinuous:
    "Prefer the clip where the car gets closer to the flag at the top of the right hill.",
  Hopper: "Prefer the clip where the hopper hops forward (to the right) faster without falling.",
  Walker2d: "Prefer the clip where the walker walks forward (to the right) faster without falling.",
  HalfCheetah: "Prefer the clip where the cheetah runs forward (to the right) faster.",
  Swimmer: "Prefer the clip where the swimmer moves forward (to the right) faster.",
  Ant: "Prefer the clip where the ant moves forward faster without flipping over.",
  Reacher: "Prefer the clip where the arm's tip gets to the target and stays on it.",
  InvertedPendulum: "Prefer the clip where the pole stays upright.",
  InvertedDoublePendulum: "Prefer the clip where both poles stay upright and balanced.",
};

/** The default instructions for a run: the goal's, else the task's. */
export function defaultRubric(envId: string, teacher: string): string {
  if (teacher.startsWith("goal:")) {
    const goal = teacher.slice("goal:".length);
    if (GOAL_RUBRICS[goal]) return GOAL_RUBRICS[goal];
  }
  const task = envId.split("-")[0];
  return TASK_RUBRICS[task] ?? "Prefer the clip whose behaviour is closer to the goal.";
}
