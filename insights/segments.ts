/**
 * Segments: RFM quintile scores with the standard named segments; k-means (mljs) on engagement features with k
 * chosen by silhouette and clusters named from their centroids; agreement of both with the true personas
 * (adjusted Rand index against a same-sized random partition); churn risk per user (logistic regression on the
 * first half of the window, label: no visit in the second half).
 */
import { kmeans } from 'ml-kmeans';
import type { Dataset, UserRecord } from './dataset';
import { ConstantRate, fitScaler, LogisticRegression, scale, type LogisticModelJson, type Scaler } from './learners';
import { adjustedRandIndex, rocAuc, silhouette } from './metrics';
import type { Score } from './scorecard';
import { seededRandom, userSplit } from './split';

export const RFM_SEGMENTS = [
  'Champions',
  'Loyal',
  'Potential Loyalist',
  'New',
  'Promising',
  'Need Attention',
  'About to Sleep',
  'At Risk',
  "Can't Lose Them",
  'Hibernating',
  'Lost',
] as const;

/** 1..5: one plus five times the share of values strictly below (ties share the lower score, as with many non-buyers). */
export function quintileScores(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return values.map((v) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] ?? 0) < v) lo = mid + 1;
      else hi = mid;
    }
    return 1 + Math.min(4, Math.floor((5 * lo) / Math.max(1, sorted.length)));
  });
}

/** The standard R × FM grid (FM = the rounded mean of the frequency and monetary scores). */
export function rfmSegment(r: number, fm: number): (typeof RFM_SEGMENTS)[number] {
  if (r === 5) return fm >= 4 ? 'Champions' : fm >= 2 ? 'Potential Loyalist' : 'New';
  if (r === 4) return fm >= 4 ? 'Loyal' : fm >= 2 ? 'Potential Loyalist' : 'Promising';
  if (r === 3) return fm >= 4 ? 'Loyal' : fm === 3 ? 'Need Attention' : 'About to Sleep';
  if (fm === 5) return "Can't Lose Them";
  if (fm >= 3) return 'At Risk';
  if (r === 1 && fm === 1) return 'Lost';
  return 'Hibernating';
}

export const ENGAGEMENT_FEATURES = ['log_clicks', 'log_searches', 'log_time_on_site_s', 'log_sessions', 'log_page_views'] as const;

export function engagement(u: UserRecord, clicks: number): number[] {
  return [Math.log1p(clicks), Math.log1p(u.searches), Math.log1p(u.durationS), Math.log1p(u.sessions), Math.log1p(u.pageViews)];
}

function clusterNames(k: number): string[] {
  const names: Record<number, string[]> = {
    2: ['Low engaged', 'Highly engaged'],
    3: ['Low engaged', 'Moderately engaged', 'Highly engaged'],
    4: ['Low engaged', 'Moderately engaged', 'Engaged', 'Highly engaged'],
    5: ['Barely engaged', 'Low engaged', 'Moderately engaged', 'Engaged', 'Highly engaged'],
    6: ['Barely engaged', 'Low engaged', 'Moderately engaged', 'Engaged', 'Highly engaged', 'Very highly engaged'],
  };
  return names[k] ?? Array.from({ length: k }, (_, i) => `Engagement level ${i + 1}`);
}

export interface SegmentsModelJson {
  scaler: Scaler;
  centroids: number[][];
  names: string[];
  churn: LogisticModelJson;
}

export interface UserSegment {
  userId: string;
  r: number;
  f: number;
  m: number;
  rfmSegment: string;
  cluster: string;
  /** Standardised engagement (for the scatter): clicks and time on site. */
  point: number[];
  churnRisk: number;
}

export interface SegmentsResult {
  users: UserSegment[];
  scores: Score[];
  k: number;
  silhouetteByK: { k: number; silhouette: number }[];
  centroids: { name: string; size: number; centroid: Record<string, number> }[];
  model: SegmentsModelJson;
}

const DAY = 86_400_000_000;

/** Churn features at a cut-off time, from the sessions before it only. */
function churnFeatures(ds: Dataset, cutoff: number): Map<string, number[]> {
  const acc = new Map<string, { n: number; pv: number; buy: number; last: number; first: number }>();
  for (const s of ds.sessions) {
    if (s.startMicros >= cutoff) continue;
    const a = acc.get(s.userId) ?? { n: 0, pv: 0, buy: 0, last: -Infinity, first: Infinity };
    a.n++;
    a.pv += s.events.filter((e) => e.name === 'page_view').length;
    a.buy += s.converted ? 1 : 0;
    a.last = Math.max(a.last, s.startMicros);
    a.first = Math.min(a.first, s.startMicros);
    acc.set(s.userId, a);
  }
  const out = new Map<string, number[]>();
  for (const [u, a] of acc) out.set(u, [Math.log1p(a.n), Math.log1p(a.pv), a.buy > 0 ? 1 : 0, (cutoff - a.last) / DAY, (cutoff - a.first) / DAY]);
  return out;
}

export function trainSegments(ds: Dataset, seed: string): SegmentsResult {
  const users = ds.users;
  const R = quintileScores(users.map((u) => -u.recencyDays));
  const F = quintileScores(users.map((u) => u.frequency));
  const M = quintileScores(users.map((u) => u.monetary));

  const clicks = new Map<string, number>();
  for (const e of ds.itemEvents) if (e.name === 'select_item' || e.name === 'view_item') clicks.set(e.userId, (clicks.get(e.userId) ?? 0) + 1);
  const raw = users.map((u) => engagement(u, clicks.get(u.userId) ?? 0));
  const scaler = fitScaler(raw);
  const points = raw.map((r) => scale(scaler, r));

  const rand = seededRandom(`${seed}/kmeans`);
  const kmSeed = Math.floor(rand() * 2 ** 31);
  const silhouetteByK: { k: number; silhouette: number }[] = [];
  let best: { k: number; s: number; clusters: number[]; centroids: number[][] } | null = null;
  for (let k = 2; k <= Math.min(6, points.length - 1); k++) {
    const res = kmeans(points, k, { seed: kmSeed, initialization: 'kmeans++', maxIterations: 200 });
    const s = silhouette(points, res.clusters);
    silhouetteByK.push({ k, silhouette: s });
    if (!best || s > best.s) best = { k, s, clusters: res.clusters, centroids: res.centroids };
  }
  if (!best) throw new Error('segments: too few users to cluster');
  // Clusters ranked by how engaged their centroid is (mean standardised engagement), then named low → high.
  const order = best.centroids.map((c, i) => [i, c.reduce((s, v) => s + v, 0)] as const).sort((a, b) => a[1] - b[1]);
  const names = clusterNames(best.k);
  const nameOf = new Map(order.map(([i], rank) => [i, names[rank] ?? `cluster ${i}`]));
  const clusterLabel = best.clusters.map((c) => nameOf.get(c) ?? String(c));

  // Churn: features up to the middle of the window, label: no session in the week after it.
  const lastT = ds.manifest.lastEventMicros;
  const firstT = ds.manifest.firstEventMicros;
  const mid = firstT + (lastT - firstT) / 2;
  const horizon = Math.min(7 * DAY, lastT - mid);
  const before = churnFeatures(ds, mid);
  const returned = new Set(ds.sessions.filter((s) => s.startMicros >= mid && s.startMicros < mid + horizon).map((s) => s.userId));
  const churnUsers = [...before.keys()].sort();
  const split = new Map(churnUsers.map((u) => [u, userSplit(seed, u)] as const));
  const cx = (list: string[]): number[][] => list.map((u) => before.get(u) ?? []);
  const cy = (list: string[]): number[] => list.map((u) => (returned.has(u) ? 0 : 1));
  const cTrain = churnUsers.filter((u) => split.get(u) === 'train');
  const cTest = churnUsers.filter((u) => split.get(u) === 'test');
  const churn = new LogisticRegression(0.05, 600, 0.3);
  const churnBase = new ConstantRate();
  churn.fit(cx(cTrain), cy(cTrain));
  churnBase.fit(cx(cTrain), cy(cTrain));
  const now = churnFeatures(ds, lastT + 1);
  const risk = churn.predictProba(users.map((u) => now.get(u.userId) ?? [0, 0, 0, 0, 0]));

  const truthSeg = users.map((u) => ds.truth.get(u.userId)?.segment ?? '');
  const shuffled = [...clusterLabel];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
  }
  const rfmLabels = users.map((_, i) => rfmSegment(R[i] ?? 1, Math.round(((F[i] ?? 1) + (M[i] ?? 1)) / 2)));
  const scores: Score[] = [
    {
      task: 'segments',
      target: 'true_persona_segment',
      metric: 'adjusted_rand_index',
      model: `kmeans_k${best.k}`,
      value: adjustedRandIndex(truthSeg, clusterLabel),
      baseline: 'random_partition_same_sizes',
      baselineValue: adjustedRandIndex(truthSeg, shuffled),
      higherIsBetter: true,
      n: users.length,
    },
    {
      task: 'segments',
      target: 'true_persona_segment',
      metric: 'adjusted_rand_index',
      model: 'rfm_segments',
      value: adjustedRandIndex(truthSeg, rfmLabels),
      baseline: 'random_partition_same_sizes',
      baselineValue: adjustedRandIndex(truthSeg, shuffled),
      higherIsBetter: true,
      n: users.length,
    },
    {
      task: 'segments',
      target: 'churn_no_visit_next_week',
      metric: 'roc_auc',
      model: churn.name,
      value: rocAuc(cy(cTest), churn.predictProba(cx(cTest))),
      baseline: churnBase.name,
      baselineValue: rocAuc(cy(cTest), churnBase.predictProba(cx(cTest))),
      higherIsBetter: true,
      n: cTest.length,
    },
  ];

  const centroids = order.map(([i]) => ({
    name: nameOf.get(i) ?? String(i),
    size: best.clusters.filter((c) => c === i).length,
    centroid: Object.fromEntries(ENGAGEMENT_FEATURES.map((f, j) => [f, Math.round(Math.expm1((best.centroids[i]?.[j] ?? 0) * (scaler.sd[j] ?? 1) + (scaler.mean[j] ?? 0)) * 10) / 10])),
  }));
  return {
    users: users.map((u, i) => ({
      userId: u.userId,
      r: R[i] ?? 1,
      f: F[i] ?? 1,
      m: M[i] ?? 1,
      rfmSegment: rfmLabels[i] ?? 'Lost',
      cluster: clusterLabel[i] ?? '',
      point: points[i] ?? [],
      churnRisk: risk[i] ?? 0,
    })),
    scores,
    k: best.k,
    silhouetteByK,
    centroids,
    model: { scaler, centroids: best.centroids, names: order.map(([i]) => nameOf.get(i) ?? ''), churn: churn.model },
  };
}
