import { describe, expect, it } from 'vitest';
import { createRng, restoreRng, type RngState } from './rng';

describe('createRng', () => {
  it('gives the same sequence for the same seed', () => {
    const a = createRng('seed-1');
    const b = createRng('seed-1');
    const xs = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(xs);
  });

  it('gives different sequences for different seeds', () => {
    const ra = createRng('a');
    const rb = createRng('b');
    const a = Array.from({ length: 5 }, () => ra.next());
    const b = Array.from({ length: 5 }, () => rb.next());
    expect(a).not.toEqual(b);
  });

  it('keeps a fork independent of later draws on the parent', () => {
    const p1 = createRng('p');
    const f1 = p1.fork('x').next();
    const p2 = createRng('p');
    p2.next();
    p2.next();
    expect(p2.fork('x').next()).toBe(f1);
  });

  it('never picks an index whose weight is zero', () => {
    const rng = createRng(7);
    for (let i = 0; i < 2000; i++) expect(rng.weightedIndex([0, 3, 0, 1])).not.toBe(0);
    expect(rng.weightedIndex([0, 0])).toBe(-1);
  });

  it('draws integers inside the closed range and covers both ends', () => {
    const rng = createRng('int');
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const n = rng.int(2, 5);
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(5);
      seen.add(n);
    }
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
  });

  it('draws log-normal values around the requested median', () => {
    const rng = createRng('ln');
    const xs = Array.from({ length: 4001 }, () => rng.logNormal(1000, 0.6)).sort((a, b) => a - b);
    expect(xs[2000]).toBeGreaterThan(900);
    expect(xs[2000]).toBeLessThan(1100);
  });
});

describe('restoreRng', () => {
  it('continues the sequence exactly where the saved state left off', () => {
    const a = createRng('resume');
    for (let i = 0; i < 7; i++) a.next();
    const b = restoreRng(JSON.parse(JSON.stringify(a.state())) as RngState);
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(Array.from({ length: 20 }, () => a.next()));
  });

  it('rejects something that is not a saved state', () => {
    expect(() => restoreRng({ label: 'x', words: [1, 2] } as unknown as RngState)).toThrow(/not an RNG state/);
  });
});
