/** Observation and action spaces, after Gymnasium's `Box` and `Discrete`. */

export type BoxSpace = {
  readonly kind: "box";
  readonly shape: readonly number[];
  readonly low: Float32Array;
  readonly high: Float32Array;
};

export type DiscreteSpace = {
  readonly kind: "discrete";
  readonly n: number;
};

export type Space = BoxSpace | DiscreteSpace;

export function box(low: ArrayLike<number>, high: ArrayLike<number>): BoxSpace {
  if (low.length !== high.length) throw new Error("box: low and high differ in length");
  return {
    kind: "box",
    shape: [low.length],
    low: Float32Array.from(low),
    high: Float32Array.from(high),
  };
}

export function discrete(n: number): DiscreteSpace {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`discrete: n must be a positive integer, got ${n}`);
  return { kind: "discrete", n };
}

/** Number of scalars in one element of the space (1 for Discrete). */
export function flatSize(space: Space): number {
  return space.kind === "discrete" ? 1 : space.shape.reduce((a, b) => a * b, 1);
}

export function contains(space: Space, x: ArrayLike<number> | number): boolean {
  if (space.kind === "discrete") {
    const v = typeof x === "number" ? x : x[0];
    return Number.isInteger(v) && v >= 0 && v < space.n;
  }
  if (typeof x === "number" || x.length !== space.low.length) return false;
  for (let i = 0; i < x.length; i++)
    if (!(x[i] >= space.low[i] && x[i] <= space.high[i])) return false;
  return true;
}
