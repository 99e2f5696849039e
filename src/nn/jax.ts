/**
 * The one place that loads @jax-js/jax. Node 20 has no Float16Array, which jax-js touches when
 * it makes float64 arrays (NOTES.md), and the wasm backend must be initialised before first use.
 */
const g = globalThis as { Float16Array?: unknown };
g.Float16Array ??= class Float16ArrayPlaceholder {};

const jax = await import("@jax-js/jax");
await jax.init("wasm");

// Annotated, so that declaration emit (tsconfig.build.json) need not spell out jax-js's types.
type Jax = typeof import("@jax-js/jax");
export const np: Jax["numpy"] = jax.numpy;
export const jit: Jax["jit"] = jax.jit;
export const valueAndGrad: Jax["valueAndGrad"] = jax.valueAndGrad;
export const tree: Jax["tree"] = jax.tree;
export const nn: Jax["nn"] = jax.nn;
export const random: Jax["random"] = jax.random;
export type JaxArray = InstanceType<typeof jax.Array>;
