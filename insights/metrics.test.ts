import { describe, expect, it } from 'vitest';
import {
  adjustedRandIndex,
  balancedAccuracy,
  bootstrapInterval,
  brier,
  confusionMatrix,
  hitRateAtK,
  macroF1,
  meanInterval,
  ndcgAtK,
  prAuc,
  recallAtK,
  reliabilityCurve,
  rocAuc,
  silhouette,
} from './metrics';
import { seededRandom } from './split';
import { quintileScores, rfmSegment } from './segments';

describe('classification metrics, against values worked out by hand', () => {
  const truth = ['a', 'a', 'a', 'b', 'b', 'c'];
  const pred = ['a', 'a', 'b', 'b', 'c', 'c'];

  it('balanced accuracy averages the recall of each true class', () => {
    // recall a = 2/3, b = 1/2, c = 1/1
    expect(balancedAccuracy(truth, pred)).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 12);
    expect(balancedAccuracy(['x', 'x', 'y'], ['x', 'x', 'x'])).toBeCloseTo(0.5, 12);
  });

  it('macro-F1 averages each class F1', () => {
    // a: tp 2 fp 0 fn 1 → 4/5; b: tp 1 fp 1 fn 1 → 2/4; c: tp 1 fp 1 fn 0 → 2/3
    expect(macroF1(truth, pred)).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
  });

  it('the confusion matrix counts true rows against predicted columns', () => {
    expect(confusionMatrix(truth, pred, ['a', 'b', 'c'])).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('recall@k is the share of the true set found in the top k', () => {
    expect(recallAtK([['x', 'y', 'z'], ['p', 'q', 'r']], [['x', 'q', 'z'], ['p', 'q', 'r', 's']], 3)).toBeCloseTo((2 / 3 + 1) / 2, 12);
  });
});

describe('probability metrics', () => {
  const y = [0, 0, 1, 1];
  const p = [0.1, 0.4, 0.35, 0.8];

  it('ROC-AUC is the share of positive–negative pairs ranked right (ties half)', () => {
    // pairs (pos, neg): (0.35 > 0.1 ✓) (0.35 > 0.4 ✗) (0.8 ✓) (0.8 ✓) → 3/4
    expect(rocAuc(y, p)).toBeCloseTo(0.75, 12);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBeCloseTo(0.5, 12);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });

  it('PR-AUC is average precision', () => {
    // ranked 0.8(+) 0.4(−) 0.35(+) 0.1(−): precision at the recalls 0.5 and 1 are 1 and 2/3
    expect(prAuc(y, p)).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
  });

  it('Brier is the mean squared error of the probabilities', () => {
    expect(brier(y, p)).toBeCloseTo((0.01 + 0.16 + 0.4225 + 0.04) / 4, 12);
  });

  it('the reliability curve bins predictions and compares them with the observed rate', () => {
    const bins = reliabilityCurve([0, 1, 1, 0], [0.05, 0.08, 0.91, 0.95], 10);
    expect(bins).toHaveLength(2);
    expect(bins[0]).toMatchObject({ count: 2, observedRate: 0.5 });
    expect(bins[0]?.meanPredicted).toBeCloseTo(0.065, 12);
    expect(bins[1]).toMatchObject({ count: 2, observedRate: 0.5 });
  });
});

describe('ranking metrics', () => {
  const relevant = [new Set(['b']), new Set(['x', 'y']), new Set<string>()];
  const recs = [['a', 'b', 'c'], ['p', 'q', 'r'], ['z']];

  it('HR@k counts rows with a hit and skips rows with nothing relevant', () => {
    expect(hitRateAtK(relevant, recs, 3)).toBeCloseTo(0.5, 12);
    expect(hitRateAtK(relevant, recs, 1)).toBeCloseTo(0, 12);
  });

  it('NDCG@k discounts a hit by its rank', () => {
    // row 1: hit at rank 2 → (1/log2 3) / 1; row 2: 0
    expect(ndcgAtK(relevant, recs, 3)).toBeCloseTo(1 / Math.log2(3) / 2, 12);
  });
});

describe('clustering metrics', () => {
  it('ARI is 1 for the same partition under other names and 0-ish for an unrelated one', () => {
    expect(adjustedRandIndex(['a', 'a', 'b', 'b'], ['x', 'x', 'y', 'y'])).toBeCloseTo(1, 12);
    // contingency [[1,1],[1,1]]: index 0, expected (2·2)/6 = 2/3, max 2 → (0 − 2/3)/(2 − 2/3) = −0.5
    expect(adjustedRandIndex(['a', 'a', 'b', 'b'], ['x', 'y', 'x', 'y'])).toBeCloseTo(-0.5, 12);
  });

  it('silhouette of two tight, far apart pairs is close to 1', () => {
    // points 0 and 11: a = 1, b = 10.5 → 9.5/10.5; points 1 and 10: a = 1, b = mean(9, 10) = 9.5 → 8.5/9.5
    expect(silhouette([[0], [1], [10], [11]], [0, 0, 1, 1])).toBeCloseTo((9.5 / 10.5 + 8.5 / 9.5) / 2, 12);
  });

  it('mean interval is mean ± 1.96 standard errors', () => {
    const r = meanInterval([1, 2, 3, 4]);
    expect(r.mean).toBe(2.5);
    expect(r.high - r.mean).toBeCloseTo(1.96 * Math.sqrt(5 / 3 / 4), 12);
  });

  it('the bootstrap interval of a mean of 0/1 rows is close to the normal one, and repeats from its seed', () => {
    // 400 rows, 30 % ones: the normal approximation is good here, ± 1.96·sqrt(0.21/400) ≈ ± 0.045.
    const rows = Array.from({ length: 400 }, (_, i) => (i % 10 < 3 ? 1 : 0));
    const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    const a = bootstrapInterval(rows, mean, seededRandom('b'));
    const half = 1.96 * Math.sqrt(0.3 * 0.7 / 400);
    expect(a.low).toBeGreaterThan(0.3 - half - 0.01);
    expect(a.low).toBeLessThan(0.3 - half + 0.01);
    expect(a.high).toBeGreaterThan(0.3 + half - 0.01);
    expect(a.high).toBeLessThan(0.3 + half + 0.01);
    expect(bootstrapInterval(rows, mean, seededRandom('b'))).toEqual(a);
    // A constant metric has no spread; no rows, no interval.
    expect(bootstrapInterval(rows, () => 0.5, seededRandom('b'))).toEqual({ low: 0.5, high: 0.5 });
    expect(bootstrapInterval([], mean, seededRandom('b')).low).toBeNaN();
  });
});

describe('RFM', () => {
  it('quintile scores give ties the lower score', () => {
    // 1 + floor(5 × values strictly below / 10): 5 has 4 below → 3, 10 has 5 → 3, 20 has 6 → 4, 30 has 7 → 4, 40 → 5
    expect(quintileScores([0, 0, 0, 0, 5, 10, 20, 30, 40, 50])).toEqual([1, 1, 1, 1, 3, 3, 4, 4, 5, 5]);
  });

  it('the grid names the standard segments', () => {
    expect(rfmSegment(5, 5)).toBe('Champions');
    expect(rfmSegment(5, 1)).toBe('New');
    expect(rfmSegment(4, 1)).toBe('Promising');
    expect(rfmSegment(3, 3)).toBe('Need Attention');
    expect(rfmSegment(3, 4)).toBe('Loyal');
    expect(rfmSegment(2, 5)).toBe("Can't Lose Them");
    expect(rfmSegment(1, 3)).toBe('At Risk');
    expect(rfmSegment(3, 1)).toBe('About to Sleep');
    expect(rfmSegment(2, 2)).toBe('Hibernating');
    expect(rfmSegment(1, 1)).toBe('Lost');
    expect(rfmSegment(4, 3)).toBe('Potential Loyalist');
  });
});
