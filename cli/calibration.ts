/**
 * The figures the default population is calibrated to (docs/population.md, REFERENCE-GA4 §4), read back from a
 * run's GA4 export rows: one definition of each band, shared by the calibration test (cli/calibration.test.ts)
 * and the calibration bench (bench/calibration.bench.ts).
 */
import { modelSql } from '../analysis/models';
import { BIGQUERY_SESSION_SETUP } from '../warehouse/bigquery/query-bigquery';
import type { Warehouse } from '../warehouse/warehouse';

export interface Benchmark {
  name: string;
  unit: string;
  low: number;
  high: number;
  source: string;
}

/** The public ranges of REFERENCE-GA4 §4; vendors differ, so ranges. */
export const BENCHMARKS: readonly Benchmark[] = [
  { name: 'session_conversion_rate', unit: '%', low: 1.2, high: 3.0, source: 'Littledata 1.4 %, Contentsquare/Invesp 2.3-2.6 %' },
  { name: 'cart_abandonment_rate', unit: '%', low: 60, high: 80, source: 'Baymard ~70 %' },
  { name: 'add_to_cart_rate', unit: '%', low: 3, high: 12, source: 'Littledata ~5 % of sessions' },
  { name: 'bounce_rate', unit: '%', low: 37, high: 57, source: 'cross-industry ~47 %' },
  { name: 'median_engaged_session_duration', unit: 's', low: 75, high: 210, source: 'ecommerce quartiles 75 / 127 / 210 s' },
  { name: 'device_mobile', unit: '%', low: 52, high: 68, source: 'Contentsquare 2021 ~60 %' },
  { name: 'device_desktop', unit: '%', low: 27, high: 43, source: 'Contentsquare 2021 ~35 %' },
  { name: 'device_tablet', unit: '%', low: 1, high: 7, source: 'Contentsquare 2021 ~3 %' },
  { name: 'purchase_session_page_views', unit: 'page views', low: 15, high: 40, source: 'purchase sessions: on the order of 20 page views' },
  { name: 'purchaser_page_view_ratio', unit: '×', low: 3, high: 20, source: "GA4 public sample: purchasers' page views per user several times non-purchasers'" },
  { name: 'events_per_session', unit: 'events', low: 6, high: 20, source: 'real GA4 stores ~12 events a session' },
];

/**
 * The run's sessions and users as the analysis stage defines them (analysis/models/sessions.sql): this file only
 * aggregates them into the benchmark figures.
 */
const FIGURES_SQL = (sessions: string): string => `
  WITH s AS (
    SELECT * FROM (${sessions}) WHERE run_id = ?
  ), u AS (
    SELECT client_key, sum(page_views) AS page_views, bool_or(converted) AS purchaser FROM s GROUP BY ALL
  )
  SELECT count(*) AS sessions,
         count(*) FILTER (WHERE converted) AS purchases,
         count(*) FILTER (WHERE added_to_cart) AS carted,
         count(*) FILTER (WHERE added_to_cart AND converted) AS carted_purchased,
         count(*) FILTER (WHERE NOT engaged) AS bounced,
         median(duration_s) FILTER (WHERE engaged) AS median_engaged_seconds,
         count(*) FILTER (WHERE device_category = 'mobile') AS mobile,
         count(*) FILTER (WHERE device_category = 'desktop') AS desktop,
         count(*) FILTER (WHERE device_category = 'tablet') AS tablet,
         avg(events) AS events_per_session,
         avg(page_views) AS page_views_per_session,
         avg(page_views) FILTER (WHERE converted) AS purchase_session_page_views,
         (SELECT avg(page_views) FILTER (WHERE purchaser) FROM u) AS purchaser_page_views,
         (SELECT avg(page_views) FILTER (WHERE NOT purchaser) FROM u) AS non_purchaser_page_views,
         (SELECT count(*) FILTER (WHERE purchaser) FROM u) AS purchasers,
         (SELECT count(*) FROM u) AS users
  FROM s`;

/** Every figure of BENCHMARKS for the run `runId`, plus the counts behind them. */
export async function calibrationFigures(wh: Warehouse, runId: string): Promise<Record<string, number>> {
  const [r] = await wh.query(`${BIGQUERY_SESSION_SETUP};\n${FIGURES_SQL(modelSql('sessions', { dataset: wh.dataset }))}`, [runId]);
  const n = Number(r?.sessions ?? 0);
  if (!r || n === 0) throw new Error(`no sessions of run ${runId} in the warehouse`);
  const num = (k: string): number => (r[k] === null || r[k] === undefined ? NaN : Number(r[k]));
  const pct = (k: string, of = n): number => (of > 0 ? (100 * num(k)) / of : NaN);
  return {
    sessions: n,
    users: num('users'),
    purchases: num('purchases'),
    purchasers: num('purchasers'),
    session_conversion_rate: pct('purchases'),
    cart_abandonment_rate: num('carted') > 0 ? 100 - pct('carted_purchased', num('carted')) : NaN,
    add_to_cart_rate: pct('carted'),
    bounce_rate: pct('bounced'),
    median_engaged_session_duration: num('median_engaged_seconds'),
    device_mobile: pct('mobile'),
    device_desktop: pct('desktop'),
    device_tablet: pct('tablet'),
    page_views_per_session: num('page_views_per_session'),
    purchase_session_page_views: num('purchase_session_page_views'),
    purchaser_page_views: num('purchaser_page_views'),
    non_purchaser_page_views: num('non_purchaser_page_views'),
    purchaser_page_view_ratio: num('purchaser_page_views') / num('non_purchaser_page_views'),
    events_per_session: num('events_per_session'),
  };
}
