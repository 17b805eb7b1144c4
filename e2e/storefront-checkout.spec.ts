import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { eventNames, fillAddress, itemsCents, mark, navigate, open, pushedOnce, type Pushed } from './store-page';

const PRODUCTS = ['/product/summit-co-trail-sleeping-bag-00018/', '/product/trailpeak-alpine-running-vest-00004/'];

async function fillCart(page: Page, serverUrl: string): Promise<void> {
  for (const [i, path] of PRODUCTS.entries()) {
    await open(page, serverUrl + path);
    await page.getByLabel('Quantity').fill(String(i + 1));
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await expect(page.getByRole('status')).toContainText('Added');
  }
  await navigate(page, () => page.getByRole('link', { name: 'Cart', exact: true }).click(), '/cart/');
}

function payload(p: Pushed): Record<string, unknown> {
  return p.ecommerce ?? {};
}

test.describe('checkout', () => {
  test('the funnel pushes begin_checkout, add_shipping_info, add_payment_info and purchase with coupon, tier, payment, shipping and tax', async ({ page, server }) => {
    await fillCart(page, server.url);
    let since = await mark(page);
    await navigate(page, () => page.getByRole('link', { name: 'Checkout' }).click(), '/checkout/');
    const begin = await pushedOnce(page, 'begin_checkout', since);
    expect(begin.ecommerce?.items).toHaveLength(2);

    await fillAddress(page);
    await page.getByLabel('Coupon code').fill('save10');
    await page.getByRole('button', { name: 'Apply coupon' }).click();
    await expect(page.getByText('Coupon SAVE10 applied')).toBeVisible();
    since = await mark(page);
    await page.getByRole('button', { name: 'Continue to shipping method' }).click();
    await page.getByRole('radio', { name: /^Express/ }).check();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    const shipping = await pushedOnce(page, 'add_shipping_info', since);
    expect(payload(shipping)).toMatchObject({ shipping_tier: 'express', coupon: 'SAVE10' });
    for (const it of shipping.ecommerce!.items!) expect(it).toMatchObject({ coupon: 'SAVE10', discount: expect.any(Number) });

    since = await mark(page);
    await page.getByRole('radio', { name: 'PayPal' }).check();
    await page.getByRole('button', { name: 'Review order' }).click();
    expect(payload(await pushedOnce(page, 'add_payment_info', since))).toMatchObject({ payment_type: 'paypal', coupon: 'SAVE10' });
    await expect(page.getByText('Express', { exact: true })).toBeVisible();

    since = await mark(page);
    await navigate(page, () => page.getByRole('button', { name: 'Place order' }).click(), '/order/');
    const purchase = await pushedOnce(page, 'purchase', since);
    const order = page.locator('main[data-shoplab-page="order"]');
    expect(payload(purchase)).toMatchObject({
      transaction_id: await order.getAttribute('data-transaction-id'),
      coupon: 'SAVE10',
      shipping: 12.99,
      customer_type: 'new',
    });
    expect(Math.round(Number(purchase.ecommerce?.value) * 100)).toBe(itemsCents(purchase));
    expect(Number(await order.getAttribute('data-order-value'))).toBe(purchase.ecommerce?.value);
    expect(purchase.ecommerce?.tax).toBe(Math.round(Number(purchase.ecommerce?.value) * 8) / 100);
    expect(await eventNames(page, since)).toEqual(['purchase']);
    await expect(page.locator('[data-shoplab="cart-link"]')).toHaveAttribute('data-cart-count', '0');
  });

  test('two purchases get different non-empty transaction ids, and the second shopper is returning', async ({ page, server }) => {
    const ids: string[] = [];
    const types: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      await fillCart(page, server.url);
      await navigate(page, () => page.getByRole('link', { name: 'Checkout' }).click(), '/checkout/');
      await fillAddress(page);
      for (const step of ['Continue to shipping method', 'Continue to payment', 'Review order']) {
        await page.getByRole('button', { name: step }).click();
      }
      const since = await mark(page);
      await navigate(page, () => page.getByRole('button', { name: 'Place order' }).click(), '/order/');
      const purchase = await pushedOnce(page, 'purchase', since);
      ids.push(String(purchase.ecommerce?.transaction_id));
      types.push(purchase.ecommerce?.customer_type);
    }
    expect(ids.every((id) => id.trim().length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(2);
    expect(types).toEqual(['new', 'returning']);
  });

  test('a shopper can check out at phone width with the keyboard alone', async ({ page, server }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await fillCart(page, server.url);
    await page.getByRole('link', { name: 'Checkout' }).focus();
    await navigate(page, () => page.keyboard.press('Enter'), '/checkout/');
    const fields: [string, string][] = [
      ['Full name', 'Kim Keys'],
      ['Email', 'kim@example.test'],
      ['Address', '2 Tab Road'],
      ['City', 'Entertown'],
      ['Postal code', '54321'],
    ];
    await page.getByLabel('Full name').focus();
    for (const [label, value] of fields) {
      await expect(page.getByLabel(label)).toBeFocused();
      await page.keyboard.type(value);
      await page.keyboard.press('Tab');
    }
    await expect(page.getByRole('button', { name: 'Continue to shipping method' })).toBeFocused();
    const since = await mark(page);
    await page.keyboard.press('Enter');
    // Focus moves to the new step's heading; Tab reaches the chosen tier, arrows change it.
    await expect(page.getByRole('heading', { name: 'Shipping method' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('radio', { name: /^Standard/ })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('radio', { name: /^Express/ })).toBeChecked();
    await page.keyboard.press('Enter');
    expect((await pushedOnce(page, 'add_shipping_info', since)).ecommerce?.shipping_tier).toBe('express');
    await expect(page.getByRole('heading', { name: 'Payment' })).toBeFocused();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect((await pushedOnce(page, 'add_payment_info', since)).ecommerce?.payment_type).toBe('credit_card');
    await expect(page.getByRole('heading', { name: 'Review your order' })).toBeFocused();
    await page.getByRole('button', { name: 'Place order' }).focus();
    await navigate(page, () => page.keyboard.press('Enter'), '/order/');
    await pushedOnce(page, 'purchase', since);
    await expect(page.getByRole('heading', { name: 'Thank you, Kim Keys!' })).toBeVisible();
  });
});
