import { describe, expect, it } from 'vitest';
import { chiSquareTest, gammaQ, mannWhitneyU, signTest } from './stats';

describe('chiSquareTest', () => {
  it('matches a textbook 2x2 table (chi2 = 4.0, df 1, p ≈ 0.0455)', () => {
    const r = chiSquareTest([
      [30, 20],
      [20, 30],
    ]);
    expect(r.statistic).toBeCloseTo(4, 6);
    expect(r.df).toBe(1);
    expect(r.p).toBeCloseTo(0.0455, 3);
  });

  it('finds no difference between identical rows', () => {
    expect(chiSquareTest([[10, 20, 30], [10, 20, 30]]).p).toBeCloseTo(1, 6);
  });

  it('gives the chi-square tail for several degrees of freedom', () => {
    // P(chi2_5 > 11.07) = 0.05
    expect(gammaQ(5 / 2, 11.0705 / 2)).toBeCloseTo(0.05, 4);
  });
});

describe('mannWhitneyU', () => {
  it('tells shifted samples apart and not equal ones', () => {
    const a = Array.from({ length: 30 }, (_, i) => i);
    const b = a.map((v) => v + 15);
    expect(mannWhitneyU(a, b).p).toBeLessThan(0.001);
    expect(mannWhitneyU(a, [...a]).p).toBeGreaterThan(0.9);
  });

  it('gives U = 1 and a normal-approximation p below 0.05 for nearly separated small samples', () => {
    const r = mannWhitneyU([1, 2, 3, 4, 5], [4.5, 6, 7, 8, 9]);
    expect(r.statistic).toBe(1);
    expect(r.p).toBeGreaterThan(0.01);
    expect(r.p).toBeLessThan(0.05);
  });
});

describe('signTest', () => {
  it('gives p = 2 / 2^n when every pair moves the same way, and 1 when they split evenly', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(signTest(a, a.map((x) => x + 1)).p).toBeCloseTo(2 / 256, 10);
    expect(signTest([1, 2, 3, 4], [2, 1, 4, 3]).p).toBe(1);
  });
});
