import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { navigate, open } from './store-page';

/** One path per page type; the stateful ones (cart, checkout, order, account, wishlist) are filled first. */
const STATIC_PAGES: [string, string][] = [
  ['home', '/'],
  ['category', '/category/kitchen-cooking/'],
  ['product', '/product/trailpeak-alpine-running-vest-00004/'],
  ['search', '/search/?q=tent'],
  ['search without results', '/search/?q=zzzz'],
  ['login', '/login/'],
  ['signup', '/signup/'],
  ['empty cart', '/cart/'],
  ['empty wishlist', '/wishlist/'],
];

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test.describe('accessibility', () => {
  for (const [kind, path] of STATIC_PAGES) {
    test(`the ${kind} page has no serious or critical axe violations`, async ({ page, server }) => {
      await open(page, server.url + path);
      expect(await seriousViolations(page)).toEqual([]);
    });
  }

  test('the filled cart, every checkout step, the order, the wishlist and the account pages have no serious or critical axe violations', async ({ page, server }) => {
    const report: Record<string, string[]> = {};
    await open(page, server.url + '/signup/');
    const signUp = page.getByRole('form', { name: 'Sign up' });
    await signUp.getByLabel('Name').fill('Axe');
    await signUp.getByLabel('Email').fill('axe@example.test');
    await signUp.getByLabel('Password').fill('long enough secret');
    await navigate(page, () => signUp.getByRole('button', { name: 'Create account' }).click(), '/account/');
    await open(page, server.url + '/product/trailpeak-alpine-running-vest-00004/');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByRole('button', { name: 'Add to wishlist' }).click();
    await navigate(page, () => page.getByRole('link', { name: 'Cart', exact: true }).click(), '/cart/');
    report.cart = await seriousViolations(page);
    await navigate(page, () => page.getByRole('link', { name: 'Checkout' }).click(), '/checkout/');
    report['checkout: address'] = await seriousViolations(page);
    const form = page.getByRole('form', { name: 'Checkout' });
    for (const [label, value] of [['Full name', 'Axe'], ['Email', 'a@example.test'], ['Address', 'A'], ['City', 'B'], ['Postal code', 'C']] as const) {
      await form.getByLabel(label).fill(value);
    }
    for (const [step, name] of [['shipping', 'Continue to shipping method'], ['payment', 'Continue to payment'], ['review', 'Review order']] as const) {
      await page.getByRole('button', { name }).click();
      await expect(page.locator(`main[data-checkout-step="${step}"]`)).toBeVisible();
      report[`checkout: ${step}`] = await seriousViolations(page);
    }
    await navigate(page, () => page.getByRole('button', { name: 'Place order' }).click(), '/order/');
    report.order = await seriousViolations(page);
    await navigate(page, () => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wishlist' }).click(), '/wishlist/');
    report.wishlist = await seriousViolations(page);
    await navigate(page, () => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click(), '/account/');
    report.account = await seriousViolations(page);
    expect(report).toEqual(Object.fromEntries(Object.keys(report).map((k) => [k, []])));
  });
});
