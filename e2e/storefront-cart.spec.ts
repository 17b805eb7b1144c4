import { expect, test } from './fixtures';
import { eventNames, itemsCents, mark, navigate, open, pushedOnce } from './store-page';

/** A product with sizes and colours, and one without variants (from the committed catalog). */
const VARIANT_PRODUCT = '/product/trailpeak-alpine-running-vest-00004/';
const PLAIN_PRODUCT = '/product/summit-co-trail-sleeping-bag-00018/';

test.describe('product page and cart', () => {
  test('opening a product pushes view_item once, and choosing options or typing does not push it again', async ({ page, server }) => {
    await open(page, server.url + VARIANT_PRODUCT);
    const view = await pushedOnce(page, 'view_item', 0);
    expect(view.ecommerce?.items?.[0]).toMatchObject({ item_brand: 'TrailPeak', item_category: 'Sports & Outdoors', item_category2: 'Running' });
    await page.getByLabel('Size').selectOption({ index: 1 });
    await page.getByLabel('Colour').selectOption({ index: 1 });
    await page.getByLabel('Quantity').fill('3');
    await page.getByRole('searchbox', { name: 'Search' }).fill('boots');
    expect((await eventNames(page)).filter((n) => n === 'view_item')).toHaveLength(1);
  });

  test('add to cart pushes add_to_cart with the chosen variant and quantity, valued at price × quantity', async ({ page, server }) => {
    await open(page, server.url + VARIANT_PRODUCT);
    const price = Number(await page.locator('article[data-item-price]').getAttribute('data-item-price'));
    const size = await page.getByLabel('Size').locator('option').nth(1).textContent();
    await page.getByLabel('Size').selectOption({ index: 1 });
    await page.getByLabel('Quantity').fill('2');
    const since = await mark(page);
    await page.getByRole('button', { name: 'Add to cart' }).click();
    const add = await pushedOnce(page, 'add_to_cart', since);
    expect(add.ecommerce?.items?.[0]).toMatchObject({ quantity: 2, price });
    expect(String(add.ecommerce?.items?.[0]?.item_variant)).toContain(String(size));
    expect(add.ecommerce?.value).toBe(Math.round(price * 2 * 100) / 100);
    await expect(page.locator('[data-shoplab="cart-link"]')).toHaveAttribute('data-cart-count', '2');
    await expect(page.getByRole('status')).toContainText('Added 2');
  });

  test('add to wishlist pushes add_to_wishlist once and the wishlist page lists the product', async ({ page, server }) => {
    await open(page, server.url + PLAIN_PRODUCT);
    const itemId = await page.locator('article[data-item-id]').getAttribute('data-item-id');
    const since = await mark(page);
    await page.getByRole('button', { name: 'Add to wishlist' }).click();
    const wish = await pushedOnce(page, 'add_to_wishlist', since);
    expect(wish.ecommerce?.items?.[0]?.item_id).toBe(itemId);
    await expect(page.getByText('Saved to your')).toBeVisible();
    await navigate(page, () => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Wishlist' }).click(), '/wishlist/');
    const entry = page.getByRole('list', { name: 'Wishlist' }).getByRole('listitem');
    await expect(entry).toHaveAttribute('data-item-id', itemId!);
    const before = await mark(page);
    await entry.getByRole('button', { name: 'Add to cart' }).click();
    expect((await pushedOnce(page, 'add_to_cart', before)).ecommerce?.items?.[0]?.item_id).toBe(itemId);
    await entry.getByRole('button', { name: 'Remove' }).click();
    await expect(page.getByText('Your wishlist is empty.')).toBeVisible();
  });

  test('the cart pushes view_cart for its contents, and quantity changes push the difference', async ({ page, server }) => {
    await open(page, server.url + PLAIN_PRODUCT);
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await expect(page.locator('[data-shoplab="cart-link"]')).toHaveAttribute('data-cart-count', '2');
    let since = await mark(page);
    await navigate(page, () => page.getByRole('link', { name: 'Cart', exact: true }).click(), '/cart/');
    const view = await pushedOnce(page, 'view_cart', since);
    expect(itemsCents(view)).toBe(Math.round(Number(await page.locator('[data-cart-total]').getAttribute('data-cart-total')) * 100));

    const line = page.locator('[data-cart-line]');
    since = await mark(page);
    await line.getByLabel('Quantity').fill('5');
    await line.getByLabel('Quantity').press('Enter');
    expect((await pushedOnce(page, 'add_to_cart', since)).ecommerce?.items?.[0]?.quantity).toBe(3);
    await expect(line).toHaveAttribute('data-quantity', '5');

    since = await mark(page);
    await line.getByLabel('Quantity').fill('1');
    await line.getByLabel('Quantity').press('Tab');
    expect((await pushedOnce(page, 'remove_from_cart', since)).ecommerce?.items?.[0]?.quantity).toBe(4);

    since = await mark(page);
    await line.getByRole('button', { name: 'Remove' }).click();
    expect((await pushedOnce(page, 'remove_from_cart', since)).ecommerce?.items?.[0]?.quantity).toBe(1);
    await expect(page.getByText('Your cart is empty')).toBeVisible();
    await expect(page.locator('[data-shoplab="cart-link"]')).toHaveAttribute('data-cart-count', '0');
    // Re-renders of the cart (quantity edits, removal) never repeat view_cart.
    expect((await eventNames(page)).filter((n) => n === 'view_cart')).toHaveLength(1);
  });
});
