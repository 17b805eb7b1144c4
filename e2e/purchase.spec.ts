import { ECOMMERCE_EVENTS } from '../ga4/events';
import type { SimulateResult } from '../simulator/engine';
import { expect, openStore, param, simulate, test, type Row } from './fixtures';

const STORE_EVENTS = new Set<string>([...ECOMMERCE_EVENTS, 'search', 'login', 'sign_up']);

interface Pushed {
  event: string;
  ecommerce?: { value?: number; transaction_id?: string; items?: { item_id: string; price: number; quantity: number }[] };
}

test('a simulated purchase lands in the warehouse event for event as the page pushed it', async ({ browser, server }) => {
  // Seeds are deterministic: the first of these that buys is always the same one.
  let result: SimulateResult | undefined;
  for (let i = 0; i < 25 && result?.outcome !== 'purchase'; i++) {
    const { page, context } = await openStore(browser, server, { startTime: Date.UTC(2026, 10, 2, 10), runId: 'e2e-purchase' });
    result = await simulate(page, { seed: `buy-${i}`, persona: 'bargain-hunter' });
    await context.close();
  }
  if (result?.outcome !== 'purchase') throw new Error(`no seed bought anything: ${result?.error ?? result?.outcome}`);
  const pushed = (result.events as unknown as Pushed[]).filter((e) => STORE_EVENTS.has(e.event));
  expect(pushed.map((e) => e.event)).toEqual(expect.arrayContaining(['view_item', 'add_to_cart', 'begin_checkout', 'purchase']));

  const rows: Row[] = await server.warehouse.query(
    `SELECT event_name, event_timestamp, event_params, items, ecommerce FROM ${server.warehouse.dataset}.events
     WHERE user_pseudo_id = ? ORDER BY event_timestamp`,
    [result.clientId],
  );
  const stored = rows.filter((r) => typeof r.event_name === 'string' && STORE_EVENTS.has(r.event_name));

  expect(stored.map((r) => r.event_name)).toEqual(pushed.map((e) => e.event));
  stored.forEach((row, i) => {
    const push = pushed[i]!;
    const items = (row.items as { item_id: string; price: number; quantity: number }[]).map((it) => [it.item_id, it.price, it.quantity]);
    expect(items, `${push.event} items`).toEqual((push.ecommerce?.items ?? []).map((it) => [it.item_id, it.price, it.quantity]));
    if (push.ecommerce?.value !== undefined) expect(param(row, 'value'), `${push.event} value`).toBe(push.ecommerce.value);
  });

  const purchasePush = pushed.find((e) => e.event === 'purchase')!;
  const purchaseRow = stored.find((r) => r.event_name === 'purchase')!;
  expect(purchasePush.ecommerce?.transaction_id).toBe(result.transactionId);
  expect((purchaseRow.ecommerce as { transaction_id: string }).transaction_id).toBe(result.transactionId);
  expect((purchaseRow.ecommerce as { purchase_revenue: number }).purchase_revenue).toBe(purchasePush.ecommerce?.value);
  // Every event of the session, the landing page's included, carries the engine's virtual time.
  const times = rows.map((r) => Number(r.event_timestamp));
  expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.UTC(2026, 10, 2, 10) * 1000);
  expect(Math.max(...times)).toBeLessThan(Date.UTC(2026, 10, 2, 12) * 1000);
  expect(rows.map((r) => r.event_name).slice(0, 3)).toEqual(['first_visit', 'session_start', 'page_view']);
  expect(new Set(rows.map((r) => param(r, 'ga_session_id'))).size).toBe(1);
});
