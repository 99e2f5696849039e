/**
 * The one place that loads @jax-js/jax. Node 20 has no Float16Array, which jax-js touches when
 * it makes float64 arrays (NOTES.md), and the wasm backend must be initialised before first use.
 */
const g = globalThis as { Float16Array?: unknown };
g.Float16Array ??= class Float16ArrayPlaceholder {};

const jax = await import("@jax-js/jax");
await jax.init("wasm");

export const { numpy: np, jit, valueAndGrad, tree, nn, random } = jax;
export type JaxArray = InstanceType<typeof jax.Array>;
