import { describe, expect, it } from 'vitest';
import { hashKey, RecentIds } from './recent-ids';

const key = (i: number): string => `G-SHOPLAB|${1_000_000 + (i % 977)}.${1_700_000_000 + i}|${1_764_892_800_000_000 + i * 1000}|page_view`;

describe('RecentIds', () => {
  it('never forgets an id it still remembers, and forgets the oldest beyond its capacity', () => {
    const ids = new RecentIds(1000);
    const reference: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      ids.add(key(i));
      reference.push(key(i));
      if (i % 997 === 0) {
        // Every remembered id answers "maybe"; no false negatives, whatever evictions did to the probe runs.
        for (const k of reference.slice(-1000)) expect(ids.mayHave(k)).toBe(true);
      }
    }
    expect(ids.size).toBe(1000);
    expect(ids.complete).toBe(false);
    let falseHits = 0;
    for (let i = 0; i < 9000; i++) if (ids.mayHave(key(i))) falseHits++;
    expect(falseHits).toBe(0);
    for (let i = 20_000; i < 30_000; i++) expect(ids.mayHave(key(i))).toBe(false);
  });

  it('is complete until the first eviction', () => {
    const ids = new RecentIds(3);
    for (let i = 0; i < 3; i++) ids.add(key(i));
    expect(ids.complete).toBe(true);
    ids.add(key(3));
    expect(ids.complete).toBe(false);
    expect(ids.mayHave(key(0))).toBe(false);
    expect(ids.mayHave(key(3))).toBe(true);
  });

  it('forgets a deleted id and keeps the others reachable', () => {
    const ids = new RecentIds(5000);
    for (let i = 0; i < 5000; i++) ids.add(key(i));
    for (let i = 0; i < 5000; i += 2) expect(ids.delete(key(i))).toBe(true);
    expect(ids.size).toBe(2500);
    for (let i = 0; i < 5000; i++) expect(ids.mayHave(key(i))).toBe(i % 2 === 1);
    expect(ids.delete(key(0))).toBe(false);
    // Deleted slots age out of the ring like the others.
    for (let i = 5000; i < 12_000; i++) ids.add(key(i));
    expect(ids.size).toBe(5000);
    for (let i = 7000; i < 12_000; i++) expect(ids.mayHave(key(i))).toBe(true);
  });

  it('hashes keys to distinct 53-bit values', () => {
    const seen = new Set<number>();
    let unsafe = 0;
    for (let i = 0; i < 200_000; i++) {
      const h = hashKey(key(i));
      if (!Number.isSafeInteger(h) || h < 0) unsafe++;
      seen.add(h);
    }
    expect(unsafe).toBe(0);
    expect(seen.size).toBe(200_000);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentIds(0)).toThrow(/positive integer/);
    expect(() => new RecentIds(1.5)).toThrow(/positive integer/);
  });
});
