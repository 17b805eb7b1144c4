/**
 * Two classical tests, for showing that personas differing in one trait behave differently (effect tests) and
 * for checking that sampled populations follow their weights: Pearson's chi-square test of independence on a
 * contingency table, and the Mann–Whitney U test (normal approximation with tie correction) on two samples.
 */

export interface TestResult {
  statistic: number;
  /** Two-sided p-value. */
  p: number;
  df?: number;
}

/** ln Γ(x) by the Lanczos approximation (g = 7, n = 9). */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized upper incomplete gamma Q(a, x): series below a + 1, continued fraction above. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnPre = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPre));
  }
  // Lentz's method for the continued fraction of Q.
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(lnPre) * h);
}

/** Pearson's chi-square test of independence; rows are groups, columns are categories. Empty columns are dropped. */
export function chiSquareTest(table: readonly (readonly number[])[]): TestResult {
  const cols = table[0]?.length ?? 0;
  const keep = Array.from({ length: cols }, (_, j) => table.some((r) => (r[j] ?? 0) > 0));
  const t = table.map((r) => r.filter((_, j) => keep[j]));
  const rowSums = t.map((r) => r.reduce((s, v) => s + v, 0));
  const k = t[0]?.length ?? 0;
  const colSums = Array.from({ length: k }, (_, j) => t.reduce((s, r) => s + (r[j] ?? 0), 0));
  const n = rowSums.reduce((s, v) => s + v, 0);
  let stat = 0;
  t.forEach((r, i) =>
    r.forEach((obs, j) => {
      const exp = ((rowSums[i] ?? 0) * (colSums[j] ?? 0)) / n;
      if (exp > 0) stat += (obs - exp) ** 2 / exp;
    }),
  );
  const df = (t.length - 1) * (k - 1);
  return { statistic: stat, df, p: df > 0 ? gammaQ(df / 2, stat / 2) : 1 };
}

/** Standard normal upper tail P(Z > z). */
export function normalUpper(z: number): number {
  // erfc through the complementary gamma function: erfc(x) = Q(1/2, x²) for x ≥ 0.
  const x = z / Math.SQRT2;
  return x >= 0 ? 0.5 * gammaQ(0.5, x * x) : 1 - 0.5 * gammaQ(0.5, x * x);
}

/** Mann–Whitney U test of whether two samples come from the same distribution (two-sided). */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): TestResult {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    const tied = j - i + 1;
    tieTerm += tied ** 3 - tied;
    i = j + 1;
  }
  let rankSumA = 0;
  all.forEach((x, i) => {
    if (x.g === 0) rankSumA += ranks[i]!;
  });
  const n1 = a.length;
  const n2 = b.length;
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (!(sd > 0)) return { statistic: u, p: 1 };
  const z = (Math.abs(u - (n1 * n2) / 2) - 0.5) / sd;
  return { statistic: u, p: Math.min(1, 2 * normalUpper(Math.max(0, z))) };
}

/**
 * Exact two-sided sign test on paired samples (ties dropped): for sessions run with the same seeds (common
 * random numbers), whether one condition is consistently above the other.
 */
export function signTest(a: readonly number[], b: readonly number[]): TestResult {
  if (a.length !== b.length) throw new Error('signTest needs paired samples of equal length');
  let plus = 0;
  let minus = 0;
  a.forEach((x, i) => {
    const d = x - (b[i] ?? NaN);
    if (d > 0) plus += 1;
    else if (d < 0) minus += 1;
  });
  const n = plus + minus;
  const k = Math.min(plus, minus);
  let tail = 0;
  let c = 1;
  for (let i = 0; i <= k; i++) {
    tail += c;
    c = (c * (n - i)) / (i + 1);
  }
  return { statistic: plus - minus, p: Math.min(1, (2 * tail) / 2 ** n) };
}
