import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TableMetadata } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sampleExport } from '../warehouse/bigquery/sample-export';
import { saveSimUsers, simUserRow } from '../warehouse/ground-truth';
import { Warehouse, type JsonValue } from '../warehouse/warehouse';
import { bigQueryClient } from './bigquery-client';
import { EVENTS_TABLE_SCHEMA, PSEUDONYMOUS_USERS_TABLE_SCHEMA } from './bigquery-schema';
import { BigQueryStandin } from './bigquery-standin';
import { exportToBigQuery, ExportError, planExport } from './export-bigquery';

/** Rows in a canonical order and form, hashed: equal rows give equal checksums whatever order they come in. */
function checksum(rows: readonly Record<string, JsonValue>[]): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  const lines = rows.map((r) => JSON.stringify(canonical(r))).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

let dataDir: string;
let days: string[];
const localByDay = new Map<string, { count: number; sum: string }>();

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'export-bq-'));
  const wh = await Warehouse.open({ dataDir });
  try {
    await wh.insertEvents(sampleExport({ users: 40 }));
    await saveSimUsers(wh, [simUserRow('r1', '1000.1790000000', { id: 'bargain-hunter', segment: 'deal', demographics: { age: 31 }, budget: 80 })]);
    const dates = await wh.query(`SELECT DISTINCT event_date FROM analytics_shoplab.events ORDER BY 1`);
    days = dates.map((r) => r.event_date as string);
    for (const day of days) {
      const rows = await wh.query(`SELECT * FROM analytics_shoplab.events WHERE event_date = ?`, [day]);
      localByDay.set(day, { count: rows.length, sum: checksum(rows) });
    }
  } finally {
    await wh.close();
  }
  expect(days.length).toBeGreaterThanOrEqual(3);
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** What the stand-in holds, read back through the official client: per day, row count and checksum. */
async function remoteDays(standin: BigQueryStandin, dataset: string): Promise<Map<string, { count: number; sum: string }>> {
  const bq = bigQueryClient({ projectId: 'shop-project', apiEndpoint: standin.url });
  const out = new Map<string, { count: number; sum: string }>();
  for (const table of standin.tableIds(dataset).filter((t) => /^events_\d{8}$/.test(t))) {
    const [rows] = await bq.query({ query: `SELECT * FROM \`shop-project.${dataset}.${table}\``, maxResults: 50 });
    out.set(table.slice('events_'.length), { count: rows.length, sum: checksum(rows as Record<string, JsonValue>[]) });
  }
  return out;
}

describe('export bigquery, through the official client, into the stand-in', { timeout: 240_000 }, () => {
  let standin: BigQueryStandin;
  beforeAll(async () => {
    standin = await BigQueryStandin.start();
  });
  afterAll(async () => {
    await standin.close();
  });

  test('round trip: each day arrives with the same rows (count and checksum), in tables with GA4 export schemas', async () => {
    const result = await exportToBigQuery({ dataDir, projectId: 'shop-project', dataset: 'analytics_123', apiEndpoint: standin.url });
    expect(result.plan.days.map((d) => d.day)).toEqual(days);
    expect(await remoteDays(standin, 'analytics_123')).toEqual(localByDay);

    const bq = bigQueryClient({ projectId: 'shop-project', apiEndpoint: standin.url });
    for (const day of days) {
      const [events] = (await bq.dataset('analytics_123').table(`events_${day}`).getMetadata()) as unknown as [TableMetadata];
      expect(events.schema?.fields).toEqual(EVENTS_TABLE_SCHEMA);
      const [users] = (await bq.dataset('analytics_123').table(`pseudonymous_users_${day}`).getMetadata()) as unknown as [TableMetadata];
      expect(users.schema?.fields).toEqual(PSEUDONYMOUS_USERS_TABLE_SCHEMA);
    }
    // Loads, never streaming inserts, wrote the export: two tables a day, then sim_sessions and sim_users.
    expect(standin.requests.some((r) => r.call === 'insertAll')).toBe(false);
    expect(standin.requests.filter((r) => r.call === 'load')).toHaveLength(days.length * 2 + 2);
  });

  test('pseudonymous_users: one row per user active that day, lifetime sessions never decreasing', async () => {
    for (const day of days) {
      const users = await standin.rows('analytics_123', `pseudonymous_users_${day}`, 'pseudo_user_id');
      const [active] = await standin.rows('analytics_123', `events_${day}`, 'rowid').then((rows) => [new Set(rows.map((r) => r.user_pseudo_id)).size]);
      expect(users).toHaveLength(active ?? -1);
      for (const u of users) expect((u.user_info as Record<string, JsonValue>).last_active_timestamp_micros).toEqual(expect.any(Number));
    }
    const last = new Map<string, number>();
    for (const day of days) {
      for (const u of await standin.rows('analytics_123', `pseudonymous_users_${day}`)) {
        const sessions = Number((u.user_ltv as Record<string, JsonValue>).sessions);
        const id = u.pseudo_user_id as string;
        expect(sessions).toBeGreaterThanOrEqual(last.get(id) ?? 0);
        last.set(id, sessions);
      }
    }
  });

  test('the ground truth goes to its own dataset, never into the export dataset', async () => {
    expect(standin.tableIds('analytics_123_ground_truth')).toContain('sim_users');
    expect(standin.tableIds('analytics_123').every((t) => /^(events|pseudonymous_users)_\d{8}$/.test(t))).toBe(true);
    const [truth] = await standin.rows('analytics_123_ground_truth', 'sim_users');
    expect(truth?.client_id).toBe('1000.1790000000');
    expect(JSON.parse(truth?.persona as string)).toMatchObject({ id: 'bargain-hunter' });
  });

  test('exporting again gives the same tables: each day is replaced, not appended to', async () => {
    const tables = standin.tableIds('analytics_123');
    await exportToBigQuery({ dataDir, projectId: 'shop-project', dataset: 'analytics_123', apiEndpoint: standin.url, format: 'ndjson' });
    expect(standin.tableIds('analytics_123')).toEqual(tables);
    expect(await remoteDays(standin, 'analytics_123')).toEqual(localByDay);
  });

  test('a failed load of the second day stops the export naming that table; a re-run completes without duplicates', async () => {
    const second = days[1] ?? '';
    standin.fault({ on: 'load', how: 'job-error', table: new RegExp(`^events_${second}$`) });
    const run = exportToBigQuery({ dataDir, projectId: 'shop-project', dataset: 'fresh', apiEndpoint: standin.url });
    await expect(run).rejects.toThrow(ExportError);
    await expect(run).rejects.toThrow(`table shop-project:fresh.events_${second}: Injected fault`);
    // The first day is complete, the failed one was never created (a load job commits whole or not at all).
    expect(standin.tableIds('fresh')).toEqual([`events_${days[0]}`, `pseudonymous_users_${days[0]}`]);
    standin.clearFaults();
    await exportToBigQuery({ dataDir, projectId: 'shop-project', dataset: 'fresh', apiEndpoint: standin.url });
    expect(await remoteDays(standin, 'fresh')).toEqual(localByDay);
  });

  test('--from/--to export only the days in range', async () => {
    const [a, b] = [days[1] ?? '', days[2] ?? ''];
    const from = `${a.slice(0, 4)}-${a.slice(4, 6)}-${a.slice(6)}`;
    await exportToBigQuery({ dataDir, projectId: 'shop-project', dataset: 'ranged', apiEndpoint: standin.url, from, to: b });
    expect(standin.tableIds('ranged')).toEqual([`events_${a}`, `events_${b}`, `pseudonymous_users_${a}`, `pseudonymous_users_${b}`]);
  });

  test('the plan lists days, rows and tables and needs no BigQuery', async () => {
    const wh = await Warehouse.open({ dataDir, readOnly: true });
    try {
      const plan = await planExport(wh, { dataDir, projectId: 'shop-project', dataset: 'analytics_123' });
      expect(plan.days.map((d) => [d.day, d.events])).toEqual(days.map((d) => [d, localByDay.get(d)?.count]));
      expect(plan.truth).toEqual([
        { table: 'sim_sessions', rows: 0 },
        { table: 'sim_users', rows: 1 },
      ]);
      await expect(planExport(wh, { dataDir, projectId: 'shop-project', dataset: 'x', from: '2026-02-30' })).rejects.toThrow('--from must be a date');
    } finally {
      await wh.close();
    }
  });
});
