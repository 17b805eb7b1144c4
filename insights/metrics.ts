/**
 * The metrics every insight is scored with, as plain functions of labels and predictions, so that each can be
 * checked against hand-computed values (metrics.test.ts) and reused by train, predict, the report and the bench.
 */

/** Recall of each class averaged over the classes present in `truth` (scikit-learn's balanced_accuracy_score). */
export function balancedAccuracy(truth: readonly string[], pred: readonly string[]): number {
  const classes = [...new Set(truth)];
  if (classes.length === 0) return NaN;
  let sum = 0;
  for (const c of classes) {
    let n = 0;
    let hit = 0;
    truth.forEach((t, i) => {
      if (t !== c) return;
      n++;
      if (pred[i] === c) hit++;
    });
    sum += hit / n;
  }
  return sum / classes.length;
}

/** F1 per class over the union of true and predicted classes, averaged unweighted (macro-F1). */
export function macroF1(truth: readonly string[], pred: readonly string[]): number {
  const classes = [...new Set([...truth, ...pred])];
  if (classes.length === 0) return NaN;
  let sum = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    truth.forEach((t, i) => {
      const p = pred[i];
      if (t === c && p === c) tp++;
      else if (p === c) fp++;
      else if (t === c) fn++;
    });
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return sum / classes.length;
}

export function accuracy(truth: readonly string[], pred: readonly string[]): number {
  if (truth.length === 0) return NaN;
  return truth.filter((t, i) => pred[i] === t).length / truth.length;
}

/** Rows: true class, columns: predicted class, in the order of `labels`. */
export function confusionMatrix(truth: readonly string[], pred: readonly string[], labels: readonly string[]): number[][] {
  const m = labels.map(() => labels.map(() => 0));
  truth.forEach((t, i) => {
    const r = labels.indexOf(t);
    const c = labels.indexOf(pred[i] ?? '');
    if (r >= 0 && c >= 0) (m[r] as number[])[c] = ((m[r] as number[])[c] ?? 0) + 1;
  });
  return m;
}

/** Share of the true set found in the first k predictions, averaged over rows (|top-k ∩ truth| / min(k, |truth|)). */
export function recallAtK(truth: readonly (readonly string[])[], pred: readonly (readonly string[])[], k: number): number {
  let sum = 0;
  let n = 0;
  truth.forEach((t, i) => {
    if (t.length === 0) return;
    const top = new Set((pred[i] ?? []).slice(0, k));
    sum += t.filter((x) => top.has(x)).length / Math.min(k, t.length);
    n++;
  });
  return n === 0 ? NaN : sum / n;
}

/** Area under the ROC curve by the rank-sum (Mann–Whitney) formula; ties count one half. */
export function rocAuc(labels: readonly number[], scores: readonly number[]): number {
  const idx = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && (idx[j + 1] as readonly [number, number])[0] === (idx[i] as readonly [number, number])[0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[(idx[k] as readonly [number, number])[1]] = r;
    i = j + 1;
  }
  let pos = 0;
  let rankSum = 0;
  labels.forEach((l, i) => {
    if (l === 1) {
      pos++;
      rankSum += ranks[i] ?? 0;
    }
  });
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * Area under the precision–recall curve as average precision (scikit-learn's average_precision_score): the sum
 * over thresholds of precision × the recall gained, with tied scores taken as one threshold.
 */
export function prAuc(labels: readonly number[], scores: readonly number[]): number {
  const order = scores.map((s, i) => [s, labels[i] ?? 0] as const).sort((a, b) => b[0] - a[0]);
  const pos = labels.filter((l) => l === 1).length;
  if (pos === 0) return NaN;
  let tp = 0;
  let seen = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && (order[j] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]) {
      tp += (order[j] as readonly [number, number])[1];
      seen++;
      j++;
    }
    const recall = tp / pos;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
    i = j;
  }
  return ap;
}

export function brier(labels: readonly number[], probs: readonly number[]): number {
  if (labels.length === 0) return NaN;
  return labels.reduce((s, l, i) => s + ((probs[i] ?? 0) - l) ** 2, 0) / labels.length;
}

export interface ReliabilityBin {
  /** Lower edge of the bin. */
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Equal-width probability bins with the mean prediction and the observed positive rate of each (empty bins left out). */
export function reliabilityCurve(labels: readonly number[], probs: readonly number[], bins = 10): ReliabilityBin[] {
  const acc = Array.from({ length: bins }, () => ({ count: 0, p: 0, y: 0 }));
  probs.forEach((p, i) => {
    const b = acc[Math.min(bins - 1, Math.max(0, Math.floor(p * bins)))] as { count: number; p: number; y: number };
    b.count++;
    b.p += p;
    b.y += labels[i] ?? 0;
  });
  return acc.flatMap((b, i) =>
    b.count === 0 ? [] : [{ from: i / bins, to: (i + 1) / bins, count: b.count, meanPredicted: b.p / b.count, observedRate: b.y / b.count }],
  );
}

/** 1 when any relevant item is among the first k recommended, else 0; averaged over rows with something relevant. */
export function hitRateAtK(relevant: readonly ReadonlySet<string>[], recs: readonly (readonly string[])[], k: number): number {
  let n = 0;
  let hits = 0;
  relevant.forEach((rel, i) => {
    if (rel.size === 0) return;
    n++;
    if ((recs[i] ?? []).slice(0, k).some((x) => rel.has(x))) hits++;
  });
  return n === 0 ? NaN : hits / n;
}

/** Binary-relevance NDCG@k: DCG of the list over the DCG of an ideal list, averaged over rows with something relevant. */
export function ndcgAtK(relevant: readonly ReadonlySet<string>[], recs: readonly (readonly string[])[], k: number): number {
  let n = 0;
  let sum = 0;
  relevant.forEach((rel, i) => {
    if (rel.size === 0) return;
    n++;
    let dcg = 0;
    (recs[i] ?? []).slice(0, k).forEach((x, r) => {
      if (rel.has(x)) dcg += 1 / Math.log2(r + 2);
    });
    let ideal = 0;
    for (let r = 0; r < Math.min(k, rel.size); r++) ideal += 1 / Math.log2(r + 2);
    sum += dcg / ideal;
  });
  return n === 0 ? NaN : sum / n;
}

const choose2 = (n: number): number => (n * (n - 1)) / 2;

/** Adjusted Rand index of two partitions of the same items (Hubert & Arabie). */
export function adjustedRandIndex(a: readonly string[], b: readonly string[]): number {
  const n = a.length;
  const cells = new Map<string, number>();
  const rows = new Map<string, number>();
  const cols = new Map<string, number>();
  a.forEach((x, i) => {
    const y = b[i] ?? '';
    cells.set(`${x}\u0000${y}`, (cells.get(`${x}\u0000${y}`) ?? 0) + 1);
    rows.set(x, (rows.get(x) ?? 0) + 1);
    cols.set(y, (cols.get(y) ?? 0) + 1);
  });
  let index = 0;
  for (const v of cells.values()) index += choose2(v);
  let sumA = 0;
  for (const v of rows.values()) sumA += choose2(v);
  let sumB = 0;
  for (const v of cols.values()) sumB += choose2(v);
  const expected = (sumA * sumB) / choose2(n);
  const max = (sumA + sumB) / 2;
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}

function dist(p: readonly number[], q: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) s += ((p[i] ?? 0) - (q[i] ?? 0)) ** 2;
  return Math.sqrt(s);
}

/** Mean silhouette of a clustering under Euclidean distance; a point alone in its cluster scores 0. */
export function silhouette(points: readonly (readonly number[])[], labels: readonly number[]): number {
  const k = Math.max(...labels) + 1;
  let sum = 0;
  points.forEach((p, i) => {
    const sums = new Array<number>(k).fill(0);
    const counts = new Array<number>(k).fill(0);
    points.forEach((q, j) => {
      if (i === j) return;
      const c = labels[j] ?? 0;
      sums[c] = (sums[c] ?? 0) + dist(p, q);
      counts[c] = (counts[c] ?? 0) + 1;
    });
    const own = labels[i] ?? 0;
    if ((counts[own] ?? 0) === 0) return;
    const a = (sums[own] ?? 0) / (counts[own] ?? 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && (counts[c] ?? 0) > 0) b = Math.min(b, (sums[c] ?? 0) / (counts[c] ?? 1));
    if (b === Infinity) return;
    sum += (b - a) / Math.max(a, b);
  });
  return points.length === 0 ? NaN : sum / points.length;
}

/** Normal-approximation 95 % interval of a mean. */
export function meanInterval(values: readonly number[]): { mean: number; low: number; high: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, low: NaN, high: NaN };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  const half = 1.96 * Math.sqrt(variance / n);
  return { mean, low: mean - half, high: mean + half };
}

/**
 * Percentile-bootstrap 95 % interval of a metric over rows drawn with replacement, seeded so a run repeats.
 * Balanced accuracy on a few dozen users has no closed-form interval worth trusting; resampling the users does.
 * `random` is a seeded source (split.ts `seededRandom`), passed in so this file stays plain functions.
 */
export function bootstrapInterval<T>(rows: readonly T[], metric: (sample: readonly T[]) => number, random: () => number, resamples = 2000): { low: number; high: number } {
  if (rows.length === 0) return { low: NaN, high: NaN };
  const values: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const sample = rows.map(() => rows[Math.floor(random() * rows.length)] as T);
    const v = metric(sample);
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  const at = (q: number): number => values[Math.min(values.length - 1, Math.max(0, Math.floor(q * values.length)))] ?? NaN;
  return { low: at(0.025), high: at(0.975) };
}
