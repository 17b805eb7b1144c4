import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';
import { eventNames, mark, navigate, open, pushed, pushedOnce } from './store-page';

/** The item_list_id of every view_item_list pushed after `since`. */
async function listsPushed(page: Page, since = 0): Promise<unknown[]> {
  return page.evaluate((s) => (window.dataLayer ?? []).slice(s).flatMap((p) => {
    const push = p as { event?: string; ecommerce?: { item_list_id?: unknown } };
    return push.event === 'view_item_list' ? [push.ecommerce?.item_list_id] : [];
  }), since);
}

/** Scrolls the page and waits until the page has seen the scroll event that follows. */
async function scrolled(page: Page, act: () => Promise<unknown>): Promise<void> {
  const seen = page.evaluate(() => new Promise<void>((resolve) => window.addEventListener('scroll', () => setTimeout(resolve, 0), { once: true })));
  await act();
  await seen;
}

test.describe('browsing', () => {
  test('the home page pushes view_promotion per promotion in view, and view_item_list once per list as it scrolls into view', async ({ page, server }) => {
    await open(page, server.url + '/');
    const promos = await pushed(page, 'view_promotion', 0, 3);
    expect(promos.map((p) => p.push.ecommerce?.creative_slot)).toEqual(['home_slot_1', 'home_slot_2', 'home_slot_3']);
    // The bottom list is below the fold: no impression until the shopper scrolls to it.
    expect(await listsPushed(page)).not.toContain('home_bestsellers');
    for (const name of ['Featured', 'New arrivals', 'Bestsellers']) {
      await scrolled(page, () => page.getByRole('list', { name }).evaluate((el) => el.scrollIntoView({ block: 'center' })));
    }
    const lists = await pushed(page, 'view_item_list', 0, 3);
    expect(lists.map((l) => l.push.ecommerce?.item_list_id)).toEqual(['home_featured', 'home_new', 'home_bestsellers']);
    for (const l of lists) expect(l.push.ecommerce?.items?.map((it) => it.index)).toEqual(l.push.ecommerce?.items?.map((_, i) => i));
    // Scrolling over them again is no new impression.
    await scrolled(page, () => page.evaluate(() => window.scrollTo(0, 0)));
    await scrolled(page, () => page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight)));
    const names = await eventNames(page);
    expect(names.filter((n) => n === 'view_item_list')).toHaveLength(3);
    expect(names.filter((n) => n === 'view_promotion')).toHaveLength(3);
  });

  test('going back to a list already seen pushes no second view_item_list for it; its related list is pushed when scrolled to', async ({ page, server }) => {
    await open(page, server.url + '/');
    await navigate(page, () => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Kitchen & Cooking' }).click(), '/category/kitchen-cooking/');
    expect(await listsPushed(page)).toContain('category_kitchen-cooking');
    const list = page.getByRole('list', { name: 'Kitchen & Cooking' });
    await navigate(page, () => list.getByRole('listitem').first().getByRole('link').click(), /^\/product\//);
    const since = await mark(page);
    expect(await listsPushed(page, since)).toEqual([]);
    await scrolled(page, () => page.getByRole('list', { name: 'You may also like' }).evaluate((el) => el.scrollIntoView({ block: 'center' })));
    expect((await pushedOnce(page, 'view_item_list', since)).ecommerce?.item_list_id).toBe('related_products');
    const back = await mark(page);
    await navigate(page, () => page.goBack().then(() => undefined), '/category/kitchen-cooking/');
    expect(await eventNames(page, back)).not.toContain('view_item_list');
  });

  test('following a promotion pushes select_promotion with its one item, then view_item for it', async ({ page, server }) => {
    await open(page, server.url + '/');
    const promotions = page.getByRole('list', { name: 'Promotions' });
    const link = promotions.getByRole('listitem').first().getByRole('link');
    const since = await mark(page);
    await navigate(page, () => link.click(), /^\/product\//);
    const select = await pushedOnce(page, 'select_promotion', since);
    const view = await pushedOnce(page, 'view_item', since);
    expect(select.ecommerce?.promotion_id).toBe('promo_outdoors');
    expect(view.ecommerce?.items?.[0]?.item_id).toBe(select.ecommerce?.items?.[0]?.item_id);
  });

  test('choosing a product from a list pushes select_item with the list and the index it was shown at', async ({ page, server }) => {
    await open(page, server.url + '/');
    const list = page.getByRole('list', { name: 'Bestsellers' });
    const third = list.getByRole('listitem').nth(2);
    const itemId = await third.getAttribute('data-item-id');
    await scrolled(page, () => list.evaluate((el) => el.scrollIntoView({ block: 'center' })));
    const since = await mark(page);
    await navigate(page, () => third.getByRole('link').click(), /^\/product\//);
    const select = await pushedOnce(page, 'select_item', since);
    expect(select.ecommerce).toMatchObject({ item_list_id: 'home_bestsellers', item_list_name: 'Bestsellers' });
    expect(select.ecommerce?.items?.[0]).toMatchObject({ item_id: itemId, index: 2, item_list_id: 'home_bestsellers' });
    // The related list at the foot of the product page is not in view yet.
    expect(await eventNames(page, since)).toEqual(['select_item', 'view_item']);
  });

  test('a category page pages, sorts and filters, pushing view_item_list with absolute indexes for each view', async ({ page, server }) => {
    await open(page, server.url + '/');
    let since = await mark(page);
    await navigate(page, () => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Kitchen & Cooking' }).click(), '/category/kitchen-cooking/');
    const list = page.getByRole('list', { name: 'Kitchen & Cooking' });
    await expect(list.getByRole('listitem')).toHaveCount(12);
    const first = await pushedOnce(page, 'view_item_list', since);
    expect(first.ecommerce?.item_list_id).toBe('category_kitchen-cooking');

    since = await mark(page);
    await page.getByRole('button', { name: 'Next page' }).click();
    const second = await pushedOnce(page, 'view_item_list', since);
    expect(second.ecommerce?.items?.map((it) => it.index)).toEqual(Array.from({ length: 12 }, (_, i) => 12 + i));

    since = await mark(page);
    await page.getByLabel('Sort by').selectOption({ label: 'Price: low to high' });
    const sorted = await pushedOnce(page, 'view_item_list', since);
    const prices = sorted.ecommerce!.items!.map((it) => it.price!);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    await expect(page.getByRole('status')).toContainText('page 1 of');

    since = await mark(page);
    await page.getByLabel('Subcategory').selectOption({ label: 'Knives' });
    const filtered = await pushedOnce(page, 'view_item_list', since);
    expect(new Set(filtered.ecommerce!.items!.map((it) => it.item_category2))).toEqual(new Set(['Knives']));
  });

  test('a search pushes search with the term, then view_item_list of the results', async ({ page, server }) => {
    await open(page, server.url + '/');
    const since = await mark(page);
    await navigate(page, async () => {
      await page.getByRole('searchbox', { name: 'Search' }).fill('tent');
      await page.getByRole('button', { name: 'Search' }).click();
    }, '/search/');
    const search = await pushedOnce(page, 'search', since);
    expect(search.search_term).toBe('tent');
    const results = await pushedOnce(page, 'view_item_list', since);
    expect(results.ecommerce?.item_list_id).toBe('search_results');
    for (const it of results.ecommerce!.items!) expect(String(it.item_name).toLowerCase()).toContain('tent');
    expect(await eventNames(page, since)).toEqual(['search', 'view_item_list']);
    await expect(page.getByRole('list', { name: 'Search results' }).getByRole('link').first()).toBeVisible();
  });

  test('a search without results says so and pushes search but no list', async ({ page, server }) => {
    await open(page, server.url + '/search/?q=zzzz%20nothing');
    await expect(page.getByText('No products match “zzzz nothing”.')).toBeVisible();
    expect((await pushedOnce(page, 'search', 0)).search_term).toBe('zzzz nothing');
    expect(await eventNames(page)).not.toContain('view_item_list');
  });

  test('an unknown address answers 404 with the not-found page and a way home', async ({ page, server, failedRequests }) => {
    const response = await page.goto(server.url + '/no/such/page/');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await expect(page.locator('main[data-shoplab-page="not-found"]')).toBeVisible();
    await navigate(page, () => page.getByRole('link', { name: 'Go to the home page' }).click(), '/');
    // 404s for the unknown address (the document, and Gatsby's look-ups of its page data) are the point of
    // this test; any other failed request still fails it.
    const expected = failedRequests.filter((f) => f.includes('/no/such/page') && f.endsWith(' 404'));
    expect(expected.length).toBeGreaterThan(0);
    failedRequests.splice(0, failedRequests.length, ...failedRequests.filter((f) => !expected.includes(f)));
  });
});
