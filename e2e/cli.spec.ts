import { DuckDBInstance } from '@duckdb/node-api';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { Warehouse } from '../warehouse/warehouse';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', 'bin', 'shoplab.js');

test('shoplab simulate prints counts that equal a direct query of the DuckDB file', async () => {
  const data = mkdtempSync(join(tmpdir(), 'shoplab-cli-'));
  try {
    const { stdout } = await run(process.execPath, [BIN, 'simulate', '--users', '6', '--concurrency', '2', '--seed', 'cli', '--run-id', 'cli-run', '--json', '--data', data], {
      timeout: 110_000,
    });
    const printed = JSON.parse(stdout) as { summary: { users: number; sessions: number; events: number; purchases: number; revenue: number; eventsByName: Record<string, number> } };

    const db = await DuckDBInstance.create(join(data, 'shoplab.duckdb'), { access_mode: 'READ_ONLY' });
    const con = await db.connect();
    const reader = await con.runAndReadAll(`
      SELECT count(*)::INT AS events, count(DISTINCT user_pseudo_id)::INT AS users,
             count(*) FILTER (WHERE event_name = 'purchase')::INT AS purchases,
             coalesce(round(sum(ecommerce.purchase_revenue) FILTER (WHERE event_name = 'purchase'), 2), 0)::DOUBLE AS revenue,
             count(*) FILTER (WHERE event_name = 'page_view')::INT AS page_views
      FROM analytics_shoplab.events`);
    const [direct] = reader.getRowObjectsJson() as { events: number; users: number; purchases: number; revenue: number; page_views: number }[];
    con.closeSync();
    db.closeSync();

    expect(printed.summary.events).toBeGreaterThan(0);
    expect(printed.summary.events).toBe(direct!.events);
    expect(printed.summary.users).toBe(direct!.users);
    expect(printed.summary.users).toBe(6);
    expect(printed.summary.purchases).toBe(direct!.purchases);
    expect(printed.summary.revenue).toBeCloseTo(direct!.revenue, 2);
    expect(printed.summary.eventsByName.page_view).toBe(direct!.page_views);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

async function failure(args: string[]): Promise<{ code: number; stderr: string } | undefined> {
  return run(process.execPath, [BIN, ...args]).then(
    () => undefined,
    (e: { code: number; stderr: string }) => e,
  );
}

test('shoplab sql reports a missing warehouse and a bad query in one line each, exiting non-zero', async () => {
  const data = mkdtempSync(join(tmpdir(), 'shoplab-cli-'));
  try {
    const missing = await failure(['sql', 'SELECT 1', '--data', data]);
    expect(missing?.code).toBe(1);
    expect(missing?.stderr).toMatch(/^shoplab: no warehouse at .*shoplab\.duckdb/);
    const wh = await Warehouse.open({ dataDir: data });
    await wh.close();
    const err = await run(process.execPath, [BIN, 'sql', 'SELEC nonsense', '--data', data]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr.trim().split('\n')).toHaveLength(1);
    expect(err?.stderr).toMatch(/^shoplab: .*syntax error/i);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
