/**
 * What the storefront QA tests share: opening pages and waiting for the store's "route settled" signal, and
 * reading the dataLayer to wait for, and check, the push a shopper's action caused.
 */
import type { Page } from '@playwright/test';
import { expect } from './fixtures';
import { ga4Violations, type Pushed } from './ga4-rules';

export type { Pushed } from './ga4-rules';

/** Reads window.dataLayer as JSON (GTM's own entries may hold functions, which JSON drops). */
export async function dataLayer(page: Page): Promise<Pushed[]> {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.dataLayer ?? [])) as Pushed[]);
}

export async function navCount(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.documentElement.dataset.shoplabNav ?? '0'));
}

/**
 * Opens a store path with a full load and waits until the page has settled. The current page's tag is
 * flushed first: a full load aborts its in-flight hits, which the network fixture would report.
 */
export async function open(page: Page, url: string): Promise<void> {
  if (page.url().startsWith('http')) await page.evaluate(() => window.shoplabTag?.flush());
  await page.goto(url);
  await page.waitForFunction(() => Number(document.documentElement.dataset.shoplabNav ?? '0') >= 1);
}

/** Runs an action that navigates client-side, then waits for the new route to settle at `path`. */
export async function navigate(page: Page, act: () => Promise<void>, path?: string | RegExp): Promise<void> {
  const before = await navCount(page);
  await act();
  await page.waitForFunction((n) => Number(document.documentElement.dataset.shoplabNav ?? '0') > n, before);
  if (path !== undefined) expect(await page.evaluate(() => location.pathname)).toMatch(path);
}

/** The number of pushes so far; pass it to `pushed` to look only at what comes after. */
export async function mark(page: Page): Promise<number> {
  return page.evaluate(() => (window.dataLayer ?? []).length);
}

export interface Found {
  index: number;
  push: Pushed;
  layer: Pushed[];
}

/**
 * Waits until `count` pushes named `event` have appeared after `since`, checks each against GA4's rules
 * and returns them (by default just the first).
 */
export async function pushed(page: Page, event: string, since: number, count = 1): Promise<Found[]> {
  await page.waitForFunction(
    ({ e, s, c }) => (window.dataLayer ?? []).slice(s).filter((p) => (p as { event?: string }).event === e).length >= c,
    { e: event, s: since, c: count },
  );
  const layer = await dataLayer(page);
  const found: Found[] = [];
  layer.forEach((push, index) => {
    if (index >= since && push.event === event) found.push({ index, push, layer });
  });
  for (const f of found) expect(ga4Violations(layer, f.index), `${event} at dataLayer[${f.index}]`).toEqual([]);
  return found;
}

/** The one push named `event` after `since`; fails when there are more (a duplicate on re-render). */
export async function pushedOnce(page: Page, event: string, since: number): Promise<Pushed> {
  const found = await pushed(page, event, since);
  expect(found.map((f) => f.push.event), `pushes of ${event} after dataLayer[${since}]`).toHaveLength(1);
  return found[0]!.push;
}

/** Names of the store's events after `since`, in order (GTM's and the tag's own entries left out). */
export async function eventNames(page: Page, since = 0): Promise<string[]> {
  const layer = await dataLayer(page);
  return layer.slice(since).flatMap((p) => (typeof p.event === 'string' && !p.event.startsWith('gtm.') ? [p.event] : []));
}

/** Σ price × quantity of a push's items, in cents. */
export function itemsCents(push: Pushed): number {
  return Math.round((push.ecommerce?.items ?? []).reduce((s, it) => s + (it.price ?? 0) * (it.quantity ?? 1), 0) * 100);
}

/** Fills the checkout form's address step with a valid address (the step's submit is the caller's). */
export async function fillAddress(page: Page): Promise<void> {
  const form = page.getByRole('form', { name: 'Checkout' });
  await form.getByLabel('Full name').fill('Ada Shopper');
  await form.getByLabel('Email').fill('ada@example.test');
  await form.getByLabel('Address').fill('1 Test Street');
  await form.getByLabel('City').fill('Testville');
  await form.getByLabel('Postal code').fill('12345');
}
