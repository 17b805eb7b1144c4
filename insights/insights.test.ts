/**
 * The insights on a real fixed-seed run: `shoplab simulate` (the default population through the built store in
 * headless Chromium, into a real DuckDB warehouse), then training, predicting and the report. Every metric is
 * computed on held-out users (or each user's held-out last session) and compared with its baseline. The run is
 * small to keep the suite short, so the bands are what the baselines justify (a model must beat the baseline
 * where the population puts a strong signal), not exact figures: the simulator's calibration may move them.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse } from '../warehouse/warehouse';
import { loadDataset, type Dataset } from './dataset';
import { saveTraining, trainAll, type TrainResult } from './insights';
import { LEFT_OUT_FEATURES } from './personas';
import { prefixBeforeCheckout } from './propensity';
import { loadPropensityModel, scoreSession } from './score';
import { beats, type Score } from './scorecard';
import { userSplit } from './split';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const SEED = 'insights-test';
const USERS = 150;

let dir = '';
let ds: Dataset;
let result: TrainResult;

async function shoplab(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [join(ROOT, 'bin', 'shoplab.js'), ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 1_500_000 });
  return stdout;
}

function score(task: string, target: string, metric: string, model?: string): Score {
  const s = result.scores.find((x) => x.task === task && x.target === target && x.metric === metric && (model === undefined || x.model === model));
  if (!s) throw new Error(`no score ${task}.${target}.${metric} ${model ?? ''}`);
  return s;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shoplab-insights-'));
  // A fixed start as well as a fixed seed: without --start the run ends now, so its weekdays, and with them the
  // arrivals and the held-out sessions, would change from one day to the next.
  await shoplab('simulate', '--users', String(USERS), '--days', '14', '--start', '2026-11-21T00:00:00Z', '--seed', SEED, '--concurrency', '2', '--data', dir);
  const wh = await Warehouse.open({ dataDir: dir, readOnly: true });
  try {
    ds = await loadDataset(wh);
  } finally {
    await wh.close();
  }
  result = trainAll(ds, 'fixed');
  saveTraining(dir, ds, result, LEFT_OUT_FEATURES);
}, 1_800_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('insights on a fixed-seed run of the default population', () => {
  it('joins every user of the warehouse to the ground truth', () => {
    expect(ds.users.length).toBeGreaterThanOrEqual(USERS * 0.9);
    expect(ds.users.every((u) => ds.truth.has(u.userId))).toBe(true);
    expect(ds.sessions.length).toBeGreaterThan(USERS);
  });

  it('splits by user: held-out users are none of the training users, and the split follows the seed', () => {
    const test = new Set(result.personas.predictions.filter((p) => p.split === 'test').map((p) => p.userId));
    const train = new Set(result.personas.predictions.filter((p) => p.split === 'train').map((p) => p.userId));
    expect(test.size).toBeGreaterThan(0);
    expect(train.size).toBeGreaterThan(test.size);
    expect([...test].some((u) => train.has(u))).toBe(false);
    for (const p of result.propensity.predictions) expect(p.split).toBe(userSplit('fixed', p.userId));
  });

  it('computes every metric on held-out rows beside its baseline', () => {
    expect(result.scores.length).toBeGreaterThanOrEqual(25);
    for (const s of result.scores) {
      expect(s.n, `${s.task}.${s.target}.${s.metric}`).toBeGreaterThan(0);
      expect(s.baseline).not.toBe('');
    }
  });

  it('personas: top-3 interests beat the population prior (interests drive which categories are browsed)', () => {
    const s = score('personas', 'interests', 'recall_at_3');
    expect(s.value).toBeGreaterThan(s.baselineValue);
  });

  it('personas: the interests ranker is chosen on training folds, and recall is reported by activity band over every held-out user', () => {
    const report = result.personas.interests;
    expect(report.validation.map((v) => v.candidate).sort()).toEqual(['learned', 'learned_needs', 'lift', 'profiles_t0.5', 'profiles_t1']);
    const best = Math.max(...report.validation.map((v) => v.recallAt3));
    expect(report.validation.find((v) => v.candidate === report.chosen)?.recallAt3).toBe(best);
    const s = score('personas', 'interests', 'recall_at_3');
    expect(report.bands.reduce((a, b) => a + b.users, 0)).toBe(s.n);
    // The bands' recalls, weighted by their users, make up the overall figure.
    const weighted = report.bands.filter((b) => b.users > 0).reduce((a, b) => a + b.recallAt3 * b.users, 0) / s.n;
    expect(weighted).toBeCloseTo(s.value, 9);
    // A shopper with no category event touched none of their interests.
    expect(report.bands.find((b) => b.band === '0' && b.users > 0)?.visibleShare ?? 0).toBe(0);
    expect(s.interval?.low).toBeLessThanOrEqual(s.value);
    expect(s.interval?.high).toBeGreaterThanOrEqual(s.value);
  });

  it('personas: gender where the population puts signal carries its bootstrap interval', () => {
    const s = score('personas', 'gender_where_signal', 'balanced_accuracy');
    expect(s.n).toBeGreaterThan(0);
    expect(s.interval?.low).toBeLessThanOrEqual(s.value);
    expect(s.interval?.high).toBeGreaterThanOrEqual(s.value);
    expect((s.interval?.high ?? 0) - (s.interval?.low ?? 0)).toBeGreaterThan(0);
  });

  it('personas: gender, age band and job are scored against majority and prior', () => {
    for (const target of ['gender', 'age_band', 'job']) {
      const ba = score('personas', target, 'balanced_accuracy');
      // The majority class's balanced accuracy is exactly 1 / classes present: the baseline is computed, not assumed.
      expect(ba.baselineValue).toBeCloseTo(1 / result.personas.confusion[target as 'gender'].matrix.filter((r) => r.some((v) => v > 0)).length, 9);
      expect(ba.value).toBeGreaterThanOrEqual(0);
      expect(ba.value).toBeLessThanOrEqual(1);
      const f1 = score('personas', target, 'macro_f1');
      expect(Number.isFinite(f1.value) && Number.isFinite(f1.baselineValue)).toBe(true);
    }
  });

  it('propensity: every model ranks held-out sessions better than the constant rate, from the events before checkout', () => {
    for (const model of ['logistic_regression', 'random_forest', 'knn']) {
      const auc = score('propensity', 'purchase', 'roc_auc', model);
      expect(auc.baselineValue).toBe(0.5);
      expect(auc.value, model).toBeGreaterThan(0.7);
      const pr = score('propensity', 'purchase', 'pr_auc', model);
      expect(pr.value, model).toBeGreaterThan(pr.baselineValue);
    }
    // Calibration (Brier) rests on the few held-out buyers of a 50-user run and may go either way here; what must
    // hold is that it is scored beside the base rate and that the scorecard says which side it fell on.
    const b = score('propensity', 'purchase', 'brier', 'logistic_regression');
    expect(b.baselineValue).toBeGreaterThan(0);
    expect(beats(b)).toBe(b.value < b.baselineValue);
  });

  it('recommendations: every model is scored beside popularity on the same held-out sessions, and the scorecard reports which side each falls on', () => {
    // Whether collaborative filtering beats popularity on one fixed 150-user run is a finding, not a promise
    // (the bench's larger run is where the target is judged; ALS's settings are tuned on a validation split): what must hold is
    // that every model is scored on the same held-out sessions beside popularity, and that the scorecard reports
    // each comparison the way the figures fall.
    const pop = result.recs.table.find((r) => r.model === 'popularity');
    const cf = result.recs.table.filter((r) => r.model !== 'popularity');
    expect(pop).toBeDefined();
    expect(cf.length).toBeGreaterThanOrEqual(3);
    for (const r of result.recs.table) {
      expect(r.hr, r.model).toBeGreaterThanOrEqual(0);
      expect(r.hr, r.model).toBeLessThanOrEqual(1);
    }
    for (const s of result.scores.filter((x) => x.task === 'recommendations' && x.metric === 'hr_at_10' && x.model !== 'popularity')) {
      expect(beats(s), s.model).toBe(s.value > s.baselineValue);
    }
  });

  it('segments: k-means clusters agree with the true personas more than a random partition of the same sizes', () => {
    const ari = score('segments', 'true_persona_segment', 'adjusted_rand_index', `kmeans_k${result.segments.k}`);
    expect(ari.value).toBeGreaterThan(ari.baselineValue);
    expect(result.segments.silhouetteByK.length).toBeGreaterThan(0);
    const churn = score('segments', 'churn_no_visit_next_week', 'roc_auc');
    expect(churn.baselineValue).toBe(0.5);
  });

  // Training again takes as long as the first time, which on a shared, loaded machine is well over the default timeout.
  it('is deterministic from its seed', () => {
    const again = trainAll(ds, 'fixed');
    expect(again.scores).toEqual(result.scores);
  }, 600_000);

  it('shoplab predict writes the four CSVs with the issue columns and metrics.json; scoreSession matches the CSV', async () => {
    await shoplab('predict', '--data', dir);
    const read = (name: string): string[] => readFileSync(join(dir, 'insights', 'predictions', `${name}.csv`), 'utf8').trim().split('\n');
    const personas = read('personas');
    expect(personas[0]).toBe('user_pseudo_id,split,gender,age_band,job,interests');
    expect(personas.length - 1).toBe(ds.users.length);
    expect(personas.slice(1).every((l) => /,(train|test),/.test(l) && (l.split(',')[5] ?? '').split('|').length === 3)).toBe(true);
    const sessions = read('sessions');
    expect(sessions[0]).toBe('user_pseudo_id,ga_session_id,split,propensity');
    expect(sessions.length - 1).toBe(ds.sessions.length);
    expect(read('segments')[0]).toBe('user_pseudo_id,rfm_segment,cluster');
    const recs = read('recommendations');
    expect(recs[0]).toBe('user_pseudo_id,rank,item_id');
    expect(recs.length - 1).toBe(ds.users.length * 10);
    const metrics = JSON.parse(readFileSync(join(dir, 'insights', 'metrics.json'), 'utf8')) as { metrics: Score[] };
    expect(metrics.metrics).toEqual(result.scores);
    expect(metrics.metrics.filter((s) => !beats(s)).length).toBe(result.scores.filter((s) => !beats(s)).length);

    const model = loadPropensityModel(dir);
    const s0 = ds.sessions[0] as Dataset['sessions'][number];
    const line = sessions.find((l) => l.startsWith(`${s0.userId},${s0.gaSessionId},`)) ?? '';
    const csvScore = Number(line.split(',')[3]);
    expect(scoreSession(model, { events: prefixBeforeCheckout(s0.events), sessionNumber: s0.sessionNumber, device: s0.device })).toBeCloseTo(csvScore, 5);
  }, 900_000);

  it('shoplab report writes one self-contained HTML file', async () => {
    const out = (await shoplab('report', '--data', dir)).trim();
    expect(existsSync(out)).toBe(true);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href="https?:/);
    expect(html).toContain('What the data suggests changing in the store');
  }, 300_000);
});
