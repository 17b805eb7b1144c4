/**
 * Whole sessions on the built store: a goal-directed shopper finds and buys what it came for, a browser leaves
 * without buying, a session survives a full page load, a console session can be stopped, and a broken store
 * ends a session with a clear reason instead of a hang.
 */
import type { BrowserContext, Page } from '@playwright/test';
import type { SimulateResult } from '../simulator/engine';
import { expect, openStore, simulate, test } from './fixtures';
import { visitScript } from '../headless/visit-script';
import { runSessions, testPersona } from './sessions';

const START = Date.UTC(2026, 10, 5, 18);

/** A page of the store whose engine reports its session through `__shoplabReport`, as under a runner. */
async function openReporting(context: BrowserContext, url: string): Promise<{ page: Page; report: Promise<SimulateResult> }> {
  const page = await context.newPage();
  let resolve: (r: SimulateResult) => void = () => undefined;
  const report = new Promise<SimulateResult>((r) => (resolve = r));
  await page.exposeFunction('__shoplabReport', (r: SimulateResult) => resolve(r));
  await page.goto(url + '/');
  await page.waitForFunction(() => typeof window.simulateUser === 'function');
  return { page, report };
}
const GOAL = 'SKU-00292';

test('a goal-directed shopper finds the item it needs by browsing and buys it', async ({ browser, server }) => {
  // Interested in kitchen first: it has to look through other categories before it finds the book.
  const shopper = testPersona('goal', { interests: { 'kitchen-cooking': 5, electronics: 3 }, baseline: 0.5 });
  const [r] = await runSessions(browser, server, [{ persona: shopper, seed: 'goal-1', startTime: START, runId: 'e2e-goal', params: { goal: { itemId: GOAL } } }]);
  expect(r!.error).toBeUndefined();
  expect(r!.outcome).toBe('purchase');
  expect(r!.intent).toBe('buy');
  expect(r!.actions.filter((a) => a.action === 'browse-category').length).toBeGreaterThanOrEqual(1);
  const purchase = r!.events.find((e) => e.event === 'purchase') as { ecommerce: { transaction_id: string; items: { item_id: string }[] } } | undefined;
  expect(purchase?.ecommerce.items.map((i) => i.item_id)).toEqual([GOAL]);
  const rows = await server.warehouse.query(
    `SELECT ecommerce.transaction_id AS txn, [i.item_id FOR i IN items] AS ids FROM ${server.warehouse.dataset}.events WHERE event_name = 'purchase' AND user_pseudo_id = ?`,
    [r!.clientId],
  );
  expect(rows).toEqual([{ txn: r!.transactionId, ids: [GOAL] }]);
});

test('a browser with no need looks at items and leaves without buying', async ({ browser, server }) => {
  const browserPersona = testPersona('browser', { traits: { buyIntent: 0, impulsiveness: 0 } });
  const results = await runSessions(
    browser,
    server,
    ['b1', 'b2', 'b3'].map((seed, i) => ({ persona: browserPersona, seed, startTime: START + i * 3_600_000, runId: 'e2e-browser' })),
  );
  for (const r of results) {
    expect(r.error).toBeUndefined();
    expect(r.intent).toBe('browse');
    expect(r.outcome).toBe('browsed');
    expect(r.actions.filter((a) => a.action === 'open-item').length).toBeGreaterThan(0);
    expect(r.actions.at(-1)).toMatchObject({ action: 'leave', detail: 'just browsing' });
    expect(r.events.map((e) => e.event)).not.toContain('purchase');
  }
  const [row] = await server.warehouse.query(
    `SELECT count(*) FILTER (WHERE event_name = 'purchase') AS purchases, count(*) FILTER (WHERE event_name = 'view_item') AS views
     FROM ${server.warehouse.dataset}.events WHERE list_filter(event_params, p -> p.key = 'shoplab_run_id')[1].value.string_value = 'e2e-browser'`,
  );
  expect(Number(row!.purchases)).toBe(0);
  expect(Number(row!.views)).toBeGreaterThan(0);
});

test('a session survives a full page load and reports its result from the next page', async ({ browser, server }) => {
  // Its own context: the reload aborts the first page's requests in flight, which is expected here.
  const context = await browser.newContext();
  const { page, report } = await openReporting(context, server.url);
  const persona = testPersona('reloaded', { traits: { patience: 2, impulsiveness: 0 } });
  // The first page's promise dies with the page; the result must come through __shoplabReport.
  void page.evaluate((p) => window.simulateUser!(p), { seed: 'reload', persona, intent: 'browse' as const, pace: 'realtime' as const, speed: 40 }).catch(() => undefined);
  await page.waitForFunction(() => (JSON.parse(sessionStorage.getItem('shoplab:session') ?? '{"actions":[]}') as { actions: unknown[] }).actions.length >= 3);
  await page.reload();
  const r = await report;
  expect(r.error).toBeUndefined();
  expect(r.pageLoads).toBe(1);
  expect(r.outcome).toBe('browsed');
  expect(r.actions.length).toBeGreaterThan(3);
  // Events of both pages belong to the session, and the page loaded twice with one GA4 session.
  expect(r.events.filter((e) => e.event === 'view_item_list').length).toBeGreaterThanOrEqual(2);
  expect(await page.evaluate(() => sessionStorage.getItem('shoplab:session'))).toBeNull();
  const rows = await server.warehouse.query(
    `SELECT DISTINCT list_filter(event_params, p -> p.key = 'ga_session_id')[1].value.int_value AS sid FROM ${server.warehouse.dataset}.events WHERE user_pseudo_id = ?`,
    [r.clientId],
  );
  expect(rows.map((x) => x.sid)).toEqual([r.gaSessionId]);
  await context.close();
});

test('under the runner, a virtual session reloaded mid-way stamps the new page with its own clock and loses no event', async ({ browser, server }) => {
  const context = await browser.newContext();
  const duplicates = async (): Promise<number> => Number(/shoplab_collector_events_duplicate_total (\d+)/.exec(await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })).text())?.[1]);
  try {
    await context.addInitScript(visitScript({ startTime: START, runId: 'e2e-reload-virtual', clientId: '424242424.1793900000', visitKey: 'reload-virtual' }));
    const { page, report } = await openReporting(context, server.url);
    const before = await duplicates();
    const persona = testPersona('reloaded-virtual', { traits: { patience: 2, impulsiveness: 0 } });
    // From the shopper's fourth step on, the first link it clicks is followed by the browser instead of the store's
    // router (the click never reaches React): a full page load mid-session, caused by the engine's own action.
    void page
      .evaluate((p) => {
        window.addEventListener(
          'click',
          (e) => {
            const saved = JSON.parse(sessionStorage.getItem('shoplab:session') ?? '{"actions":[]}') as { actions: unknown[] };
            if (sessionStorage.getItem('reloaded') || saved.actions.length < 3 || !(e.target instanceof Element) || !e.target.closest('a[href^="/"]')) return;
            sessionStorage.setItem('reloaded', '1');
            e.stopImmediatePropagation();
          },
          true,
        );
        return window.simulateUser!(p);
      }, { seed: 'reload-virtual', persona, intent: 'browse' as const, pace: 'virtual' as const })
      .catch(() => undefined);
    const r = await report;
    expect(r.error).toBeUndefined();
    expect(r.pageLoads).toBe(1);
    expect(await duplicates()).toBe(before);
    const rows = await server.warehouse.query(
      `SELECT event_name AS name, event_timestamp AS t FROM ${server.warehouse.dataset}.events WHERE user_pseudo_id = ? ORDER BY t`,
      [r.clientId],
    );
    const times = (name: string): number[] => rows.filter((x) => x.name === name).map((x) => Number(x.t));
    const pageViews = times('page_view');
    expect(times('session_start')).toHaveLength(1);
    expect(pageViews.length).toBeGreaterThanOrEqual(2);
    expect(new Set(pageViews).size).toBe(pageViews.length);
    // The new page's events carry the session's clock (the runner's visit script and the engine's resume hook
    // both provide it), so every page_view follows the session's start and none collides with another.
    expect(Math.min(...pageViews)).toBeGreaterThan(times('session_start')[0]!);
    expect(Math.max(...pageViews)).toBeLessThanOrEqual(r.endedAt * 1000);
  } finally {
    await context.close();
  }
});

test('a realtime console session shows a cursor and stops on simulateUser.stop()', async ({ page, server }) => {
  await page.goto(server.url + '/');
  await page.waitForFunction(() => typeof window.simulateUser === 'function');
  expect(await page.evaluate(() => window.simulateUser!.personas.map((p) => p.id))).toContain('bargain-hunter');
  const running = page.evaluate(() => window.simulateUser!({ persona: 'bargain-hunter', pace: 'realtime', speed: 4, seed: 'console', intent: 'browse' }));
  await page.waitForSelector('[data-shoplab-cursor]', { state: 'attached' });
  await page.evaluate(() => window.simulateUser!.stop());
  const r = await running;
  expect(r.outcome).toBe('stopped');
  expect(r.actions.at(-1)).toMatchObject({ action: 'leave', detail: 'stopped' });
  await expect(page.locator('[data-shoplab-cursor]')).toHaveCount(0);
});

test('a store that never shows "Add to cart" ends the session with a clear reason, not a hang', async ({ browser, server }) => {
  const { page, context } = await openStore(browser, server, { startTime: START });
  // Product pages lose their buttons; list pages keep theirs (the goal item sits on the second page of its list).
  await page.addStyleTag({ content: 'main[data-shoplab-page="product"] button { display: none !important; }' });
  const r = await simulate(page, { seed: 'broken', persona: testPersona('broken'), goal: { itemId: GOAL, category: 'books' } });
  await context.close();
  expect(r.outcome).toBe('error');
  expect(r.error).toMatch(/timed out after \d+ ms waiting for button named Add to cart/);
  expect(r.actions.at(-1)).toMatchObject({ action: 'leave' });
});

test('a loyal buyer creates an account after buying and logs in with it on a later visit', async ({ browser, server }) => {
  const loyal = testPersona('loyal', { traits: { loyalty: 1 } });
  const { page, context } = await openStore(browser, server, { startTime: START, runId: 'e2e-account' });
  try {
    // The offer is taken with probability 0.55 for this persona: a few fixed seeds find a session that takes it.
    let signedUp: SimulateResult | undefined;
    for (let i = 0; i < 8 && !signedUp; i++) {
      const r = await simulate(page, { seed: `acct-${i}`, persona: loyal, pace: 'virtual', startTime: START + i * 3_600_000, goal: { itemId: GOAL } });
      expect(r.error).toBeUndefined();
      expect(r.outcome).toBe('purchase');
      if (r.actions.some((a) => a.action === 'sign-up')) signedUp = r;
      await page.goto(server.url + '/');
    }
    expect(signedUp, 'no seed took the account offer').toBeDefined();
    // The person signs out by hand; the shopper still remembers the account.
    await page.goto(server.url + '/account/');
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Log in' })).toBeVisible();
    let loggedIn: SimulateResult | undefined;
    for (let i = 0; i < 8 && !loggedIn; i++) {
      await page.goto(server.url + '/');
      const r = await simulate(page, { seed: `return-${i}`, persona: loyal, pace: 'virtual', startTime: START + (20 + i) * 3_600_000 });
      expect(r.error).toBeUndefined();
      if (r.actions[0]?.action === 'log-in') loggedIn = r;
    }
    expect(loggedIn, 'no returning visit logged in').toBeDefined();
    const rows = await server.warehouse.query(
      `SELECT event_name AS name, user_id AS uid, list_filter(event_params, p -> p.key = 'method')[1].value.string_value AS method
       FROM ${server.warehouse.dataset}.events WHERE user_pseudo_id = ? AND event_name IN ('sign_up', 'login') ORDER BY event_timestamp`,
      [signedUp!.clientId],
    );
    expect(rows.map((r) => r.name)).toEqual(['sign_up', 'login']);
    expect(rows.every((r) => typeof r.uid === 'string' && r.uid.startsWith('U-') && r.method)).toBe(true);
    expect(rows[1]!.uid).toBe(rows[0]!.uid);
  } finally {
    await context.close();
  }
});
