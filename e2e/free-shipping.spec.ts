/**
 * The free-shipping variant in the real browser: a server that mounts the experiment route of the `freeship` arm (as
 * `shoplab experiment` does for that arm) makes the cart show free standard shipping as a promotion, accessibly,
 * with one view_promotion; the order is placed with no shipping charge; and every hit after the store learnt its arm
 * carries the user property `experiment_arm`, which lands in the warehouse's user_properties. The control arm's
 * server charges the store's usual shipping, shows no promotion and records `experiment_arm = control`.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { experimentRoute, type Arm } from '../cli/store-variants';
import { startServer, type RunningServer } from '../collector/server';
import { EXPERIMENT_ARM_PROPERTY, FREE_SHIPPING_PROMOTION } from '../ga4/store-experiment';
import { expect, test as base } from './fixtures';
import { ga4Violations } from './ga4-rules';
import { dataLayer, fillAddress, mark, navigate, open, pushedOnce } from './store-page';

/** $14.00: under the store's $50 free-shipping threshold, so that only the arm can make its shipping free. */
const PRODUCT = '/product/northridge-trail-trekking-poles-00022/';
const PRODUCT_ID = 'SKU-00022';

async function armServer(arm: Arm, use: (s: RunningServer) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), `shoplab-e2e-${arm}-`));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, publicDir: join(import.meta.dirname, '..', 'public'), storeRoutes: [experimentRoute(arm)] });
  await use(server);
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}

// `server` (which the network fixture watches) runs the freeship arm; `controlServer` the control arm.
const test = base.extend<object, { server: RunningServer; controlServer: RunningServer }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture dependencies from this pattern
  server: [async ({}, use) => armServer('freeship', use), { scope: 'worker' }],
  // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture dependencies from this pattern
  controlServer: [async ({}, use) => armServer('control', use), { scope: 'worker' }],
});

async function cartWithOneItem(page: Page, url: string): Promise<void> {
  await open(page, url + PRODUCT);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await expect(page.getByRole('status')).toContainText('Added');
  await navigate(page, () => page.getByRole('link', { name: 'Cart', exact: true }).click(), '/cart/');
  await expect(page.locator('html')).not.toHaveAttribute('data-shoplab-pending', /./);
}

async function checkout(page: Page): Promise<void> {
  await navigate(page, () => page.getByRole('link', { name: 'Checkout' }).click(), '/checkout/');
  await fillAddress(page);
  await page.getByRole('button', { name: 'Continue to shipping method' }).click();
}

async function clientId(page: Page): Promise<string> {
  const cookie = (await page.context().cookies()).find((c) => c.name === '_ga');
  const id = cookie?.value.split('.').slice(2).join('.');
  if (!id) throw new Error('no _ga cookie');
  return id;
}

/** The purchase row of this client as the warehouse holds it: shipping, and the user properties it carried. */
async function storedPurchase(server: RunningServer, client: string): Promise<{ shipping: number; arm: string }> {
  await expect
    .poll(async () => (await server.warehouse.query(`SELECT count(*)::INTEGER AS n FROM ${server.warehouse.dataset}.events WHERE user_pseudo_id = ? AND event_name = 'purchase'`, [client]))[0]?.n, { timeout: 30_000 })
    .toBe(1);
  const [row] = await server.warehouse.query(
    `SELECT ecommerce.shipping_value::DOUBLE AS shipping,
            list_filter(user_properties, p -> p.key = ?)[1].value.string_value AS arm
     FROM ${server.warehouse.dataset}.events WHERE user_pseudo_id = ? AND event_name = 'purchase'`,
    [EXPERIMENT_ARM_PROPERTY, client],
  );
  return { shipping: Number(row?.shipping), arm: typeof row?.arm === 'string' ? row.arm : '(none)' };
}

test('the freeship arm shows free shipping in the cart as a promotion, accessibly, and the order ships free', async ({ page, server }) => {
  await cartWithOneItem(page, server.url);
  const nudge = page.getByRole('complementary', { name: FREE_SHIPPING_PROMOTION.promotion_name });
  await expect(nudge).toBeVisible();
  await expect(nudge).toContainText('Free standard shipping on this order');
  await expect(page.locator('[data-cart-shipping]')).toHaveAttribute('data-cart-shipping', '0.00');
  await expect(page.getByText('Standard shipping: Free')).toBeVisible();
  const axe = await new AxeBuilder({ page }).include('main').analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  await page.waitForFunction((id) => (window.dataLayer ?? []).some((p) => (p as { ecommerce?: { promotion_id?: string } }).ecommerce?.promotion_id === id), FREE_SHIPPING_PROMOTION.promotion_id);
  const layer = await dataLayer(page);
  const views = layer.flatMap((p, index) => (p.event === 'view_promotion' ? [{ index, p }] : []));
  expect(views).toHaveLength(1);
  expect(ga4Violations(layer, views[0]!.index)).toEqual([]);
  expect(views[0]!.p.ecommerce).toMatchObject({ ...FREE_SHIPPING_PROMOTION, items: [expect.objectContaining({ item_id: PRODUCT_ID })] });
  // The store told the tags its arm, as gtag's `set user_properties` would.
  expect(layer.some((p) => (p as { user_properties?: Record<string, unknown> }).user_properties?.[EXPERIMENT_ARM_PROPERTY] === 'freeship')).toBe(true);

  await checkout(page);
  // Standard is free whatever the order's size; the faster tiers still cost what they cost.
  await expect(page.getByRole('radio', { name: /^Standard — Free/ })).toBeChecked();
  await expect(page.getByRole('radio', { name: /^Express — \$12\.99/ })).toBeVisible();
  await page.getByRole('button', { name: 'Continue to payment' }).click();
  await page.getByRole('button', { name: 'Review order' }).click();
  await expect(page.locator('[data-checkout-shipping]')).toHaveAttribute('data-checkout-shipping', '0.00');
  const since = await mark(page);
  await navigate(page, () => page.getByRole('button', { name: 'Place order' }).click(), '/order/');
  const purchase = await pushedOnce(page, 'purchase', since);
  expect(purchase.ecommerce).toMatchObject({ shipping: 0, value: 14 });

  await page.evaluate(() => window.shoplabTag?.flush());
  const client = await clientId(page);
  expect(await storedPurchase(server, client)).toEqual({ shipping: 0, arm: 'freeship' });
  const promos = await server.warehouse.query(
    `SELECT count(*)::INTEGER AS n FROM ${server.warehouse.dataset}.events
     WHERE user_pseudo_id = ? AND event_name = 'view_promotion' AND list_filter(event_params, p -> p.key = 'promotion_id')[1].value.string_value = ?`,
    [client, FREE_SHIPPING_PROMOTION.promotion_id],
  );
  expect(promos[0]?.n).toBe(1);
});

test('the control arm charges the usual shipping, shows no promotion, and records experiment_arm = control', async ({ page, controlServer }) => {
  await cartWithOneItem(page, controlServer.url);
  await expect(page.locator('[data-cart-shipping]')).toHaveAttribute('data-cart-shipping', '4.99');
  await expect(page.getByRole('complementary', { name: FREE_SHIPPING_PROMOTION.promotion_name })).toHaveCount(0);
  await checkout(page);
  await expect(page.getByRole('radio', { name: /^Standard — \$4\.99/ })).toBeChecked();
  await page.getByRole('button', { name: 'Continue to payment' }).click();
  await page.getByRole('button', { name: 'Review order' }).click();
  const since = await mark(page);
  await navigate(page, () => page.getByRole('button', { name: 'Place order' }).click(), '/order/');
  expect((await pushedOnce(page, 'purchase', since)).ecommerce).toMatchObject({ shipping: 4.99 });
  expect((await dataLayer(page)).some((p) => p.event === 'view_promotion')).toBe(false);
  await page.evaluate(() => window.shoplabTag?.flush());
  expect(await storedPurchase(controlServer, await clientId(page))).toEqual({ shipping: 4.99, arm: 'control' });
});
