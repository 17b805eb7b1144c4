import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toExportValue } from '../ga4/export-schema';
import { lexBigQuery } from '../warehouse/bigquery/lex-bigquery';
import { sampleEcommerce, sampleItem, sampleRow } from '../warehouse/test-fixtures';
import type { ExportRow } from '../warehouse/export-row';
import { Warehouse } from '../warehouse/warehouse';
import { BIGQUERY_SESSION_SETUP } from '../warehouse/bigquery/query-bigquery';
import { MODELS, modelDependencies, modelRefs, modelSql, queryModel } from './models';

const DAY = 86_400_000_000;
const T0 = Date.UTC(2026, 10, 2, 9) * 1000; // 2026-11-02 09:00 UTC, in micros

/** One event of a session: params as GA4's tag sends them. */
function ev(user: string, sid: number, at: number, name: string, extra: Partial<ExportRow> = {}, params: Record<string, string | number> = {}): ExportRow {
  const all: Record<string, string | number> = { ga_session_id: sid, ga_session_number: 1, shoplab_run_id: 'r1', engagement_time_msec: 1000, ...params };
  const date = new Date(at / 1000).toISOString().slice(0, 10).replaceAll('-', '');
  return sampleRow({
    event_date: date,
    event_timestamp: at,
    event_name: name,
    user_pseudo_id: user,
    event_params: Object.entries(all).map(([key, v]) => ({ key, value: toExportValue(v) })),
    ecommerce: name === 'purchase' ? sampleEcommerce({ purchase_revenue: 40, transaction_id: `T-${user}` }) : null,
    items: [],
    geo: { city: null, country: 'Germany', continent: 'Europe', region: 'DE-BE', sub_continent: 'Western Europe', metro: null },
    traffic_source: { name: '(direct)', medium: '(none)', source: '(direct)' },
    ...extra,
  });
}

function b64md5(text: string): string {
  return createHash('md5').update(text).digest('base64');
}

describe('analysis models on a real DuckDB warehouse', () => {
  let dir: string;
  let wh: Warehouse;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shoplab-analysis-'));
    wh = await Warehouse.open({ dataDir: dir });
    const rows: ExportRow[] = [
      // u1, session 100: lands on /, views a product, buys; engaged. 3 page views.
      ev('u1', 100, T0, 'session_start', {}, { page_location: 'https://shop.example/?utm_source=news&utm_medium=email' }),
      ev('u1', 100, T0 + 1, 'page_view', { collected_traffic_source: null }, { page_location: 'https://shop.example/', session_engaged: '1' }),
      ev('u1', 100, T0 + 5_000_000, 'page_view', {}, { page_location: 'https://shop.example/product/a/' }),
      ev('u1', 100, T0 + 6_000_000, 'view_item', {}, { page_location: 'https://shop.example/product/a/' }),
      ev('u1', 100, T0 + 9_000_000, 'add_to_cart', {}, { page_location: 'https://shop.example/product/a/' }),
      ev('u1', 100, T0 + 20_000_000, 'page_view', {}, { page_location: 'https://shop.example/checkout/' }),
      ev('u1', 100, T0 + 21_000_000, 'begin_checkout', {}, { page_location: 'https://shop.example/checkout/' }),
      ev('u1', 100, T0 + 60_000_000, 'purchase', {}, { page_location: 'https://shop.example/checkout/' }),
      // u1 comes back two days later, session 200 (number 2): one page view, bounces.
      ev('u1', 200, T0 + 2 * DAY, 'page_view', {}, { page_location: 'https://shop.example/', ga_session_number: 2 }),
      // u2, one session of two page views on a phone, from a campaign link.
      ev('u2', 300, T0 + DAY, 'page_view', { device: { ...sampleRow().device!, category: 'mobile' } }, { page_location: 'https://shop.example/?utm_source=news&utm_medium=email', session_engaged: '1' }),
      ev('u2', 300, T0 + DAY + 30_000_000, 'page_view', { device: { ...sampleRow().device!, category: 'mobile' } }, { page_location: 'https://shop.example/sale/' }),
      // Another run's user, and an event without a session id (left out of sessions).
      ev('u3', 400, T0 + DAY, 'page_view', {}, { page_location: 'https://shop.example/', shoplab_run_id: 'r2' }),
      sampleRow({ user_pseudo_id: 'u4', event_params: [], event_date: '20261102', event_timestamp: T0 }),
    ];
    rows[9]!.collected_traffic_source = { manual_campaign_id: null, manual_campaign_name: 'nov', manual_source: 'news', manual_medium: 'email', manual_term: null, manual_content: null, manual_source_platform: null, manual_creative_format: null, manual_marketing_tactic: null, gclid: null, dclid: null, srsltid: null };
    await wh.insertEvents(rows);
  });

  afterAll(async () => {
    await wh.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sessions: one row per client and ga_session_id, with the facts of its events', async () => {
    const rows = await queryModel(wh, 'sessions', { where: 'run_id = ?', params: ['r1'], orderBy: 'session_start_micros' });
    expect(rows.map((r) => [r.user_pseudo_id, r.ga_session_id])).toEqual([
      ['u1', 100],
      ['u2', 300],
      ['u1', 200],
    ]);
    const [buy, phone, bounce] = rows;
    expect(buy).toMatchObject({
      page_views: 3,
      events: 8,
      engaged: true,
      duration_s: 60,
      landing_page: 'https://shop.example/',
      exit_page: 'https://shop.example/checkout/',
      added_to_cart: true,
      reached_checkout: true,
      converted: true,
      revenue: 40,
      transaction_id: 'T-u1',
      count_view_item: 1,
      device_category: 'desktop',
      region: 'DE-BE',
      session_number: 1,
      source: '(direct)',
      medium: '(none)',
    });
    expect(phone).toMatchObject({ page_views: 2, device_category: 'mobile', source: 'news', medium: 'email', converted: false, revenue: 0 });
    // A later session without campaign parameters is direct, whatever the user's first touch was.
    expect(bounce).toMatchObject({ page_views: 1, engaged: false, session_number: 2, source: '(direct)', duration_s: 0 });
  });

  it('keys: client_key and session_key as the GA4 community builds them (base64 of MD5 bytes)', async () => {
    const [row] = await queryModel(wh, 'sessions', { where: 'ga_session_id = ?', params: [100] });
    const clientKey = b64md5('u1' + '1000000001');
    expect(row?.client_key).toBe(clientKey);
    expect(row?.session_key).toBe(b64md5(clientKey + '100'));
  });

  it('users: sessions, purchases and RFM per client, recency from the latest session in the data', async () => {
    const rows = await queryModel(wh, 'users', { orderBy: 'user_pseudo_id' });
    expect(rows.map((r) => r.user_pseudo_id)).toEqual(['u1', 'u2', 'u3']);
    const [u1, u2] = rows;
    expect(u1).toMatchObject({ sessions: 2, engaged_sessions: 1, page_views: 4, purchases: 1, revenue: 40, frequency: 1, monetary: 40, recency_days: 0 });
    // u2's only session is a day before u1's last one.
    expect(u2).toMatchObject({ sessions: 1, page_views: 2, purchases: 0, recency_days: 1, device_category: 'mobile', first_source: 'news' });
  });

  it('pseudonymous_users: a row per user and active day; on the last one the lifetime values equal the users model', async () => {
    const rows = await queryModel(wh, 'pseudonymous_users', { orderBy: 'pseudo_user_id, occurrence_date' });
    const days = await wh.query('SELECT DISTINCT user_pseudo_id, event_date FROM analytics_shoplab.events ORDER BY 1, 2');
    expect(rows.map((r) => [r.pseudo_user_id, r.occurrence_date])).toEqual(days.map((d) => [d.user_pseudo_id, d.event_date]));
    for (const u of await queryModel(wh, 'users')) {
      const last = rows.filter((r) => r.pseudo_user_id === u.user_pseudo_id).at(-1);
      expect(last).toMatchObject({ ltv_sessions: u.sessions, ltv_purchases: u.purchases, ltv_revenue: u.revenue, ltv_engaged_sessions: u.engaged_sessions });
      expect(last?.user_first_touch_timestamp_micros).toBe(u.first_seen_micros);
    }
  });

  it('a model read from a table the caller materialized gives the rows of the model composed whole', async () => {
    const session = await wh.session();
    try {
      await session.query(`${BIGQUERY_SESSION_SETUP}; CREATE TEMP TABLE done_sessions AS ${modelSql('sessions')}`);
      const sql = modelSql('users', { materialized: { sessions: 'done_sessions' } });
      // sessions is read from the table, and stg_events (which only sessions needs) is not composed in at all.
      expect(sql).toMatch(/SELECT \* FROM "done_sessions"/);
      expect(sql).not.toMatch(/event_params|stg_events/);
      const read = await session.query(`${BIGQUERY_SESSION_SETUP}; SELECT * FROM (${sql}) ORDER BY user_pseudo_id`);
      expect(read).toEqual(await queryModel(wh, 'users', { orderBy: 'user_pseudo_id' }));
      expect(read.length).toBe(3);
      // What the table holds is what is read: one session less in it, one session less in users.
      await session.query(`DELETE FROM done_sessions WHERE ga_session_id = 200`);
      const fewer = await session.query(`${BIGQUERY_SESSION_SETUP}; SELECT * FROM (${sql}) WHERE user_pseudo_id = 'u1'`);
      expect(fewer[0]?.sessions).toBe(1);
      expect(modelSql('sessions', { materialized: { sessions: 'done_sessions' } })).toBe('SELECT * FROM "done_sessions"');
    } finally {
      await session.close();
    }
    expect(() => modelSql('users', { materialized: { sessions: 'temp.x; DROP TABLE y' } })).toThrow(/plain name/);
    expect(modelDependencies('users')).toEqual(['stg_events', 'sessions']);
  });

  it('a date range reads only those days of the export', async () => {
    const day2 = await queryModel(wh, 'sessions', { from: '2026-11-03', to: '2026-11-03' });
    expect(day2.map((r) => r.ga_session_id).sort()).toEqual([300, 400]);
    expect(() => modelSql('sessions', { from: '2026-13-01' })).toThrow(/--from must be a date/);
    expect(() => modelSql('sessions', { from: "20261101' OR 1=1 --" })).toThrow(/--from must be a date/);
    expect(() => modelSql('sessions', { from: '2026-11-05', to: '2026-11-01' })).toThrow(/after --to/);
  });

  it('every model composes for BigQuery: the wildcard table named once per use, no template left', () => {
    for (const name of MODELS) {
      const sql = modelSql(name, { target: 'bigquery', table: 'proj.analytics_1.events_*' });
      expect(sql).not.toMatch(/\{\{|\}\}/);
      expect(sql).toContain('`proj.analytics_1.events_*`');
      expect(() => lexBigQuery(sql)).not.toThrow();
    }
    expect(modelRefs('users')).toEqual(['sessions']);
    expect(() => modelSql('users', { target: 'bigquery' })).toThrow(/needs the table/);
  });
});

describe('item_events on a real DuckDB warehouse', () => {
  let dir: string;
  let wh: Warehouse;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shoplab-analysis-items-'));
    wh = await Warehouse.open({ dataDir: dir });
    await wh.insertEvents([
      ev('u1', 100, T0, 'view_item_list', { items: [sampleItem({ item_id: 'SKU-1', item_category: 'Books', price: 10, quantity: 1 }), sampleItem({ item_id: 'SKU-2', item_category: 'Travel', price: 20, quantity: 1 })] }),
      ev('u1', 100, T0 + 1_000_000, 'add_to_cart', { items: [sampleItem({ item_id: 'SKU-2', item_category: 'Travel', price: 20, quantity: 2 })] }),
      ev('u1', 100, T0 + 2_000_000, 'page_view'),
      // No session id: left out, as in sessions.
      sampleRow({ user_pseudo_id: 'u4', event_params: [], event_date: '20261102', event_timestamp: T0, items: [sampleItem({ item_id: 'SKU-9' })] }),
    ]);
  });

  afterAll(async () => {
    await wh.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one row per item of an event, with its session, time, name, category, price and quantity', async () => {
    const rows = await queryModel(wh, 'item_events', { orderBy: 'event_timestamp, item_id' });
    expect(rows.map((r) => [r.user_pseudo_id, r.ga_session_id, r.event_name, r.item_id, r.item_category, r.price, r.quantity])).toEqual([
      ['u1', 100, 'view_item_list', 'SKU-1', 'Books', 10, 1],
      ['u1', 100, 'view_item_list', 'SKU-2', 'Travel', 20, 1],
      ['u1', 100, 'add_to_cart', 'SKU-2', 'Travel', 20, 2],
    ]);
    const [session] = await queryModel(wh, 'sessions');
    expect(rows.every((r) => r.session_key === session?.session_key && r.client_key === session?.client_key)).toBe(true);
  });
});
