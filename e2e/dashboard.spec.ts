/**
 * The live dashboard in real Chromium, on a real server (built store + collector + DuckDB + the dashboard mounted
 * as `shoplab serve` mounts it): the token guards it, cards follow committed events within 2 s, axe-core finds no
 * serious violation, and an offer pushed to a segment reaches exactly its targeted client ids.
 */
import AxeBuilder from '@axe-core/playwright';
import { test, expect, type Browser, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDashboardServer, type DashboardServer } from '../cli/dashboard-server';
import { splitDraw } from '../dashboard/targeting';
import type { StoreOffersResponse } from '../ga4/store-offer';
import { simHookScript } from '../headless/runner';
import type { SimulateParams, SimulateResult } from '../simulator/engine';
import { PUBLIC_DIR } from './fixtures';

const IMAGES = resolve(import.meta.dirname, '..', 'docs', 'images');
const START = Date.UTC(2026, 10, 20, 18, 0, 0);

let running: DashboardServer;
let dataDir: string;
/** Wall-clock ms of every commit the collector reported to its listeners. */
const commits: number[] = [];

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'shoplab-dash-e2e-'));
  running = await startDashboardServer({ host: '127.0.0.1', port: 0, dataDir, publicDir: PUBLIC_DIR, token: 'e2e-dashboard-token-0123456789', onCommit: [() => commits.push(Date.now())] }, { sseIntervalMs: 250 });
  await running.seeded;
});

test.afterAll(async () => {
  await running?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const auth = (): Record<string, string> => ({ authorization: `Bearer ${running.server.token}` });

/** One shopper in their own context, as the runner places them (virtual time, a fixed client id). */
async function shop(browser: Browser, clientId: string, params: SimulateParams, startTime: number): Promise<SimulateResult> {
  const context = await browser.newContext();
  try {
    await context.addInitScript(simHookScript({ startTime, clientId, runId: 'dash-e2e' }));
    const page = await context.newPage();
    await page.goto(`${running.server.url}/`);
    await page.waitForFunction(() => typeof window.simulateUser === 'function');
    return await page.evaluate((p) => window.simulateUser!(p), params);
  } finally {
    await context.close();
  }
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${running.server.url}/sign-in/`);
  await page.getByLabel('Access token').fill(running.server.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/dashboard\/$/);
}

const cardValue = (page: Page, name: string): Promise<string> => page.getByRole('region', { name }).locator('.value').innerText();

test('without the token the dashboard and its API answer 401 and show no data', async ({ page, request }) => {
  for (const path of ['/dashboard/', '/dashboard/app.js', '/dashboard/api/snapshot', '/dashboard/api/stream', '/dashboard/api/visitors', '/dashboard/api/offers']) {
    const res = await request.get(`${running.server.url}${path}`);
    expect(res.status(), path).toBe(401);
    expect(Object.keys((await res.json()) as object)).toEqual(['error']);
    const wrong = await request.get(`${running.server.url}${path}`, { headers: { authorization: 'Bearer not-the-token-at-all-000000' } });
    expect(wrong.status(), path).toBe(401);
  }
  const post = await request.post(`${running.server.url}/dashboard/api/segments`, { data: { name: 'x', clientIds: ['1.1'] } });
  expect(post.status()).toBe(401);
  const res = await page.goto(`${running.server.url}/dashboard/`);
  expect(res?.status()).toBe(401);
  await expect(page.getByRole('region', { name: 'Sessions' })).toHaveCount(0);
  expect(await page.content()).not.toContain('Active users');
  // With the header the same page answers.
  expect((await request.get(`${running.server.url}/dashboard/api/snapshot`, { headers: auth() })).status()).toBe(200);
});

test('the active-users and sessions cards change within 2 s of the events\' commit; axe-core finds no serious violation', async ({ page, browser }) => {
  test.setTimeout(240_000);
  await signIn(page);
  const sessions = page.getByRole('region', { name: 'Sessions' });
  await expect(sessions.locator('.value')).toHaveText(/^\d+$/, { timeout: 60_000 });
  const before = { sessions: await cardValue(page, 'Sessions'), active: await cardValue(page, 'Active users (last 30 minutes)') };
  const since = Date.now();
  // Records, in the page, the wall-clock time at which each card's text first differs from `before`.
  await page.evaluate((b) => {
    const w = window as unknown as { changedAt: Record<string, number> };
    w.changedAt = {};
    const watch = (name: string, initial: string): void => {
      const el = document.querySelector(`[role="region"][aria-label="${name}"] .value`);
      if (!el) return;
      new MutationObserver(() => {
        if (el.textContent !== initial && w.changedAt[name] === undefined) w.changedAt[name] = Date.now();
      }).observe(el, { childList: true, characterData: true, subtree: true });
    };
    watch('Sessions', b.sessions);
    watch('Active users (last 30 minutes)', b.active);
  }, before);
  const result = await shop(browser, '500000001.1700000001', { seed: 'dash-live-1', persona: 'bargain-hunter', pace: 'virtual' }, START);
  expect(result.events.length).toBeGreaterThan(0);
  const changed = await page.waitForFunction(() => {
    const w = window as unknown as { changedAt: Record<string, number> };
    return w.changedAt['Sessions'] !== undefined && w.changedAt['Active users (last 30 minutes)'] !== undefined ? w.changedAt : null;
  }, undefined, { timeout: 60_000 });
  const at = (await changed.jsonValue()) as Record<string, number>;
  const firstCommit = commits.find((t) => t >= since);
  expect(firstCommit).toBeDefined();
  for (const [card, t] of Object.entries(at)) expect(t - firstCommit!, `${card} changed ${t - firstCommit!} ms after the first commit`).toBeLessThan(2000);
  expect(Number(await cardValue(page, 'Sessions'))).toBeGreaterThan(Number(before.sessions));

  // No model in this data directory: the page says the rule score is in use.
  await expect(page.locator('#propensity-source')).toContainText('Rule score');

  // Visitors: the shopper is listed; their pages show with times.
  await page.getByRole('button', { name: '500000001.1700000001' }).first().click({ timeout: 30_000 });
  await expect(page.locator('#detail-pages li').first()).toContainText('/');

  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
});

test('an offer pushed to a segment reaches exactly its targeted client ids; the events land; the lift has an interval and the split reproduces from the seed', async ({ browser, request, page }) => {
  test.setTimeout(300_000);
  const base = running.server.url;
  const ids = Array.from({ length: 6 }, (_, i) => `70000000${i}.1700000000`);
  const outsider = '799999999.1700000000';
  // Each targeted client visits once, so that the dashboard knows them and an item viewed on the site.
  for (const [i, id] of ids.entries()) await shop(browser, id, { seed: `dash-target-${i}`, persona: 'bargain-hunter', pace: 'virtual' }, START + 3600_000 + i * 60_000);
  const snapshot = (await (await request.get(`${base}/dashboard/api/snapshot`, { headers: auth() })).json()) as { featurable: { itemId: string }[] };
  const itemId = snapshot.featurable.at(-1)?.itemId;
  expect(itemId).toBeDefined();

  const seg = await request.post(`${base}/dashboard/api/segments`, { headers: auth(), data: { name: 'Bargain hunters', clientIds: ids } });
  expect(seg.status()).toBe(201);
  const { segment } = (await seg.json()) as { segment: { id: string } };
  const created = await request.post(`${base}/dashboard/api/offers`, { headers: auth(), data: { segmentId: segment.id, kind: 'discount', headline: '15 % off kitchen favourites', code: 'WELCOME15', itemId, holdoutShare: 0.34, seed: 11 } });
  expect(created.status()).toBe(201);
  const { offer } = (await created.json()) as { offer: { id: string; predicted: { lift: number; basis: string } } };
  expect(Number.isFinite(offer.predicted.lift)).toBe(true);
  const pushed = (await (await request.post(`${base}/dashboard/api/offers/push`, { headers: auth(), data: { id: offer.id } })).json()) as { offer: { arms: Record<string, 'offer' | 'holdout'> } };
  // The split is a function of the seed, the offer and the client id alone.
  for (const id of ids) expect(pushed.offer.arms[id]).toBe(splitDraw(11, offer.id, id) < 0.34 ? 'holdout' : 'offer');
  const targeted = ids.filter((id) => pushed.offer.arms[id] === 'offer');
  const holdout = ids.filter((id) => pushed.offer.arms[id] === 'holdout');
  expect(targeted.length).toBeGreaterThan(0);
  expect(holdout.length).toBeGreaterThan(0);

  // The store page shows the banner to exactly the targeted client ids.
  for (const id of [...ids, outsider]) {
    const context = await browser.newContext();
    await context.addCookies([{ name: '_ga', value: `GA1.1.${id}`, url: base }]);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    const offers = (await (await page.request.get(`${base}/api/offers`)).json()) as StoreOffersResponse;
    const banner = page.getByRole('complementary', { name: 'Offer for you' });
    if (targeted.includes(id)) {
      await expect(banner).toBeVisible({ timeout: 30_000 });
      await expect(banner).toContainText('WELCOME15');
      expect(offers.offers.map((o) => o.promotion.promotion_id)).toEqual([offer.id]);
    } else {
      expect(offers.offers).toEqual([]);
      await page.waitForFunction(() => document.querySelector('main[data-shoplab-page="home"]') !== null);
      await expect(banner).toHaveCount(0);
    }
    await context.close();
  }

  // Targeted shoppers come back: the banner's view_promotion (and any select_promotion) land in the warehouse.
  for (const [i, id] of targeted.entries()) await shop(browser, id, { seed: `dash-back-${i}`, persona: 'bargain-hunter', pace: 'virtual' }, START + 7200_000 + i * 60_000);
  await expect
    .poll(async () => {
      const rows = await running.server.warehouse.query(
        "SELECT count(*)::INTEGER AS n FROM analytics_shoplab.events, UNNEST(event_params) AS p WHERE event_name = 'view_promotion' AND p.unnest.key = 'promotion_id' AND p.unnest.value.string_value = ?",
        [offer.id],
      );
      return Number(rows[0]?.n ?? 0);
    }, { timeout: 30_000 })
    .toBeGreaterThan(0);
  const report = (await (await request.get(`${base}/dashboard/api/offers`, { headers: auth() })).json()) as { offers: { id: string; events: { views: number }; measured: { lift: number; interval: [number, number]; offer: { clients: number }; holdout: { clients: number } } }[] };
  const mine = report.offers.find((o) => o.id === offer.id)!;
  expect(mine.events.views).toBeGreaterThan(0);
  expect(mine.measured.offer.clients).toBe(targeted.length);
  expect(mine.measured.holdout.clients).toBe(holdout.length);
  expect(mine.measured.interval[0]).toBeLessThanOrEqual(mine.measured.lift);
  expect(mine.measured.interval[1]).toBeGreaterThanOrEqual(mine.measured.lift);

  // The targeting panel lists the offer with its measured lift and interval.
  await signIn(page);
  await expect(page.getByRole('table', { name: /Offers: predicted and measured lift/ })).toContainText(offer.id, { timeout: 30_000 });
  await expect(page.getByRole('table', { name: /Offers: predicted and measured lift/ })).toContainText(`n = ${targeted.length} / ${holdout.length}`);
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

  if (process.env.SHOPLAB_SCREENSHOTS) {
    mkdirSync(IMAGES, { recursive: true });
    for (const [name, size] of [['desktop', { width: 1440, height: 1000 }], ['tablet', { width: 820, height: 1180 }]] as const) {
      await page.setViewportSize(size);
      await page.evaluate(() => window.scrollTo(0, 0));
      // The charts re-lay out on resize: wait until every canvas fits the new width.
      await page.waitForFunction((w) => [...document.querySelectorAll('canvas')].every((c) => c.getBoundingClientRect().right <= w + 1), size.width);
      await page.screenshot({ path: join(IMAGES, `dashboard-${name}.png`), fullPage: false });
    }
  }
});
