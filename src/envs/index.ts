/**
 * The envs module. Importing it registers the classic tasks (`CartPole-v1`, `Pendulum-v1`,
 * `MountainCarContinuous-v0`), the eight MuJoCo tasks (`Hopper-v5`, …), and their
 * preference-ready variants (`-pref-`).
 */
import { CartPoleEnv } from "./classic/cartpole.ts";
import { MountainCarContinuousEnv } from "./classic/mountain_car_continuous.ts";
import { PendulumEnv } from "./classic/pendulum.ts";
import type { Env } from "./env.ts";
import { hasEnv, registerEnv } from "./registry.ts";
// Static side-effect imports, not `await import(...)`: on Node 20 a dynamic import racing another
// import of the same graph with a top-level await (the MuJoCo wasm) could run register.ts before
// envs.ts had initialised (a TDZ error seen once in CI).
import "./mujoco/register.ts";
import "./arcade/index.ts";

export { CartPoleEnv, type CartPoleOptions } from "./classic/cartpole.ts";
export {
  MountainCarContinuousEnv,
  type MountainCarContinuousOptions,
} from "./classic/mountain_car_continuous.ts";
export { PendulumEnv, type PendulumOptions } from "./classic/pendulum.ts";
export * from "./env.ts";
export * from "./env_module.ts";
export * from "./registry.ts";
export * from "./vec_env.ts";

/** Registers the six classic ids; safe to call more than once. */
export function registerClassicEnvs(): void {
  const classic: [string, () => Env][] = [
    ["CartPole-v1", () => new CartPoleEnv()],
    ["CartPole-pref-v1", () => new CartPoleEnv({ preferenceReady: true })],
    ["Pendulum-v1", () => new PendulumEnv()],
    ["Pendulum-pref-v1", () => new PendulumEnv({ preferenceReady: true })],
    ["MountainCarContinuous-v0", () => new MountainCarContinuousEnv()],
    [
      "MountainCarContinuous-pref-v0",
      () => new MountainCarContinuousEnv({ preferenceReady: true }),
    ],
  ];
  for (const [id, factory] of classic) if (!hasEnv(id)) registerEnv(id, factory);
}

registerClassicEnvs();
