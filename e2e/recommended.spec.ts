/**
 * The "recommended for you" variant in the real browser: a server that mounts the recommendations route (as an
 * experiment's recs arm does) answers each page for its own `_ga` client id only; the home page shows that
 * client's list in the model's order, accessibly, and fires view_item_list / select_item with the list's id and
 * name, which land in the warehouse; a client the model does not know sees no list.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogSummaries, recommendationsRoute } from '../cli/store-variants';
import { startServer, type RunningServer } from '../collector/server';
import { RECOMMENDED_LIST, STORE_RECS_PATH } from '../ga4/store-recs';
import type { AlsJson } from '../insights/recs';
import { expect, test as base } from './fixtures';
import { ga4Violations } from './ga4-rules';
import { dataLayer, mark, navigate, open, pushedOnce } from './store-page';

const KNOWN = '1234567890.1790000000';
const STRANGER = '987654321.1790000000';
const products = catalogSummaries();
const ITEMS = [...products.keys()].slice(10, 16);
/**
 * A one-factor user-item model in the saved format (insights/recs.ts AlsJson): the known client's scores rank the
 * items by their factor, so the expected order is known without training.
 */
const ALS: AlsJson = { factors: 1, items: ITEMS, itemFactors: ITEMS.map((_, i) => [i + 1]), users: [KNOWN], userFactors: [[1]] };
const EXPECTED = [...ITEMS].reverse().slice(0, 4);

const test = base.extend<object, { server: RunningServer }>({
  server: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture dependencies from this pattern
    async ({}, use) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'shoplab-e2e-recs-'));
      const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, publicDir: join(import.meta.dirname, '..', 'public'), storeRoutes: [recommendationsRoute({ recommendations: { als: ALS, popular: ITEMS } })] });
      await use(server);
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
});

async function asClient(page: Page, server: RunningServer, clientId: string): Promise<void> {
  const url = new URL(server.url);
  await page.context().addCookies([{ name: '_ga', value: `GA1.1.${clientId}`, domain: url.hostname, path: '/' }]);
}

test('a client with recommendations sees its own list in rank order, accessibly, and its events land', async ({ page, server }) => {
  await asClient(page, server, KNOWN);
  await open(page, `${server.url}/`);
  const list = page.getByRole('list', { name: RECOMMENDED_LIST.item_list_name });
  await expect(list).toBeVisible();
  await expect(page.getByRole('heading', { name: RECOMMENDED_LIST.item_list_name, level: 2 })).toBeVisible();
  await expect(list.getByRole('listitem')).toHaveCount(4);
  expect(await list.getByRole('listitem').evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id')))).toEqual(EXPECTED);
  // Each card's one link is named by the product's name.
  for (const [i, id] of EXPECTED.entries()) await expect(list.getByRole('listitem').nth(i).getByRole('link')).toHaveAccessibleName(String(products.get(id)?.name));
  await expect(page.locator('html')).not.toHaveAttribute('data-shoplab-pending', /./);

  const axe = await new AxeBuilder({ page }).include(`[data-list-id="${RECOMMENDED_LIST.item_list_id}"]`).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  // An impression needs the list in view (docs/dom-contract.md "Impressions"); below the hero it may not be yet.
  await list.scrollIntoViewIfNeeded();
  await page.waitForFunction((id) => (window.dataLayer ?? []).some((p) => (p as { ecommerce?: { item_list_id?: string } }).ecommerce?.item_list_id === id), RECOMMENDED_LIST.item_list_id);
  const layer = await dataLayer(page);
  const views = layer.flatMap((p, index) => (p.event === 'view_item_list' && (p.ecommerce as { item_list_id?: string } | undefined)?.item_list_id === RECOMMENDED_LIST.item_list_id ? [{ index, ecommerce: p.ecommerce as { item_list_name?: string; items?: { item_id: string }[] } }] : []));
  expect(views, `view_item_list of ${RECOMMENDED_LIST.item_list_id}`).toHaveLength(1);
  expect(ga4Violations(layer, views[0]!.index)).toEqual([]);
  expect(views[0]!.ecommerce.item_list_name).toBe(RECOMMENDED_LIST.item_list_name);
  expect(views[0]!.ecommerce.items!.map((i) => i.item_id)).toEqual(EXPECTED);

  const before = await mark(page);
  await navigate(page, () => list.getByRole('link').first().click(), /^\/product\//);
  const select = await pushedOnce(page, 'select_item', before);
  expect(select.ecommerce).toMatchObject({ item_list_id: RECOMMENDED_LIST.item_list_id, item_list_name: RECOMMENDED_LIST.item_list_name });
  expect((select.ecommerce as { items: { item_id: string }[] }).items[0]!.item_id).toBe(EXPECTED[0]);

  await page.evaluate(() => window.shoplabTag?.flush());
  await expect
    .poll(async () => {
      const rows = await server.warehouse.query(
        `SELECT event_name, count(*)::INTEGER AS n FROM ${server.warehouse.dataset}.events
         WHERE user_pseudo_id = ? AND list_filter(event_params, p -> p.key = 'item_list_id')[1].value.string_value = ? GROUP BY 1 ORDER BY 1`,
        [KNOWN, RECOMMENDED_LIST.item_list_id],
      );
      return rows.map((r) => `${typeof r.event_name === "string" ? r.event_name : "?"}:${typeof r.n === "number" ? r.n : -1}`);
    }, { timeout: 30_000 })
    .toEqual(['select_item:1', 'view_item_list:1']);
});

test('a client the model does not know sees no list, and the route answers only the caller its own list', async ({ page, server, request }) => {
  await asClient(page, server, STRANGER);
  await open(page, `${server.url}/`);
  await expect(page.getByRole('list', { name: 'Featured' })).toBeVisible();
  await expect(page.locator('html')).not.toHaveAttribute('data-shoplab-pending', /./);
  await expect(page.getByRole('list', { name: RECOMMENDED_LIST.item_list_name })).toHaveCount(0);
  const ask = async (cookie: string | null): Promise<string[]> => {
    const res = await request.get(`${server.url}${STORE_RECS_PATH}`, { headers: cookie ? { cookie } : {} });
    expect(res.status()).toBe(200);
    return ((await res.json()) as { products: { id: string }[] }).products.map((p) => p.id);
  };
  expect(await ask(`_ga=GA1.1.${KNOWN}`)).toEqual(EXPECTED);
  expect(await ask(`_ga=GA1.1.${STRANGER}`)).toEqual([]);
  expect(await ask(null)).toEqual([]);
});
