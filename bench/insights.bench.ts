/**
 * Insights: training time, propensity scoring throughput and the issue's target metrics, on a fixed-seed run of
 * the default population (`shoplab simulate`, SHOPLAB_INSIGHTS_USERS users over the 14 days from 2026-11-21, seed
 * `insights-bench`, default 1000 users: enough held-out shoppers for the gender figure to have an interval narrower
 * than its distance to the target), or on an
 * existing data directory (SHOPLAB_INSIGHTS_DATA, e.g. one kept from an earlier run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateCommand } from '../cli/simulate';
import { loadDataset } from '../insights/dataset';
import { trainAll } from '../insights/insights';
import { activityBand, categoryEventCounts, categoryNeeds } from '../insights/personas';
import { prefixBeforeCheckout, sessionFeatures } from '../insights/propensity';
import { scoreFeatures } from '../insights/score';
import type { Score } from '../insights/scorecard';
import { DEFAULT_POPULATION_PATH, loadPopulationFile } from '../simulator/population-file';
import { Warehouse } from '../warehouse/warehouse';
import type { Figure } from './figure';
import { idealInterestsRecall } from './interests-ceiling';

export async function run(): Promise<Figure[]> {
  const given = process.env.SHOPLAB_INSIGHTS_DATA;
  const users = Number(process.env.SHOPLAB_INSIGHTS_USERS ?? 1000);
  if (!Number.isInteger(users) || users < 10) throw new Error(`SHOPLAB_INSIGHTS_USERS must be an integer ≥ 10, got ${process.env.SHOPLAB_INSIGHTS_USERS}`);
  const dataDir = given ?? mkdtempSync(join(tmpdir(), 'shoplab-insights-bench-'));
  try {
    if (!given) {
      // A fixed start as well as the seed: without it the run would end now, and its weekdays change daily.
      await simulateCommand({ users, days: 14, start: Date.UTC(2026, 10, 21), seed: 'insights-bench', concurrency: 2, data: dataDir, population: DEFAULT_POPULATION_PATH, quiet: !process.stderr.isTTY });
    }
    const wh = await Warehouse.open({ dataDir, readOnly: true });
    const t0 = performance.now();
    const ds = await loadDataset(wh).finally(() => wh.close());
    const loadS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const r = trainAll(ds, 'bench');
    const trainS = (performance.now() - t1) / 1000;

    // Scoring as the server does it: features of a live session's events so far, then the saved logistic model.
    const scorer = { features: r.propensity.model.features, logistic: r.propensity.model.logistic };
    const live = ds.sessions.map((s) => ({ events: prefixBeforeCheckout(s.events), sessionNumber: s.sessionNumber, device: s.device }));
    let scored = 0;
    let sink = 0;
    const t2 = performance.now();
    while (performance.now() - t2 < 1000) {
      for (const s of live) sink += scoreFeatures(scorer, sessionFeatures(s));
      scored += live.length;
    }
    const rate = scored / ((performance.now() - t2) / 1000);
    if (!Number.isFinite(sink)) throw new Error('propensity scores are not finite');

    // The most the data could give: the ideal reader of each held-out shopper's number of category events.
    const activity = categoryEventCounts(ds);
    const heldOut = r.personas.predictions.filter((p) => p.split === 'test').map((p) => activity.get(p.userId)?.events ?? 0);
    const population = loadPopulationFile(DEFAULT_POPULATION_PATH);
    const ceiling = idealInterestsRecall(population, ds.categories, heldOut, 'insights-bench/ceiling');
    // The same reader given only as many draws as the shopper had session needs (a category engaged in a session):
    // the events of one need are one choice, so this is the bound the data's real number of choices allows.
    const needs = categoryNeeds(ds);
    const testIds = r.personas.predictions.filter((p) => p.split === 'test').map((p) => p.userId);
    const needDraws = testIds.map((id) => (needs.get(id) ?? []).reduce((a, b) => a + b, 0));
    const needsCeiling = idealInterestsRecall(population, ds.categories, needDraws, 'insights-bench/ceiling', 20_000, 3, heldOut.map(activityBand));

    const pick = (task: string, target: string, metric: string, model?: string): Score | undefined =>
      r.scores.find((s) => s.task === task && s.target === target && s.metric === metric && (model === undefined || s.model === model));
    const interval = (sc: Score | undefined): string => (sc?.interval ? `${sc.interval.low.toFixed(3)}–${sc.interval.high.toFixed(3)}` : 'n/a');
    const gender = pick('personas', 'gender_where_signal', 'balanced_accuracy');
    const genderAll = pick('personas', 'gender', 'balanced_accuracy');
    const interests = pick('personas', 'interests', 'recall_at_3');
    const auc = pick('propensity', 'purchase', 'roc_auc', 'logistic_regression');
    const aucForest = pick('propensity', 'purchase', 'roc_auc', 'random_forest');
    const als = pick('recommendations', 'held_out_session', 'hr_at_10', 'implicit_als');
    const itemItem = pick('recommendations', 'held_out_session', 'hr_at_10', 'item_item_cf');
    const ari = pick('segments', 'true_persona_segment', 'adjusted_rand_index', `kmeans_k${r.segments.k}`);
    return [
      { name: 'insights.data', value: ds.manifest.sessions, unit: `sessions of ${ds.manifest.users} users` },
      { name: 'insights.load_time', value: loadS, unit: 's (analysis models from DuckDB)' },
      { name: 'insights.training_time', value: trainS, unit: `s (${Object.entries(r.timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')})` },
      { name: 'insights.propensity_scoring_throughput', value: Math.round(rate), unit: 'sessions/s (features + logistic model, one core)' },
      { name: 'insights.gender_balanced_accuracy', value: gender?.value ?? NaN, unit: `(95 % ${interval(gender)}; female/male shoppers whose interests send ≥ 1/4 of category choices to women's/men's fashion and beauty, n=${gender?.n}; majority ${gender?.baselineValue.toFixed(3)}; target ≥ 0.80)` },
      { name: 'insights.gender_balanced_accuracy_all', value: genderAll?.value ?? NaN, unit: `(every held-out user, 3 classes, n=${genderAll?.n}; majority ${genderAll?.baselineValue.toFixed(3)})` },
      { name: 'insights.interests_recall_at_3', value: interests?.value ?? NaN, unit: `(95 % ${interval(interests)}; ${r.personas.interests.chosen}, chosen on validation folds; prior ${interests?.baselineValue.toFixed(3)}; n=${interests?.n}; target ≥ 0.8)` },
      ...r.personas.interests.bands.map((b) => ({
        name: `insights.interests_recall_at_3.events_${b.band}`,
        value: b.recallAt3,
        unit: `(held-out users with ${b.band} category events: ${b.users}; prior ${b.priorRecallAt3.toFixed(3)}; true top three touched ${b.visibleShare.toFixed(3)}; ideal reader ${(ceiling.byBand[b.band] ?? NaN).toFixed(3)}, of the needs ${(needsCeiling.byBand[b.band] ?? NaN).toFixed(3)})`,
      })),
      { name: 'insights.interests_recall_at_3_ideal_reader', value: ceiling.overall, unit: `(upper bound: exact Bayes on clean draws from the population, the held-out users' event counts; bench/interests-ceiling.ts)` },
      { name: 'insights.interests_recall_at_3_ideal_reader_of_needs', value: needsCeiling.overall, unit: `(the same reader given as many draws as each held-out user had session needs)` },
      { name: 'insights.propensity_roc_auc', value: auc?.value ?? NaN, unit: `(logistic; forest ${aucForest?.value.toFixed(3)}; constant rate 0.5; target ≥ 0.90)` },
      { name: 'insights.user_item_cf_hr_at_10', value: als?.value ?? NaN, unit: `(implicit ALS ${JSON.stringify(r.recs.alsTuning.settings)} chosen on a validation split; item-item ${itemItem?.value.toFixed(3)}; popularity ${als?.baselineValue.toFixed(3)})` },
      { name: 'insights.kmeans_ari', value: ari?.value ?? NaN, unit: `(k=${r.segments.k} vs true persona segments; random partition ${ari?.baselineValue.toFixed(3)})` },
    ];
  } finally {
    if (!given) rmSync(dataDir, { recursive: true, force: true });
  }
}
