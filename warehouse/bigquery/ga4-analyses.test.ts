/**
 * The equivalence suite: GA4 export analyses written in BigQuery SQL, as analysts write them against
 * `project.dataset.events_*`, return the same rows as hand-written DuckDB SQL over the local table.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse, type ExportRow } from '../warehouse';
import { queryBigQuery } from './query-bigquery';
import { sampleExport } from './sample-export';

let dir: string;
let warehouse: Warehouse;
let rows: ExportRow[];
/** Rows inside the range every query below reads (the sample also has rows on 20261031, outside it). */
let inRange: ExportRow[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'shoplab-bigquery-'));
  warehouse = await Warehouse.open({ dataDir: dir, property: '123456' });
  rows = sampleExport();
  await warehouse.insertEvents(rows);
  inRange = rows.filter((r) => r.event_date >= '20261101' && r.event_date <= '20261130');
});

afterAll(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

async function bothWays(bigquery: string, duckdb: string): Promise<Record<string, unknown>[]> {
  const [fromBigQuery, fromDuckDb] = await Promise.all([queryBigQuery(warehouse, bigquery), warehouse.query(duckdb)]);
  expect(fromBigQuery.length).toBeGreaterThan(0);
  expect(fromBigQuery).toEqual(fromDuckDb);
  return fromBigQuery;
}

describe('GA4 analyses in BigQuery SQL give the same answers as hand-written DuckDB SQL', () => {
  it('the sample covers several days, users with several sessions, and multi-item purchases', () => {
    expect(new Set(rows.map((r) => r.event_date)).size).toBeGreaterThanOrEqual(4);
    expect(rows.filter((r) => r.event_name === 'purchase' && r.items.length > 1).length).toBeGreaterThan(2);
    expect(rows.filter((r) => r.event_name === 'session_start' && r.event_params.some((p) => p.key === 'ga_session_number' && (p.value.int_value ?? 0) > 1)).length).toBeGreaterThan(2);
  });

  it('events by date and name', async () => {
    const result = await bothWays(
      `SELECT
         FORMAT_DATE('%F', PARSE_DATE('%Y%m%d', event_date)) AS day,
         event_name,
         COUNT(*) AS events,
         COUNT(DISTINCT user_pseudo_id) AS users,
       FROM \`shoplab-demo.analytics_123456.events_*\`
       WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130'
       GROUP BY day, event_name
       ORDER BY day, event_name`,
      `SELECT strftime(strptime(event_date, '%Y%m%d'), '%Y-%m-%d') AS day, event_name, count(*) AS events,
              count(DISTINCT user_pseudo_id) AS users
       FROM analytics_123456.events
       WHERE event_date >= '20261101' AND event_date <= '20261130'
       GROUP BY ALL ORDER BY day, event_name`,
    );
    expect(result.reduce((n, r) => n + Number(r.events), 0)).toBe(inRange.length);
    expect(result.map((r) => r.day)).not.toContain('2026-10-31');
  });

  it('users and new users (first_visit) per day', async () => {
    const result = await bothWays(
      `SELECT
         event_date,
         COUNT(DISTINCT user_pseudo_id) AS users,
         COUNT(DISTINCT IF(event_name = 'first_visit', user_pseudo_id, NULL)) AS new_users,
         COUNTIF(event_name = 'session_start') AS sessions,
         ROUND(SAFE_DIVIDE(COUNTIF(event_name = 'first_visit'), COUNT(DISTINCT user_pseudo_id)), 4) AS new_user_share,
       FROM \`shoplab-demo\`.analytics_123456.\`events_*\`
       WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261103'
       GROUP BY event_date
       ORDER BY event_date`,
      `SELECT event_date, count(DISTINCT user_pseudo_id) AS users,
              count(DISTINCT user_pseudo_id) FILTER (WHERE event_name = 'first_visit') AS new_users,
              count(*) FILTER (WHERE event_name = 'session_start') AS sessions,
              round(count(*) FILTER (WHERE event_name = 'first_visit') / count(DISTINCT user_pseudo_id), 4) AS new_user_share
       FROM analytics_123456.events
       WHERE event_date BETWEEN '20261101' AND '20261103'
       GROUP BY event_date ORDER BY event_date`,
    );
    const newUsers = inRange.filter((r) => r.event_name === 'first_visit').length;
    expect(result.reduce((n, r) => n + Number(r.new_users), 0)).toBe(newUsers);
  });

  it('revenue per purchase session', async () => {
    const result = await bothWays(
      `WITH purchases AS (
         SELECT
           user_pseudo_id,
           (SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_id') AS session_id,
           ecommerce.transaction_id,
           ecommerce.purchase_revenue AS revenue,
           (SELECT SUM(item.quantity) FROM UNNEST(items) AS item) AS units
         FROM \`shoplab-demo.analytics_123456.events_*\`
         WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130'
           AND event_name = 'purchase'
       )
       SELECT user_pseudo_id, session_id, COUNT(DISTINCT transaction_id) AS orders,
         ROUND(SUM(revenue), 2) AS revenue, SUM(units) AS units
       FROM purchases
       GROUP BY 1, 2
       ORDER BY revenue DESC, user_pseudo_id, session_id`,
      `SELECT e.user_pseudo_id, p.value.int_value AS session_id, count(DISTINCT e.ecommerce.transaction_id) AS orders,
              round(sum(e.ecommerce.purchase_revenue), 2) AS revenue, sum(list_sum([i.quantity FOR i IN e.items])) AS units
       FROM analytics_123456.events AS e, unnest(e.event_params) AS t(p)
       WHERE e.event_name = 'purchase' AND p.key = 'ga_session_id' AND e.event_date BETWEEN '20261101' AND '20261130'
       GROUP BY ALL ORDER BY revenue DESC, e.user_pseudo_id, session_id`,
    );
    const purchases = inRange.filter((r) => r.event_name === 'purchase');
    const revenue = purchases.reduce((sum, r) => sum + (r.ecommerce?.purchase_revenue ?? 0), 0);
    expect(result.reduce((sum, r) => sum + Number(r.revenue), 0)).toBeCloseTo(revenue, 6);
    expect(result.reduce((n, r) => n + Number(r.units), 0)).toBe(purchases.reduce((n, r) => n + r.items.reduce((q, i) => q + (i.quantity ?? 0), 0), 0));
  });

  it('items bought together', async () => {
    const result = await bothWays(
      `WITH bought AS (
         SELECT ecommerce.transaction_id, item.item_id
         FROM \`shoplab-demo.analytics_123456.events_*\`, UNNEST(items) AS item
         WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130' AND event_name = 'purchase'
       )
       SELECT a.item_id AS item_a, b.item_id AS item_b, COUNT(DISTINCT a.transaction_id) AS orders
       FROM bought AS a
       JOIN bought AS b ON a.transaction_id = b.transaction_id AND a.item_id < b.item_id
       GROUP BY 1, 2
       ORDER BY orders DESC, item_a, item_b`,
      `WITH lines AS (
         SELECT DISTINCT e.ecommerce.transaction_id AS transaction_id, i.item_id AS item_id
         FROM analytics_123456.events AS e, unnest(e.items) AS t(i)
         WHERE e.event_name = 'purchase' AND e.event_date BETWEEN '20261101' AND '20261130'
       )
       SELECT a.item_id AS item_a, b.item_id AS item_b, count(*) AS orders
       FROM lines a JOIN lines b ON a.transaction_id = b.transaction_id AND a.item_id < b.item_id
       GROUP BY ALL ORDER BY orders DESC, item_a, item_b`,
    );
    const pairs = inRange
      .filter((r) => r.event_name === 'purchase')
      .reduce((n, r) => n + (r.items.length * (r.items.length - 1)) / 2, 0);
    expect(result.reduce((n, r) => n + Number(r.orders), 0)).toBe(pairs);
  });

  const sessionsCte = `
    WITH events AS (
      SELECT
        user_pseudo_id,
        event_timestamp,
        (SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_id') AS session_id,
        (SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_number') AS session_number
      FROM \`shoplab-demo.analytics_123456.events_*\`
      WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130'
    ),
    sessions AS (
      SELECT user_pseudo_id, session_id, MAX(session_number) AS session_number,
        MIN(event_timestamp) AS started, COUNT(*) AS events
      FROM events
      WHERE session_id IS NOT NULL
      GROUP BY user_pseudo_id, session_id
    )`;
  const latestSessionDuckDb = `
    WITH s AS (
      SELECT user_pseudo_id, event_timestamp,
             list_filter(event_params, lambda p: p.key = 'ga_session_id')[1].value.int_value AS session_id,
             list_filter(event_params, lambda p: p.key = 'ga_session_number')[1].value.int_value AS session_number
      FROM analytics_123456.events WHERE event_date BETWEEN '20261101' AND '20261130'
    ), sessions AS (
      SELECT user_pseudo_id, session_id, max(session_number) AS session_number, min(event_timestamp) AS started, count(*) AS events
      FROM s WHERE session_id IS NOT NULL GROUP BY ALL
    )
    SELECT user_pseudo_id, arg_max(session_id, started) AS session_id, arg_max(session_number, started) AS session_number,
           strftime(make_timestamp(max(started)), '%Y-%m-%d %H:%M:%S') AS started_at, arg_max(events, started) AS events
    FROM sessions GROUP BY user_pseudo_id ORDER BY user_pseudo_id`;

  it('latest session per user, with QUALIFY ROW_NUMBER()', async () => {
    const result = await bothWays(
      `${sessionsCte}
       SELECT user_pseudo_id, session_id, session_number,
         FORMAT_TIMESTAMP('%F %T', TIMESTAMP_MICROS(started)) AS started_at, events
       FROM sessions
       WHERE TRUE
       QUALIFY ROW_NUMBER() OVER (PARTITION BY user_pseudo_id ORDER BY started DESC) = 1
       ORDER BY user_pseudo_id`,
      latestSessionDuckDb,
    );
    expect(new Set(result.map((r) => r.user_pseudo_id)).size).toBe(result.length);
    expect(result.some((r) => Number(r.session_number) > 1)).toBe(true);
  });

  it('latest session per user, with ARRAY_AGG(STRUCT(…) ORDER BY … LIMIT 1)[OFFSET(0)]', async () => {
    await bothWays(
      `${sessionsCte},
       latest AS (
         SELECT user_pseudo_id,
           ARRAY_AGG(STRUCT(session_id, session_number, FORMAT_TIMESTAMP('%F %T', TIMESTAMP_MICROS(started)) AS started_at, events)
             ORDER BY started DESC LIMIT 1)[OFFSET(0)] AS s
         FROM sessions
         GROUP BY user_pseudo_id
       )
       SELECT user_pseudo_id, s.session_id, s.session_number, s.started_at, s.events
       FROM latest
       ORDER BY user_pseudo_id`,
      latestSessionDuckDb,
    );
  });

  it('session funnel view_item → add_to_cart → begin_checkout → purchase', async () => {
    const [funnel] = await bothWays(
      `WITH session_events AS (
         SELECT
           CONCAT(user_pseudo_id, '.', CAST(sid.value.int_value AS STRING)) AS session_key,
           event_name
         FROM \`shoplab-demo.analytics_123456.events_*\`
         LEFT JOIN UNNEST(event_params) AS sid ON sid.key = 'ga_session_id'
         WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130'
       ),
       per_session AS (
         SELECT
           session_key,
           COUNTIF(event_name = 'view_item') > 0 AS viewed_item,
           COUNTIF(event_name = 'add_to_cart') > 0 AS added_to_cart,
           LOGICAL_OR(event_name = 'begin_checkout') AS began_checkout,
           COUNTIF(event_name = 'purchase') > 0 AS purchased,
         FROM session_events
         GROUP BY session_key
       )
       SELECT
         COUNT(*) AS sessions,
         COUNTIF(viewed_item) AS view_item,
         COUNTIF(viewed_item AND added_to_cart) AS add_to_cart,
         COUNTIF(viewed_item AND added_to_cart AND began_checkout) AS begin_checkout,
         COUNTIF(viewed_item AND added_to_cart AND began_checkout AND purchased) AS purchase,
         ROUND(SAFE_DIVIDE(COUNTIF(viewed_item AND added_to_cart AND began_checkout AND purchased), COUNTIF(viewed_item)), 4) AS view_to_purchase,
       FROM per_session`,
      `WITH per_session AS (
         SELECT user_pseudo_id, p.value.int_value AS session_id,
                bool_or(event_name = 'view_item') AS v, bool_or(event_name = 'add_to_cart') AS a,
                bool_or(event_name = 'begin_checkout') AS c, bool_or(event_name = 'purchase') AS b
         FROM analytics_123456.events, unnest(event_params) AS t(p)
         WHERE p.key = 'ga_session_id' AND event_date BETWEEN '20261101' AND '20261130'
         GROUP BY ALL
       )
       SELECT count(*) AS sessions, count(*) FILTER (WHERE v) AS view_item, count(*) FILTER (WHERE v AND a) AS add_to_cart,
              count(*) FILTER (WHERE v AND a AND c) AS begin_checkout, count(*) FILTER (WHERE v AND a AND c AND b) AS purchase,
              round(count(*) FILTER (WHERE v AND a AND c AND b) / count(*) FILTER (WHERE v), 4) AS view_to_purchase
       FROM per_session`,
    );
    expect(funnel?.purchase).toBe(inRange.filter((r) => r.event_name === 'purchase').length);
    expect(Number(funnel?.view_item)).toBeGreaterThan(Number(funnel?.purchase));
  });
});
