/**
 * The closed loop, end to end: real Chromium, the built store, an in-process collector per run and real DuckDB
 * files. A small population (8 shoppers, a 4-day baseline and 2 days per arm) keeps it to a few minutes on a
 * shared machine; the point is the mechanics — the same seed gives the same figures, the figures are what the
 * stored events say, the recommended list reaches shoppers in the recs arm only, the free-shipping promotion and
 * free shipping reach the freeship arm only, and every arm's shoppers carry their arm as the user property
 * experiment_arm, which splits the export by arm in BigQuery SQL alone.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModels } from '../insights/insights';
import { queryBigQuery } from '../warehouse/bigquery/query-bigquery';
import { Warehouse } from '../warehouse/warehouse';
import { runExperiment, type ExperimentOptions, type ExperimentResult } from './commands/experiment';
import { PUBLIC_DIR } from './simulate';
import { parseArms, recommendationsFor } from './store-variants';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempData(): string {
  const d = mkdtempSync(join(tmpdir(), 'shoplab-experiment-'));
  dirs.push(d);
  return d;
}

async function query<T>(dataDir: string, sql: string): Promise<T[]> {
  const db = await DuckDBInstance.create(join(dataDir, 'shoplab.duckdb'), { access_mode: 'READ_ONLY' });
  const con = await db.connect();
  try {
    return (await con.runAndReadAll(sql)).getRowObjectsJson() as unknown as T[];
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** A seed whose plan has shoppers in the baseline who come back in the arms' days (the model knows them). */
const OPTIONS: Omit<ExperimentOptions, 'data'> = { arms: ['control', 'recs', 'freeship'], users: 8, seed: 'exp-1', baselineDays: 4, days: 2, start: Date.UTC(2026, 10, 1), concurrency: 4, quiet: true };

describe('shoplab experiment', () => {
  let first: ExperimentResult;
  let second: ExperimentResult;
  beforeAll(async () => {
    if (!existsSync(join(PUBLIC_DIR, 'index.html'))) throw new Error('the store is not built: run `node scripts/build.mjs` first');
    first = await runExperiment({ ...OPTIONS, data: tempData() });
    second = await runExperiment({ ...OPTIONS, data: tempData() });
  }, 600_000);

  it('reproduces every figure exactly from its seed', () => {
    const figures = (r: ExperimentResult): unknown => ({ id: r.id, baseline: { ...r.baseline, dataDir: '' }, arms: r.arms.map((a) => ({ ...a, dataDir: '' })) });
    expect(first.arms.map((a) => a.arm)).toEqual(['control', 'recs', 'freeship']);
    expect(figures(second)).toEqual(figures(first));
    // The written result is the printed one.
    for (const file of first.files) expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(JSON.parse(JSON.stringify(first)));
  });

  it("gives each arm's figures with well-formed 95 % intervals", () => {
    for (const a of first.arms) {
      const f = a.figures;
      expect(f.users).toBeGreaterThan(0);
      for (const e of [f.conversionRate, f.revenuePerUser]) {
        expect(Number.isFinite(e.value)).toBe(true);
        expect(e.low).toBeLessThanOrEqual(e.value);
        expect(e.high).toBeGreaterThanOrEqual(e.value);
      }
      expect(f.conversionRate.value).toBe(Math.round((f.converters / f.users) * 1e6) / 1e6);
      if (f.orders > 0) {
        expect(f.orderValue.value).toBeCloseTo(f.revenue / f.orders, 5);
        expect(f.orderValue.low).toBeLessThanOrEqual(f.orderValue.value);
      } else expect(f.orderValue.value).toBeNaN();
    }
    for (const arm of first.arms.slice(1)) {
      expect(arm.vsControl?.pairedUsers).toBe(first.arms[0]!.figures.users);
      expect(arm.vsControl!.revenuePerUser.low).toBeLessThanOrEqual(arm.vsControl!.revenuePerUser.value);
      expect(arm.vsControl!.revenuePerUser.high).toBeGreaterThanOrEqual(arm.vsControl!.revenuePerUser.value);
    }
  });

  it('computes the figures from the stored events (recomputed here from the raw export)', async () => {
    for (const a of first.arms) {
      const [raw] = await query<{ users: number; buyers: number; revenue: number | null; orders: number }>(
        a.dataDir,
        `SELECT COUNT(DISTINCT user_pseudo_id)::INTEGER AS users,
                COUNT(DISTINCT user_pseudo_id) FILTER (WHERE event_name = 'purchase')::INTEGER AS buyers,
                SUM(ecommerce.purchase_revenue) FILTER (WHERE event_name = 'purchase')::DOUBLE AS revenue,
                COUNT(*) FILTER (WHERE event_name = 'purchase')::INTEGER AS orders
         FROM analytics_shoplab.events`,
      );
      expect(a.figures.users).toBe(raw!.users);
      expect(a.figures.converters).toBe(raw!.buyers);
      expect(a.figures.orders).toBe(raw!.orders);
      expect(a.figures.revenuePerUser.value).toBeCloseTo((raw!.revenue ?? 0) / raw!.users, 5);
    }
  });

  it('shows the recommended list to shoppers in the recs arm only, and only to shoppers the model knows', async () => {
    const listEvents = (dataDir: string): Promise<{ user: string; name: string }[]> =>
      query(
        dataDir,
        `SELECT user_pseudo_id AS user, event_name AS name FROM analytics_shoplab.events
         WHERE list_filter(event_params, p -> p.key = 'item_list_id')[1].value.string_value = 'home_recommended'`,
      );
    const [control, recs, freeship] = first.arms;
    expect(await listEvents(control!.dataDir)).toEqual([]);
    expect(await listEvents(freeship!.dataDir)).toEqual([]);
    const shown = await listEvents(recs!.dataDir);
    expect(shown.some((e) => e.name === 'view_item_list')).toBe(true);
    expect(recs!.figures.recommendedShownTo).toBe(new Set(shown.filter((e) => e.name === 'view_item_list').map((e) => e.user)).size);
    const models = loadModels(first.baseline.dataDir);
    for (const e of shown) expect(recommendationsFor(models, e.user).length).toBeGreaterThan(0);
    expect(recommendationsFor(models, '1.1')).toEqual([]);
  });

  it('shows the free-shipping promotion and waives standard shipping in the freeship arm only', async () => {
    const promoted = async (dataDir: string): Promise<number> =>
      (
        await query<{ n: number }>(
          dataDir,
          `SELECT COUNT(DISTINCT user_pseudo_id)::INTEGER AS n FROM analytics_shoplab.events
           WHERE event_name = 'view_promotion' AND list_filter(event_params, p -> p.key = 'promotion_id')[1].value.string_value = 'free_shipping_cart'`,
        )
      )[0]!.n;
    const [control, recs, freeship] = first.arms;
    expect(await promoted(control!.dataDir)).toBe(0);
    expect(await promoted(recs!.dataDir)).toBe(0);
    expect(await promoted(freeship!.dataDir)).toBe(freeship!.figures.freeShippingShownTo);
    // This seed's plan takes at least one shopper of the arms' days to a cart.
    expect(freeship!.figures.freeShippingShownTo).toBeGreaterThan(0);
    // Every shopper who reached the cart in the freeship arm saw it (view_cart and the promotion go together).
    const [carts] = await query<{ n: number }>(freeship!.dataDir, `SELECT COUNT(DISTINCT user_pseudo_id)::INTEGER AS n FROM analytics_shoplab.events WHERE event_name = 'view_cart'`);
    expect(freeship!.figures.freeShippingShownTo).toBe(carts!.n);
    // Shoppers keep the standard tier, which the arm makes free: no order there pays shipping.
    const [paid] = await query<{ n: number }>(freeship!.dataDir, `SELECT COUNT(*)::INTEGER AS n FROM analytics_shoplab.events WHERE event_name = 'purchase' AND ecommerce.shipping_value > 0`);
    expect(paid!.n).toBe(0);
    expect(freeship!.figures.shipping).toBe(0);
  });

  it("records each shopper's arm as the user property experiment_arm, so that BigQuery SQL alone splits the export by arm", async () => {
    for (const a of first.arms) {
      const wh = await Warehouse.open({ dataDir: a.dataDir, readOnly: true });
      try {
        const rows = await queryBigQuery(
          wh,
          `SELECT
             (SELECT value.string_value FROM UNNEST(user_properties) WHERE key = 'experiment_arm') AS arm,
             COUNT(DISTINCT user_pseudo_id) AS users,
             COUNTIF(event_name = 'purchase') AS purchases
           FROM \`shoplab.analytics_shoplab.events_*\`
           WHERE (SELECT value.string_value FROM UNNEST(user_properties) WHERE key = 'experiment_arm') IS NOT NULL
           GROUP BY arm`,
        );
        // One arm per run, on every shopper in it, and on every order.
        expect(rows.map((r) => r.arm)).toEqual([a.arm]);
        expect(Number(rows[0]!.users)).toBe(a.figures.users);
        expect(Number(rows[0]!.purchases)).toBe(a.figures.orders);
        expect(a.figures.recordedArms).toEqual({ [a.arm]: a.figures.users });
      } finally {
        await wh.close();
      }
    }
  });
});

describe('--arms', () => {
  it('takes any subset starting with control, and refuses an unknown arm, a repeated one, and a list not starting with control, each with a clear message', () => {
    expect(parseArms('control,recs')).toEqual(['control', 'recs']);
    expect(parseArms('control,freeship')).toEqual(['control', 'freeship']);
    expect(parseArms('control, freeship,recs')).toEqual(['control', 'freeship', 'recs']);
    expect(() => parseArms('control,bogus')).toThrow('unknown arm "bogus": the arms are control, recs, freeship');
    expect(() => parseArms('control,recs,recs')).toThrow('names an arm twice');
    expect(() => parseArms('recs')).toThrow('must start with control');
  });
});
