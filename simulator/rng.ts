/**
 * A small seeded PRNG (sfc32, seeded through a string hash) so that the same seed always gives the same
 * choices. Every random decision the engine makes goes through one of these; nothing calls Math.random.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks an index with probability proportional to its weight; -1 when every weight is 0. */
  weightedIndex(weights: readonly number[]): number;
  /** Log-normal draw with the given median and spread (sigma of the underlying normal). */
  logNormal(median: number, sigma: number): number;
  /** A child generator whose stream does not depend on how many draws the parent makes later. */
  fork(label: string): Rng;
  /** The generator's full state, to persist a session across a page load and resume it with `restoreRng`. */
  state(): RngState;
}

/** The seed label and the four 32-bit words of sfc32: plain JSON. */
export interface RngState {
  label: string;
  words: [number, number, number, number];
}

function hashSeed(seed: string): [number, number, number, number] {
  // cyrb128: spreads any string over 128 bits of state.
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

export function createRng(seed: string | number): Rng {
  const label = String(seed);
  const rng = fromWords(label, hashSeed(label));
  // Warm-up: the first outputs of sfc32 after hashing are poorly mixed.
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}

/** A generator that continues exactly where the one whose `state()` was taken left off. */
export function restoreRng(state: RngState): Rng {
  if (!state || typeof state.label !== 'string' || !Array.isArray(state.words) || state.words.length !== 4) {
    throw new Error('not an RNG state: expected { label, words: [4 numbers] }');
  }
  return fromWords(state.label, state.words);
}

function fromWords(label: string, words: readonly [number, number, number, number]): Rng {
  let [a, b, c, d] = words;
  const raw = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next: raw,
    int: (min, max) => min + Math.floor(raw() * (max - min + 1)),
    chance: (p) => raw() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(raw() * items.length)] as T;
    },
    weightedIndex: (weights) => {
      const total = weights.reduce((s, w) => s + Math.max(0, w), 0);
      if (total <= 0) return -1;
      let r = raw() * total;
      for (let i = 0; i < weights.length; i++) {
        r -= Math.max(0, weights[i] ?? 0);
        if (r < 0) return i;
      }
      return weights.length - 1;
    },
    logNormal: (median, sigma) => {
      // Box–Muller; 1 - u keeps log away from 0.
      const u = 1 - raw();
      const v = raw();
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      return median * Math.exp(sigma * z);
    },
    fork: (childLabel) => createRng(`${label}/${childLabel}`),
    state: () => ({ label, words: [a >>> 0, b >>> 0, c >>> 0, d >>> 0] }),
  };
  return rng;
}
