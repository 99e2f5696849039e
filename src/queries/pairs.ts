import type { Rng } from "../core/rng.ts";
import type { Clip } from "../core/types.ts";

/**
 * Up to `n` distinct unordered pairs of different clips, uniformly at random, each in random
 * left/right order. Gives up early when the pool has fewer distinct pairs than asked.
 */
export function samplePairs(
  pool: readonly Clip[],
  n: number,
  rng: Rng,
): { left: Clip; right: Clip }[] {
  const size = pool.length;
  const possible = (size * (size - 1)) / 2;
  const want = Math.min(Math.max(0, Math.floor(n)), possible);
  const seen = new Set<number>();
  const pairs: { left: Clip; right: Clip }[] = [];
  if (want === 0) return pairs;
  if (want > possible / 2) {
    // Dense: enumerate every pair and shuffle.
    const all: [number, number][] = [];
    for (let i = 0; i < size; i++) for (let j = i + 1; j < size; j++) all.push([i, j]);
    for (const [i, j] of rng.shuffle(all).slice(0, want)) {
      pairs.push(
        rng.random() < 0.5 ? { left: pool[i], right: pool[j] } : { left: pool[j], right: pool[i] },
      );
    }
    return pairs;
  }
  while (pairs.length < want) {
    const i = rng.int(size);
    const j = rng.int(size);
    if (i === j) continue;
    const key = Math.min(i, j) * size + Math.max(i, j);
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push({ left: pool[i], right: pool[j] });
  }
  return pairs;
}
