/**
 * The pixel games, each as `MinAtar/<Name>-v1` (MinAtar's Gymnasium ids) and its
 * preference-ready variant `MinAtar/<Name>-pref-v1`.
 */
import { hasEnv, registerEnv } from "../registry.ts";
import { Asterix } from "./asterix.ts";
import { Breakout } from "./breakout.ts";
import { Freeway } from "./freeway.ts";
import { type GridGame, GridGameEnv, type GridGameEnvOptions } from "./grid_game.ts";
import { Pong } from "./pong.ts";
import { RoadRace } from "./road_race.ts";
import { Seaquest } from "./seaquest.ts";
import { SpaceInvaders } from "./space_invaders.ts";

export * from "./grid_game.ts";

/** Each game's maker and what its preference-ready variant charges for a game that ends. */
const GAMES: { make: () => GridGame; endPenalty: number }[] = [
  // A lost ball ends the game and forfeits every brick still to come. A trip from the paddle
  // to the bricks and back takes about 12 steps, so a 25-step clip typically breaks 2–3 bricks
  // (+1 each): 5 outweighs that, without swamping the score summed over many clips.
  { make: () => new Breakout(), endPenalty: 5 },
  // An alien bullet (or the block reaching the cannon) ends the game. The cannon fires at most
  // once per 5 frames, so a 25-step clip can hit at most 5 aliens (+1 each): 5 makes a clip
  // that dies worth no more than the best clip that lives.
  { make: () => new SpaceInvaders(), endPenalty: 5 },
  // Running out of oxygen, surfacing with no diver, or touching an enemy ends the game. The
  // largest single reward is a full load of 6 divers brought up at full oxygen (+10), and a
  // clip can shoot at most 5 enemies (+1 each): 10 puts the end on the scale of that surfacing
  // bonus, so the teacher prefers coming up for air to running out underwater.
  { make: () => new Seaquest(), endPenalty: 10 },
  // The game only ends at the time limit (step 2,501, past the 2,000-step horizon): no
  // behaviour avoids it, so there is nothing to penalise.
  { make: () => new Freeway(), endPenalty: 0 },
  // Touching an enemy ends the game and forfeits the gold to come. Things spawn every 10 steps
  // at first, a third of them gold (+1): 5 is more than a 25-step clip typically collects.
  { make: () => new Asterix(), endPenalty: 5 },
  // Our own Pong: a match ends when a side reaches 21 points. No end penalty, as in the paper's
  // Pong: each lost point already costs −1, and a match the agent wins ends too.
  { make: () => new Pong(), endPenalty: 0 },
  // Our own road race ends only when its four days are up (step 1,000), whatever the player
  // does, and a crash costs speed rather than the game: as in Freeway, no behaviour avoids the
  // end, so there is nothing to penalise.
  { make: () => new RoadRace(), endPenalty: 0 },
];

export function registerGridGame(make: () => GridGame, options: GridGameEnvOptions = {}): void {
  for (const preferenceReady of [false, true]) {
    const env = () => new GridGameEnv(make(), { ...options, preferenceReady });
    const id = env().spec.id;
    if (!hasEnv(id)) registerEnv(id, env);
  }
}

for (const { make, endPenalty } of GAMES) registerGridGame(make, { endPenalty });
