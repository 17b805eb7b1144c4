/**
 * The equivalence suite: GA4 export analyses written in BigQuery SQL, as analysts write them against
 * `project.dataset.events_*`, return the same rows as hand-written DuckDB SQL over the local table.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse, type ExportRow } from '../warehouse';
import { GA4_ANALYSES, type Ga4Analysis } from './ga4-analyses';
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

async function bothWays({ bigquery, duckdb }: Ga4Analysis): Promise<Record<string, unknown>[]> {
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
    const result = await bothWays(GA4_ANALYSES.eventsByDateAndName);
    expect(result.reduce((n, r) => n + Number(r.events), 0)).toBe(inRange.length);
    expect(result.map((r) => r.day)).not.toContain('2026-10-31');
  });

  it('users and new users (first_visit) per day', async () => {
    const result = await bothWays(GA4_ANALYSES.usersAndNewUsers);
    const newUsers = inRange.filter((r) => r.event_name === 'first_visit').length;
    expect(result.reduce((n, r) => n + Number(r.new_users), 0)).toBe(newUsers);
  });

  it('revenue per purchase session', async () => {
    const result = await bothWays(GA4_ANALYSES.revenuePerPurchaseSession);
    const purchases = inRange.filter((r) => r.event_name === 'purchase');
    const revenue = purchases.reduce((sum, r) => sum + (r.ecommerce?.purchase_revenue ?? 0), 0);
    expect(result.reduce((sum, r) => sum + Number(r.revenue), 0)).toBeCloseTo(revenue, 6);
    expect(result.reduce((n, r) => n + Number(r.units), 0)).toBe(purchases.reduce((n, r) => n + r.items.reduce((q, i) => q + (i.quantity ?? 0), 0), 0));
  });

  it('items bought together', async () => {
    const result = await bothWays(GA4_ANALYSES.itemsBoughtTogether);
    const pairs = inRange
      .filter((r) => r.event_name === 'purchase')
      .reduce((n, r) => n + (r.items.length * (r.items.length - 1)) / 2, 0);
    expect(result.reduce((n, r) => n + Number(r.orders), 0)).toBe(pairs);
  });

  it('latest session per user, with QUALIFY ROW_NUMBER()', async () => {
    const result = await bothWays(GA4_ANALYSES.latestSessionQualify);
    expect(new Set(result.map((r) => r.user_pseudo_id)).size).toBe(result.length);
    expect(result.some((r) => Number(r.session_number) > 1)).toBe(true);
  });

  it('latest session per user, with ARRAY_AGG(STRUCT(…) ORDER BY … LIMIT 1)[OFFSET(0)]', async () => {
    await bothWays(GA4_ANALYSES.latestSessionArrayAgg);
  });

  it('session funnel view_item → add_to_cart → begin_checkout → purchase', async () => {
    const [funnel] = await bothWays(GA4_ANALYSES.sessionFunnel);
    expect(funnel?.purchase).toBe(inRange.filter((r) => r.event_name === 'purchase').length);
    expect(Number(funnel?.view_item)).toBeGreaterThan(Number(funnel?.purchase));
  });

  it('items bought by the buyers of one item: DECLARE, and UNNEST(items) AS items shadowing the column', async () => {
    const result = await bothWays(GA4_ANALYSES.coPurchasedItems);
    const purchases = inRange.filter((r) => r.event_name === 'purchase');
    const buyers = new Set(purchases.filter((r) => r.items.some((i) => i.item_name === 'Mug')).map((r) => r.user_pseudo_id));
    const units = purchases
      .filter((r) => buyers.has(r.user_pseudo_id))
      .flatMap((r) => r.items)
      .filter((i) => i.item_name !== 'Mug')
      .reduce((n, i) => n + (i.quantity ?? 0), 0);
    expect(result.reduce((n, r) => n + Number(r.units), 0)).toBe(units);
    expect(result.map((r) => r.item_name)).not.toContain('Mug');
  });

  it('latest session of chosen users: DECLARE … ARRAY<STRING>, SET, temp functions with ANY TYPE and typed parameters', async () => {
    const result = await bothWays(GA4_ANALYSES.latestSessionOfBuyers);
    expect(result.length).toBeLessThanOrEqual(5);
    expect(result.every((r) => typeof r.ga_session_id === 'number')).toBe(true);
  });

  it('daily conversion: a DEFAULT computed from an earlier variable, RETURNS, a temp function over UNNEST(params)', async () => {
    const result = await bothWays(GA4_ANALYSES.dailyConversion);
    const sessionStarts = inRange.filter((r) => r.event_name === 'session_start').length;
    expect(result.reduce((n, r) => n + Number(r.sessions), 0)).toBeGreaterThanOrEqual(sessionStarts);
    expect(result.some((r) => Number(r.purchase_sessions) > 0)).toBe(true);
  });
});
