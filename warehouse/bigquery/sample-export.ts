/**
 * Test data: a small, deterministic GA4 export of a shop over several days — users with several sessions,
 * first_visit on each user's first session, product views, carts, checkouts and purchases of several items —
 * built from warehouse/test-fixtures.ts rows. The queries of the BigQuery-dialect tests run over it.
 */

import { toExportValue } from '../../ga4/export-schema';
import type { ExportItem, ExportRow } from '../export-row';
import { sampleEcommerce, sampleItem, sampleRow } from '../test-fixtures';

const PRODUCTS = [
  { id: 'SKU-MUG', name: 'Mug', category: 'Kitchen', price: 12.5 },
  { id: 'SKU-TEE', name: 'T-shirt', category: 'Apparel', price: 20 },
  { id: 'SKU-CAP', name: 'Cap', category: 'Apparel', price: 15 },
  { id: 'SKU-BAG', name: 'Tote bag', category: 'Bags', price: 9.99 },
  { id: 'SKU-PEN', name: 'Pen', category: 'Office', price: 2.25 },
] as const;

/** The first day of the sample; the last session starts three days later. A day before it lies outside test ranges. */
export const SAMPLE_FIRST_DAY = '20261101';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function eventDate(micros: number): string {
  return new Date(micros / 1000).toISOString().slice(0, 10).replaceAll('-', '');
}

export interface SampleExportOptions {
  /** Number of users. Default 30. */
  users?: number;
  /** Seed of the pseudo-random choices. Default 7. */
  seed?: number;
}

/** Export rows in the order a collector would store them. Deterministic for given options. */
export function sampleExport(opts: SampleExportOptions = {}): ExportRow[] {
  const random = rng(opts.seed ?? 7);
  const pick = <T>(xs: readonly T[]): T => {
    const x = xs[Math.floor(random() * xs.length)];
    if (x === undefined) throw new Error('pick from an empty list');
    return x;
  };
  const rows: ExportRow[] = [];
  let orders = 0;
  // 2026-10-31 12:00 UTC: the first sessions fall on the day before SAMPLE_FIRST_DAY, outside the tests' ranges.
  const start = Date.UTC(2026, 9, 31, 12) * 1000;
  for (let u = 0; u < (opts.users ?? 30); u++) {
    const clientId = `${1000 + u}.${1_790_000_000 + u}`;
    const sessions = 1 + Math.floor(random() * 3);
    let t = start + Math.floor(random() * 86_400e6 * 1.5);
    const firstTouch = t;
    for (let s = 1; s <= sessions; s++) {
      const sessionId = Math.floor(t / 1e6);
      const page = (path: string, title: string): ExportRow['event_params'] => [
        { key: 'ga_session_id', value: toExportValue(sessionId) },
        { key: 'ga_session_number', value: toExportValue(s) },
        { key: 'page_location', value: toExportValue(`http://localhost:8000${path}`) },
        { key: 'page_title', value: toExportValue(title) },
      ];
      const event = (name: string, params: ExportRow['event_params'], extra: Partial<ExportRow> = {}): void => {
        t += 1e6 + Math.floor(random() * 40e6);
        rows.push(
          sampleRow({
            event_date: eventDate(t),
            event_timestamp: t,
            event_name: name,
            event_params: params,
            event_value_in_usd: null,
            user_pseudo_id: clientId,
            user_properties: [],
            user_first_touch_timestamp: firstTouch,
            ecommerce: null,
            items: [],
            ...extra,
          }),
        );
      };
      const home = page('/', 'ShopLab');
      if (s === 1) event('first_visit', home);
      event('session_start', home);
      event('page_view', home);
      const viewed = random() < 0.8 ? Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(PRODUCTS)) : [];
      const item = (p: (typeof PRODUCTS)[number], quantity: number): ExportItem =>
        sampleItem({
          item_id: p.id,
          item_name: p.name,
          item_category: p.category,
          price: p.price,
          price_in_usd: p.price,
          quantity,
          item_revenue: null,
          item_revenue_in_usd: null,
          item_list_index: null,
        });
      for (const p of viewed) {
        event('page_view', page(`/products/${p.id.toLowerCase()}`, p.name));
        event('view_item', page(`/products/${p.id.toLowerCase()}`, p.name), { items: [item(p, 1)] });
      }
      const cart = [...new Map(viewed.filter(() => random() < 0.7).map((p) => [p.id, p])).values()];
      for (const p of cart) event('add_to_cart', page(`/products/${p.id.toLowerCase()}`, p.name), { items: [item(p, 1)] });
      const lines = cart.map((p) => item(p, 1 + Math.floor(random() * 3)));
      if (lines.length > 0 && random() < 0.75) {
        event('begin_checkout', page('/checkout', 'Checkout'), { items: lines });
        if (random() < 0.8) {
          const revenue = Math.round(lines.reduce((sum, l) => sum + (l.price ?? 0) * (l.quantity ?? 0), 0) * 100) / 100;
          const bought = lines.map((l) => ({ ...l, item_revenue: Math.round((l.price ?? 0) * (l.quantity ?? 0) * 100) / 100, item_revenue_in_usd: Math.round((l.price ?? 0) * (l.quantity ?? 0) * 100) / 100 }));
          orders++;
          event(
            'purchase',
            [...page('/checkout/complete', 'Thank you'), { key: 'transaction_id', value: toExportValue(`T-${orders}`) }, { key: 'value', value: toExportValue(revenue) }, { key: 'currency', value: toExportValue('USD') }],
            {
              event_value_in_usd: revenue,
              ecommerce: sampleEcommerce({
                transaction_id: `T-${orders}`,
                purchase_revenue: revenue,
                purchase_revenue_in_usd: revenue,
                total_item_quantity: bought.reduce((n, l) => n + (l.quantity ?? 0), 0),
                unique_items: bought.length,
                shipping_value: 4,
                shipping_value_in_usd: 4,
                tax_value: 0,
                tax_value_in_usd: 0,
              }),
              items: bought,
            },
          );
        }
      }
      event('user_engagement', home);
      // The next session starts 2–30 hours later.
      t += Math.floor((2 + random() * 28) * 3600e6);
    }
  }
  return rows;
}
