/**
 * Everything `shoplab train`, `predict` and `report` do, as functions over a Dataset and a folder: train every
 * insight (seeded), save the models under `<data>/insights/` with the manifest of the data they were trained on,
 * and apply the saved models to write the prediction CSVs and metrics.json.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, Manifest } from './dataset';
import { ForestClassifier, logisticScore, scale } from './learners';
import { interestInput, PERSONA_TARGETS, predictInterests, trainPersonas, userFeatures, type PersonaModelJson, type PersonaResult } from './personas';
import { prefixBeforeCheckout, sessionFeatures, trainPropensity, type PropensityModelJson, type PropensityResult } from './propensity';
import { alsRecommend, K, trainRecs, type AlsJson, type RecsResult } from './recs';
import { PROPENSITY_MODEL_FILE } from './score';
import type { Score } from './scorecard';
import { quintileScores, rfmSegment, engagement, trainSegments, type SegmentsModelJson, type SegmentsResult } from './segments';
import { userSplit } from './split';

export const INSIGHTS_DIR = 'insights';
export const MODELS_FILE = 'models.json';
export const SUMMARY_FILE = 'summary.json';

export interface TrainResult {
  seed: string;
  manifest: Manifest;
  personas: PersonaResult;
  propensity: PropensityResult;
  recs: RecsResult;
  segments: SegmentsResult;
  scores: Score[];
  /** Wall time of each part, ms. */
  timings: Record<string, number>;
}

export type Step = 'personas' | 'propensity' | 'recommendations' | 'segments';

export function trainAll(ds: Dataset, seed: string, onStep: (step: Step, done: number) => void = () => {}): TrainResult {
  const timings: Record<string, number> = {};
  const time = <T>(name: Step, i: number, fn: () => T): T => {
    const t0 = performance.now();
    const out = fn();
    timings[name] = performance.now() - t0;
    onStep(name, i);
    return out;
  };
  const personas = time('personas', 1, () => trainPersonas(ds, seed));
  const propensity = time('propensity', 2, () => trainPropensity(ds, seed));
  const recs = time('recommendations', 3, () => trainRecs(ds, seed));
  const segments = time('segments', 4, () => trainSegments(ds, seed));
  const scores = [...personas.scores, ...propensity.scores, ...recs.scores, ...segments.scores];
  return { seed, manifest: ds.manifest, personas, propensity, recs, segments, scores, timings };
}

/** The saved models: enough to predict without training again. */
export interface ModelsFile {
  version: 1;
  seed: string;
  manifest: Manifest;
  trainedAt: string;
  personas: PersonaModelJson;
  propensity: PropensityModelJson;
  recommendations: { als: AlsJson; popular: string[] };
  segments: SegmentsModelJson;
  scores: Score[];
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** What the report draws, beside the scores. */
export interface Summary {
  seed: string;
  manifest: Manifest;
  scores: Score[];
  timings: Record<string, number>;
  funnel: { step: string; sessions: number }[];
  personas: { confusion: PersonaResult['confusion']; exposureExponent: number; interestModel: PersonaModelJson['interestModel']; interests: PersonaResult['interests'] };
  propensity: { chosen: string; reliability: PropensityResult['reliability']; histogram: { from: number; to: number; buyers: number; others: number }[] };
  recommendations: { table: RecsResult['table']; heldOutUsers: number };
  segments: {
    k: number;
    silhouetteByK: SegmentsResult['silhouetteByK'];
    centroids: SegmentsResult['centroids'];
    rfmGrid: { r: number; fm: number; users: number; segment: string }[];
    rfmCounts: Record<string, number>;
    scatter: { x: number; y: number; cluster: string }[];
    churnTop: { userId: string; risk: number; rfmSegment: string }[];
  };
  leftOutFeatures: string[];
}

export function funnelOf(ds: Dataset): Summary['funnel'] {
  const has = (name: string): number => ds.sessions.filter((s) => s.events.some((e) => e.name === name)).length;
  return [
    { step: 'session', sessions: ds.sessions.length },
    { step: 'view_item', sessions: has('view_item') },
    { step: 'add_to_cart', sessions: has('add_to_cart') },
    { step: 'begin_checkout', sessions: has('begin_checkout') },
    { step: 'add_payment_info', sessions: has('add_payment_info') },
    { step: 'purchase', sessions: ds.sessions.filter((s) => s.converted).length },
  ];
}

export function summarize(ds: Dataset, r: TrainResult, leftOut: string[]): Summary {
  const bins = 10;
  const histogram = Array.from({ length: bins }, (_, i) => ({ from: i / bins, to: (i + 1) / bins, buyers: 0, others: 0 }));
  for (const { p, y } of r.propensity.testProbabilities) {
    const b = histogram[Math.min(bins - 1, Math.floor(p * bins))];
    if (b) {
      if (y === 1) b.buyers++;
      else b.others++;
    }
  }
  const grid = new Map<string, number>();
  const counts: Record<string, number> = {};
  for (const u of r.segments.users) {
    const fm = Math.round((u.f + u.m) / 2);
    grid.set(`${u.r},${fm}`, (grid.get(`${u.r},${fm}`) ?? 0) + 1);
    counts[u.rfmSegment] = (counts[u.rfmSegment] ?? 0) + 1;
  }
  const rfmGrid: Summary['segments']['rfmGrid'] = [];
  for (let rr = 1; rr <= 5; rr++) for (let fm = 1; fm <= 5; fm++) rfmGrid.push({ r: rr, fm, users: grid.get(`${rr},${fm}`) ?? 0, segment: rfmSegment(rr, fm) });
  return {
    seed: r.seed,
    manifest: r.manifest,
    scores: r.scores,
    timings: r.timings,
    funnel: funnelOf(ds),
    personas: { confusion: r.personas.confusion, exposureExponent: r.personas.model.exposureExponent, interestModel: r.personas.model.interestModel, interests: r.personas.interests },
    propensity: { chosen: r.propensity.chosen, reliability: r.propensity.reliability, histogram },
    recommendations: { table: r.recs.table, heldOutUsers: r.recs.heldOutUsers },
    segments: {
      k: r.segments.k,
      silhouetteByK: r.segments.silhouetteByK,
      centroids: r.segments.centroids,
      rfmGrid,
      rfmCounts: counts,
      scatter: r.segments.users.map((u) => ({ x: u.point[0] ?? 0, y: u.point[2] ?? 0, cluster: u.cluster })),
      churnTop: [...r.segments.users]
        .sort((a, b) => b.churnRisk - a.churnRisk)
        .slice(0, 10)
        .map((u) => ({ userId: u.userId, risk: u.churnRisk, rfmSegment: u.rfmSegment })),
    },
    leftOutFeatures: leftOut,
  };
}

export function saveTraining(dataDir: string, ds: Dataset, r: TrainResult, leftOut: string[]): { dir: string } {
  const dir = join(dataDir, INSIGHTS_DIR);
  mkdirSync(dir, { recursive: true });
  const models: ModelsFile = {
    version: 1,
    seed: r.seed,
    manifest: r.manifest,
    trainedAt: new Date().toISOString(),
    personas: r.personas.model,
    propensity: r.propensity.model,
    recommendations: { als: r.recs.als, popular: r.recs.popular },
    segments: r.segments.model,
    scores: r.scores,
  };
  writeAtomic(join(dir, MODELS_FILE), JSON.stringify(models));
  writeAtomic(join(dataDir, PROPENSITY_MODEL_FILE), JSON.stringify({ features: r.propensity.model.features, logistic: r.propensity.model.logistic }));
  writeAtomic(join(dir, 'manifest.json'), `${JSON.stringify({ ...r.manifest, seed: r.seed, trainedAt: models.trainedAt }, null, 2)}\n`);
  writeAtomic(join(dir, SUMMARY_FILE), JSON.stringify(summarize(ds, r, leftOut)));
  return { dir };
}

export function loadModels(dataDir: string): ModelsFile {
  const file = join(dataDir, INSIGHTS_DIR, MODELS_FILE);
  let parsed: ModelsFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as ModelsFile;
  } catch (err) {
    throw new Error(`no trained models at ${file} (run \`shoplab train\` first): ${err instanceof Error ? err.message : String(err)}`);
  }
  if (parsed.version !== 1) throw new Error(`${file} is of an unknown version; run \`shoplab train\` again`);
  return parsed;
}

export function loadSummary(dataDir: string): Summary {
  const file = join(dataDir, INSIGHTS_DIR, SUMMARY_FILE);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Summary;
  } catch (err) {
    throw new Error(`no training summary at ${file} (run \`shoplab train\` first): ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return `${[header, ...rows].map((r) => r.map(csvField).join(',')).join('\n')}\n`;
}

export interface Predictions {
  personas: string;
  sessions: string;
  segments: string;
  recommendations: string;
}

/**
 * Applies the saved models to the data they were trained on (refused when the data changed since: the manifest's
 * fingerprint must match) and returns the four CSVs.
 */
export function predictAll(ds: Dataset, m: ModelsFile): Predictions {
  if (ds.manifest.fingerprint !== m.manifest.fingerprint) {
    throw new Error(
      `the data changed since training (fingerprint ${ds.manifest.fingerprint.slice(0, 12)} vs trained on ${m.manifest.fingerprint.slice(0, 12)}); run \`shoplab train\` again`,
    );
  }
  const feats = userFeatures(ds);
  const forests = Object.fromEntries(PERSONA_TARGETS.map((t) => [t, ForestClassifier.load(m.personas.forests[t])])) as Record<
    (typeof PERSONA_TARGETS)[number],
    ForestClassifier
  >;
  const users = ds.users;
  const x = users.map((u) => feats.rows.get(u.userId) ?? []);
  const predicted = Object.fromEntries(PERSONA_TARGETS.map((t) => [t, forests[t].predict(x)])) as Record<(typeof PERSONA_TARGETS)[number], string[]>;
  const personas = csv(
    ['user_pseudo_id', 'split', 'gender', 'age_band', 'job', 'interests'],
    users.map((u, i) => [
      u.userId,
      userSplit(m.seed, u.userId),
      predicted.gender[i] ?? '',
      predicted.age_band[i] ?? '',
      predicted.job[i] ?? '',
      predictInterests(m.personas, interestInput(feats, u.userId)).join('|'),
    ]),
  );
  const sessions = csv(
    ['user_pseudo_id', 'ga_session_id', 'split', 'propensity'],
    ds.sessions.map((s) => [
      s.userId,
      s.gaSessionId,
      userSplit(m.seed, s.userId),
      logisticScore(m.propensity.logistic, sessionFeatures({ events: prefixBeforeCheckout(s.events), sessionNumber: s.sessionNumber, device: s.device })).toFixed(6),
    ]),
  );
  const R = quintileScores(users.map((u) => -u.recencyDays));
  const F = quintileScores(users.map((u) => u.frequency));
  const M = quintileScores(users.map((u) => u.monetary));
  const clicks = new Map<string, number>();
  for (const e of ds.itemEvents) if (e.name === 'select_item' || e.name === 'view_item') clicks.set(e.userId, (clicks.get(e.userId) ?? 0) + 1);
  const segments = csv(
    ['user_pseudo_id', 'rfm_segment', 'cluster'],
    users.map((u, i) => {
      const p = scale(m.segments.scaler, engagement(u, clicks.get(u.userId) ?? 0));
      let best = 0;
      let bestD = Infinity;
      m.segments.centroids.forEach((c, j) => {
        const d = c.reduce((s, v, a) => s + (v - (p[a] ?? 0)) ** 2, 0);
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      });
      const rank = [...m.segments.centroids.keys()].sort(
        (a, b) => (m.segments.centroids[a] ?? []).reduce((s, v) => s + v, 0) - (m.segments.centroids[b] ?? []).reduce((s, v) => s + v, 0),
      );
      return [u.userId, rfmSegment(R[i] ?? 1, Math.round(((F[i] ?? 1) + (M[i] ?? 1)) / 2)), m.segments.names[rank.indexOf(best)] ?? String(best)];
    }),
  );
  const recommendations = csv(
    ['user_pseudo_id', 'rank', 'item_id'],
    users.flatMap((u) => alsRecommend(m.recommendations.als, u.userId, K, m.recommendations.popular).map((item, r) => [u.userId, r + 1, item])),
  );
  return { personas, sessions, segments, recommendations };
}

export function writePredictions(dataDir: string, p: Predictions, m: ModelsFile): string {
  const dir = join(dataDir, INSIGHTS_DIR, 'predictions');
  mkdirSync(dir, { recursive: true });
  for (const name of ['personas', 'sessions', 'segments', 'recommendations'] as const) writeAtomic(join(dir, `${name}.csv`), p[name]);
  writeAtomic(
    join(dataDir, INSIGHTS_DIR, 'metrics.json'),
    `${JSON.stringify({ seed: m.seed, fingerprint: m.manifest.fingerprint, trainedAt: m.trainedAt, metrics: m.scores }, null, 2)}\n`,
  );
  return dir;
}
