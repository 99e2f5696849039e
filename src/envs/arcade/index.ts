/**
 * The pixel games, each as `MinAtar/<Name>-v1` (MinAtar's Gymnasium ids) and its
 * preference-ready variant `MinAtar/<Name>-pref-v1`.
 */
import { hasEnv, registerEnv } from "../registry.ts";
import { type GridGame, GridGameEnv, type GridGameEnvOptions } from "./grid_game.ts";

export * from "./grid_game.ts";

/** Each game's maker and what its preference-ready variant charges for a game that ends. */
const GAMES: { make: () => GridGame; endPenalty: number }[] = [];

export function registerGridGame(make: () => GridGame, options: GridGameEnvOptions = {}): void {
  for (const preferenceReady of [false, true]) {
    const env = () => new GridGameEnv(make(), { ...options, preferenceReady });
    const id = env().spec.id;
    if (!hasEnv(id)) registerEnv(id, env);
  }
}

for (const { make, endPenalty } of GAMES) registerGridGame(make, { endPenalty });
