/** What a human labeller is told to look for, when the run's owner gives no rubric of their own. */
const GOAL_RUBRICS: Record<string, string> = {
  backflip:
    "Prefer the clip that is closer to a backflip: the hopper jumps, rotates backwards through a full turn, and lands upright.",
  "backflip-original":
    "Prefer the clip where the hopper rotates backwards more, faster and higher, however it ends up.",
  "one-leg":
    "Prefer the clip where the cheetah moves forward faster while its front foot never touches the ground.",
  "keep-pace":
    "Prefer the clip where your car stays level with another car, driving beside it, rather than passing it.",
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
  // The pixel games (`MinAtar/<Name>-v1` and `-pref-v1`); the page's legend names each colour.
  "MinAtar/Breakout":
    "Prefer the clip where the paddle keeps the ball in play and more bricks are broken. Letting the ball past the paddle is the worst thing that can happen.",
  "MinAtar/SpaceInvaders":
    "Prefer the clip where the cannon shoots more aliens and dodges their bullets. Being hit, or letting the aliens reach the bottom, is the worst thing that can happen.",
  "MinAtar/Seaquest":
    "Prefer the clip where the submarine shoots sharks and enemy subs, stays clear of them and their bullets, and rescues divers. It must come up to the surface for air before its oxygen gauge runs out, with at least one diver aboard; surfacing with six divers is best. Running out of oxygen, surfacing with no diver, or being hit is the worst thing that can happen.",
  "MinAtar/Freeway":
    "Prefer the clip where the chicken gets across the road to the top more often. A car that hits it sends it back to the bottom.",
  "MinAtar/Asterix":
    "Prefer the clip where the player collects more gold and keeps away from the enemies. Touching an enemy is the worst thing that can happen.",
  "MinAtar/Pong":
    "Prefer the clip where the agent's paddle (on the right) returns the ball and the opponent (on the left) misses it. Each ball the agent lets past counts against it.",
  "MinAtar/RoadRace":
    "Prefer the clip where the agent's car keeps up its speed, passes more cars and is passed by fewer. Crashing into a car costs speed.",
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
