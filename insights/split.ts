/**
 * Seeded randomness and the train/test split. The split is by user and depends only on (seed, user id), so a
 * user's sessions never straddle it and adding users to the data does not move anyone already there.
 */
import { createHash } from 'node:crypto';

/** mulberry32 seeded from a string: small, fast and the same on every platform. */
export function seededRandom(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Split = 'train' | 'test';

/** Share of users held out for testing. */
export const TEST_SHARE = 0.3;

export function userSplit(seed: string, userId: string): Split {
  const u = createHash('sha256').update(`${seed}/split/${userId}`).digest().readUInt32LE(0) / 4294967296;
  return u < TEST_SHARE ? 'test' : 'train';
}
