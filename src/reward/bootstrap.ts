/**
 * Each ensemble member's view of the labelled pairs: a held-out validation share and a bootstrap
 * resample of the rest (Christiano et al. 2017, App. A). Both are drawn from a hash of the pair's
 * clip ids, the member and a seed, so a pair keeps its role in every later training call (a
 * member never trains on what it validated on before) and the draw survives save/load.
 *
 * The resample is the Poisson bootstrap: a pair appears Poisson(1) times in the member's training
 * data, the large-sample limit of drawing |D| pairs with replacement (Oza & Russell 2001).
 */

/** A 32-bit hash of a string under a seed (MurmurHash3's mixing). */
export function hash32(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  h ^= text.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The key of a pair, independent of which clip is shown on the left. */
export function pairKey(leftId: string, rightId: string): string {
  return leftId < rightId ? `${leftId}|${rightId}` : `${rightId}|${leftId}`;
}

/** A uniform number in [0, 1) determined by the key, member, seed and purpose. */
function uniform(key: string, member: number, seed: number, salt: number): number {
  return hash32(key, hash32(`${member}:${salt}`, seed)) / 4294967296;
}

/** Whether member `member` holds this pair out for validation. */
export function isValidation(key: string, member: number, seed: number, fraction: number): boolean {
  return uniform(key, member, seed, 1) < fraction;
}

/** How many times the pair appears in member `member`'s bootstrap resample: Poisson(1). */
export function bootstrapCount(key: string, member: number, seed: number): number {
  const u = uniform(key, member, seed, 2);
  // Inverse CDF of Poisson(1): P(k) = e⁻¹/k!.
  let k = 0;
  let p = Math.exp(-1);
  let cdf = p;
  while (u >= cdf && k < 20) {
    k += 1;
    p /= k;
    cdf += p;
  }
  return k;
}
