/** A generator's full state, plain JSON: the four xoshiro words and the pending spare normal. */
export type RngState = { words: [number, number, number, number]; spareNormal: number | null };

/**
 * Seeded pseudo-random numbers for everything outside jax-js (envs, sampling of clips and
 * queries, noisy teachers). xoshiro128** seeded by splitmix32: fast, and the same seed gives the
 * same stream on every machine.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.nextU32() / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = this.random() * 2 - 1;
      v = this.random() * 2 - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * m;
    return u * m;
  }

  /** The full state, for checkpoints: `setState` of it continues the same stream. */
  getState(): RngState {
    // The xors leave some words as signed int32; the bits are what matter.
    const words = [this.s0, this.s1, this.s2, this.s3].map((w) => w >>> 0);
    return { words: words as RngState["words"], spareNormal: this.spareNormal };
  }

  /** Continues the stream `getState` saved. */
  setState(state: RngState): void {
    const { words, spareNormal } = state;
    const valid =
      Array.isArray(words) &&
      words.length === 4 &&
      words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) &&
      words.some((w) => w !== 0) && // all-zero is xoshiro's one fixed point
      (spareNormal === null || Number.isFinite(spareNormal));
    if (!valid) throw new Error(`Rng.setState: not a generator state: ${JSON.stringify(state)}`);
    [this.s0, this.s1, this.s2, this.s3] = words;
    this.spareNormal = spareNormal;
  }

  /** A generator that continues the stream `getState` saved. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** A new independent generator, for handing a stream to a sub-component. */
  fork(): Rng {
    return new Rng(this.nextU32());
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
