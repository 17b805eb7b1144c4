import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { dataLayer, mark, navigate, open, pushedOnce } from './store-page';

const EMAIL = 'Lee.Account@example.test';
const PASSWORD = 'correct horse battery';

async function signUp(page: Page, serverUrl: string): Promise<void> {
  await open(page, serverUrl + '/');
  await navigate(page, () => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' }).click(), '/login/');
  await navigate(page, () => page.getByRole('link', { name: 'Create an account' }).click(), '/signup/');
  const form = page.getByRole('form', { name: 'Sign up' });
  await form.getByLabel('Name').fill('Lee');
  await form.getByLabel('Email').fill(EMAIL);
  await form.getByLabel('Password').fill(PASSWORD);
  await navigate(page, () => form.getByRole('button', { name: 'Create account' }).click(), '/account/');
}

/** The clear password, the email, or its local part must never reach the dataLayer. */
async function expectNoCredentials(page: Page): Promise<void> {
  const text = JSON.stringify(await dataLayer(page)).toLowerCase();
  for (const secret of [PASSWORD, EMAIL.toLowerCase(), 'lee.account']) expect(text).not.toContain(secret.toLowerCase());
}

test.describe('accounts', () => {
  test('sign up sets an opaque user_id before sign_up, and never pushes the email or password', async ({ page, server }) => {
    const since = await (async () => {
      await open(page, server.url + '/');
      return mark(page);
    })();
    await signUp(page, server.url);
    const signUpPush = await pushedOnce(page, 'sign_up', since);
    expect(signUpPush.method).toBe('email');
    const layer = await dataLayer(page);
    const signUpAt = layer.findIndex((p) => p.event === 'sign_up');
    const idPush = layer.slice(0, signUpAt).reverse().find((p) => 'user_id' in p);
    expect(String(idPush?.user_id)).toMatch(/^U-[0-9A-Z-]+$/);
    await expect(page.getByRole('heading', { name: 'Hello, Lee' })).toBeVisible();
    await expectNoCredentials(page);
    const stored = await page.evaluate(() => JSON.stringify(localStorage));
    expect(stored).not.toContain(PASSWORD);
  });

  test('log out clears user_id; log in with the wrong password fails, with the right one pushes user_id then login', async ({ page, server }) => {
    await signUp(page, server.url);
    let since = await mark(page);
    await navigate(page, () => page.getByRole('button', { name: 'Log out' }).click(), '/');
    const layer = await dataLayer(page);
    expect(layer.slice(since).some((p) => 'user_id' in p && p.user_id === null)).toBe(true);

    await navigate(page, () => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' }).click(), '/login/');
    const form = page.getByRole('form', { name: 'Log in' });
    await form.getByLabel('Email').fill(EMAIL);
    await form.getByLabel('Password').fill('wrong password');
    await form.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert')).toHaveText('That email and password do not match an account.');

    since = await mark(page);
    await form.getByLabel('Password').fill(PASSWORD);
    await navigate(page, () => form.getByRole('button', { name: 'Log in' }).click(), '/account/');
    expect((await pushedOnce(page, 'login', since)).method).toBe('email');
    const after = (await dataLayer(page)).slice(since);
    const idAt = after.findIndex((p) => typeof p.user_id === 'string');
    expect(idAt).toBeGreaterThanOrEqual(0);
    expect(idAt).toBeLessThan(after.findIndex((p) => p.event === 'login'));
    await expectNoCredentials(page);
  });

  test('requesting a refund from order history pushes refund with the transaction id and value, once', async ({ page, server }) => {
    await signUp(page, server.url);
    await open(page, server.url + '/product/summit-co-trail-sleeping-bag-00018/');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await navigate(page, () => page.getByRole('link', { name: 'Cart', exact: true }).click(), '/cart/');
    await navigate(page, () => page.getByRole('link', { name: 'Checkout' }).click(), '/checkout/');
    const form = page.getByRole('form', { name: 'Checkout' });
    for (const [label, value] of [['Full name', 'Lee'], ['Email', 'x@example.test'], ['Address', 'A'], ['City', 'B'], ['Postal code', 'C']] as const) {
      await form.getByLabel(label).fill(value);
    }
    for (const step of ['Continue to shipping method', 'Continue to payment', 'Review order']) await page.getByRole('button', { name: step }).click();
    await navigate(page, () => page.getByRole('button', { name: 'Place order' }).click(), '/order/');
    const order = page.locator('main[data-shoplab-page="order"]');
    const txn = await order.getAttribute('data-transaction-id');
    const value = Number(await order.getAttribute('data-order-value'));

    await navigate(page, () => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click(), '/account/');
    const entry = page.getByRole('list', { name: 'Orders' }).getByRole('listitem').filter({ hasText: txn! });
    const since = await mark(page);
    await entry.getByRole('button', { name: 'Request refund' }).click();
    const refund = await pushedOnce(page, 'refund', since);
    expect(refund.ecommerce).toMatchObject({ transaction_id: txn, value, currency: 'USD' });
    await expect(entry.getByText('Refund requested')).toBeVisible();
    await expect(entry.getByRole('button', { name: 'Request refund' })).toHaveCount(0);
  });

  test('shoplab:reset forgets the cart, wishlist and signed-in shopper', async ({ page, server }) => {
    await signUp(page, server.url);
    await open(page, server.url + '/product/summit-co-trail-sleeping-bag-00018/');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByRole('button', { name: 'Add to wishlist' }).click();
    await expect(page.locator('[data-shoplab="cart-link"]')).toHaveAttribute('data-cart-count', '1');
    const since = await mark(page);
    await page.evaluate(() => window.dispatchEvent(new Event('shoplab:reset')));
    await expect(page.locator('[data-shoplab="cart-link"]')).toHaveAttribute('data-cart-count', '0');
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Add to wishlist' })).toBeVisible();
    expect((await dataLayer(page)).slice(since)).toEqual([{ user_id: null }]);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => /cart|session|wishlist/.test(k)))).toEqual([]);
  });
});
