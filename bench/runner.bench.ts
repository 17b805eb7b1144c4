/**
 * The runner against two yardsticks, side by side in one run, with the collector and DuckDB in the loop:
 * - runner: `shoplab simulate` as users run it (default population, a week of traffic, default concurrency);
 * - baseline_cdp: the same journeys (the runner's own action traces) replayed from Node the way a recorded
 *   browser script drives a page — a fresh page per session, one CDP command per action (page.click,
 *   page.type per field), waiting for each route change from outside;
 * - physical: the store's raw client-side route changes per second with every core busy (pages calling
 *   `___navigate` in-page, nothing else), over the paths the runner's shoppers visited, in each one's order; divided by
 *   the mean route changes of a simulated session, the most sessions per second this machine could run if a
 *   session cost nothing but its route changes. Also printed: the same loop over the home page's own links
 *   (`physical.home_links_*`), six pages whose data every lap after the first finds cached, which is what the
 *   bench measured before and flatters the limit.
 * Env: BENCH_USERS (default 60 ≈ 120 sessions), BENCH_CONCURRENCY (default 4), BENCH_BASELINE_SESSIONS (default:
 * every session of the run; a number replays an evenly spaced sample of that many).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { PUBLIC_DIR, simulateCommand } from '../cli/simulate';
import { startServer, type RunningServer } from '../collector/server';
import { CHROMIUM_ARGS, runnerBrowser } from '../headless/chromium';
import { DEVICE_PROFILES, RENDER_SCALE } from '../headless/devices';
import { LEAN_CDP, launchPuppeteer } from '../headless/drivers/puppeteer';
import { RUNNER_ARGS, simHookScript, type SessionRecord } from '../headless/runner';
import { CHECKOUT_STEPS } from '../simulator/verbs';
import { Warehouse } from '../warehouse/warehouse';
import type { Figure } from './figure';
import { samplePeakMemory } from './process-memory';

const USERS = Number(process.env.BENCH_USERS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BASELINE_SESSIONS = Number(process.env.BENCH_BASELINE_SESSIONS ?? Infinity);
const PHYSICAL_SECONDS = 10;
const MiB = 1024 * 1024;

const NAV = 'Number(document.documentElement.dataset.shoplabNav || 0)';

/**
 * One recorded session replayed with one DevTools command per action, as a recorded browser script drives a
 * page: selectors and clicks from Node, typing key by key, waiting for each route change from outside. Resolves to
 * the page views the replay made (the store's settled routes), or null when it could not find what the trace says:
 * counted as failed (and reported), never as done.
 */
async function replay(browser: Browser, url: string, record: SessionRecord): Promise<number | null> {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    const device = DEVICE_PROFILES[record.plan.device];
    await page.setViewport(device.viewport);
    await page.setUserAgent({ userAgent: device.userAgent });
    await page.evaluateOnNewDocument(simHookScript({ startTime: record.plan.startTime, runId: 'bench-baseline', clientId: record.plan.clientId }));
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(`${NAV} > 0`);
    const navigate = async (act: () => Promise<unknown>): Promise<void> => {
      const before = await page.evaluate(NAV);
      await act();
      await page.waitForFunction(`${NAV} > ${Number(before)}`);
    };
    const cartCount = (): Promise<number> => page.$eval('[data-shoplab="cart-link"]', (el) => Number(el.getAttribute('data-cart-count') ?? 0));
    for (const a of record.result?.actions ?? []) {
      switch (a.action) {
        case 'scroll':
        case 'glance':
        case 'read':
        case 'hesitate':
          await page.mouse.wheel({ deltaY: 800 });
          break;
        case 'search':
          await page.click('::-p-aria([name="Search"][role="searchbox"])');
          await page.keyboard.type(a.detail ?? '');
          await navigate(() => page.keyboard.press('Enter'));
          break;
        case 'browse-category':
          await navigate(() => page.click(`nav a[href$="/category/${a.category ?? ''}/"]`));
          break;
        case 'next-page': {
          const first = 'document.querySelector("main [data-list-id] [data-item-id]")?.getAttribute("data-item-id")';
          const before = await page.evaluate(first);
          await page.click('main ::-p-aria([name="Next page"][role="button"])');
          await page.waitForFunction(`${first} !== ${JSON.stringify(before)}`);
          break;
        }
        case 'open-item':
          await navigate(() => page.click(`main [data-item-id="${a.itemId}"] a`));
          break;
        case 'back':
          await navigate(() => page.evaluate('history.back()'));
          break;
        case 'add-to-cart': {
          const before = await cartCount();
          await page.click('::-p-aria([name="Add to cart"][role="button"])');
          await page.waitForFunction(`Number(document.querySelector('[data-shoplab="cart-link"]').getAttribute('data-cart-count')) > ${before}`);
          break;
        }
        case 'remove-from-cart': {
          const before = await cartCount();
          await page.click(`[data-cart-line][data-item-id="${a.itemId}"] ::-p-aria([name="Remove"][role="button"])`);
          await page.waitForFunction(`Number(document.querySelector('[data-shoplab="cart-link"]').getAttribute('data-cart-count')) < ${before}`);
          break;
        }
        case 'view-cart':
          await navigate(() => page.click('a[data-shoplab="cart-link"]'));
          break;
        case 'begin-checkout':
          await navigate(() => page.click('main ::-p-aria([name="Checkout"])'));
          break;
        case 'fill-checkout':
          for (const [label, value] of [
            ['Full name', 'Alex Kim'],
            ['Email', 'alex.kim@example.com'],
            ['Address', '12 Main Street'],
            ['City', 'Springfield'],
            ['Postal code', '12345'],
          ] as const) {
            await page.type(`::-p-aria([name="${label}"][role="textbox"])`, value);
          }
          break;
        case 'place-order':
          for (const step of CHECKOUT_STEPS) {
            await page.click(`::-p-aria([name="${step}"][role="button"])`);
            await page.waitForSelector(`::-p-aria([name="${step}"][role="button"])`, { hidden: true });
          }
          await page.click('::-p-aria([name="Place order"][role="button"])');
          await page.waitForSelector('main[data-shoplab-page="order"][data-transaction-id]');
          break;
        case 'sign-up':
        case 'log-in':
          // The replay's fresh browser has no account to log in with: both become a sign-up, the same kind of work
          // (two route changes, three typed fields, a submit) as the recorded step.
          await navigate(() => page.click('nav ::-p-aria([name="Log in"][role="link"])'));
          await navigate(() => page.click('main ::-p-aria([name="Create an account"][role="link"])'));
          for (const [label, value] of [
            ['Name', 'Alex Kim'],
            ['Email', `alex.${record.plan.index}.${Date.now()}@example.com`],
          ] as const) {
            await page.type(`main ::-p-aria([name="${label}"][role="textbox"])`, value);
          }
          await page.type('main input[type="password"]', 'pw-123456-654321');
          await navigate(() => page.click('main ::-p-aria([name="Create account"][role="button"])'));
          break;
        case 'leave':
          break;
        default:
          throw new Error(`the baseline cannot replay action "${a.action}"`);
      }
    }
    await page.evaluate('window.shoplabTag && window.shoplabTag.leave()');
    return Number(await page.evaluate(NAV));
  } catch (err) {
    process.stderr.write(`bench: baseline session ${record.plan.index} failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
    return null;
  } finally {
    await context.close().catch(() => undefined);
  }
}

/**
 * The runner's own browser (headless/chromium.ts runnerBrowser), so that all three figures share it. The
 * baseline drives it with Puppeteer's defaults, as a recorded script does; the physical loop, like the runner,
 * with LEAN_CDP (no Network or Audits events), at RENDER_SCALE and with the data saver, so that the limit is not
 * lowered by work the runner avoids.
 */
function launchLikeRunner(lean: boolean): Promise<Browser> {
  return launchPuppeteer({ ...runnerBrowser(), args: [...CHROMIUM_ARGS, ...RUNNER_ARGS] }, lean ? LEAN_CDP : {});
}

/**
 * In-page loop of client-side route changes for `seconds`, over `paths` (from `start`, cycling), or over the links
 * of the page it starts on when `paths` is null. A path the page is already on is skipped (no route change).
 */
function routeLoop(seconds: number, paths: readonly string[] | null, start: number): string {
  return `(async function () {
  var paths = ${paths ? JSON.stringify(paths) : `Array.from(new Set(Array.from(document.querySelectorAll('main a[href^="/"]')).map(function (a) { return a.getAttribute('href'); }))).concat(['/'])`};
  var until = performance.now() + ${seconds * 1000};
  var n = 0;
  for (var i = ${start}; performance.now() < until; i++) {
    var path = paths[i % paths.length];
    if (path === location.pathname + location.search) continue;
    var before = Number(document.documentElement.dataset.shoplabNav || 0);
    // A route that never settles would stall the loop: it is left after 5 s and not counted.
    var settled = new Promise(function (r) { window.addEventListener('shoplab:route-settled', r, { once: true }); setTimeout(r, 5000); });
    window.___navigate(path);
    await settled;
    if (Number(document.documentElement.dataset.shoplabNav || 0) > before) n++;
  }
  return n;
})()`;
}

/** Pages whose route needs state a bare loop does not have (a cart, an order, an account) are left out. */
const STATEFUL_PAGE = /^\/(checkout|order|account|login|signup)\b/;

/**
 * The paths of the run's page views, user by user and each user's in time order, so that a back navigation
 * returns to a page seen just before, as in the run.
 */
async function visitedPaths(dataDir: string): Promise<string[]> {
  const warehouse = await Warehouse.open({ dataDir, readOnly: true });
  try {
    const rows = await warehouse.query(
      `SELECT list_filter(event_params, p -> p.key = 'page_location')[1].value.string_value AS loc
         FROM ${warehouse.dataset}.events WHERE event_name = 'page_view'
        ORDER BY user_pseudo_id, event_timestamp`,
    );
    const paths: string[] = [];
    for (const { loc } of rows) {
      if (typeof loc !== 'string') continue;
      const url = new URL(loc);
      const path = url.pathname + url.search;
      if (!STATEFUL_PAGE.test(path)) paths.push(path);
    }
    return paths;
  } finally {
    await warehouse.close();
  }
}

async function physical(server: RunningServer, paths: readonly string[] | null): Promise<number> {
  const browser = await launchLikeRunner(true);
  try {
    const pages = await Promise.all(
      Array.from({ length: Math.max(2, cpus().length * 2) }, async () => {
        const page = await (await browser.createBrowserContext()).newPage();
        // Drawn at the runner's RENDER_SCALE too (in Chromium's default 800×600 window) and with its data saver, so
        // that the limit is not lowered by pixels the runner does not draw or prefetches it does not make.
        const cdp = await page.createCDPSession();
        await cdp.send('Emulation.setDeviceMetricsOverride', { width: 800, height: 600, deviceScaleFactor: 1, mobile: false, scale: RENDER_SCALE });
        await cdp.send('Emulation.setDataSaverOverride', { dataSaverEnabled: true });
        await page.evaluateOnNewDocument(simHookScript({ startTime: Date.now(), runId: 'bench-physical' }));
        await page.goto(server.url, { waitUntil: 'domcontentloaded' });
        await page.waitForFunction(`${NAV} > 0`);
        return page;
      }),
    );
    const started = Date.now();
    // Each page starts at its own place in the run's paths, as the runner's pages serve different shoppers.
    const counts = await Promise.all(
      pages.map((p, k) => p.evaluate(routeLoop(PHYSICAL_SECONDS, paths, paths ? Math.floor((k * paths.length) / pages.length) : 0)) as Promise<number>),
    );
    return counts.reduce((a, b) => a + b, 0) / ((Date.now() - started) / 1000);
  } finally {
    await browser.close();
  }
}

export async function run(): Promise<Figure[]> {
  if (!(BASELINE_SESSIONS >= 1)) throw new Error(`BENCH_BASELINE_SESSIONS must be a number of sessions (at least 1), got ${JSON.stringify(process.env.BENCH_BASELINE_SESSIONS)}`);
  const data = mkdtempSync(join(tmpdir(), 'shoplab-bench-runner-'));
  try {
    const memory = samplePeakMemory();
    const out = await simulateCommand({ users: USERS, days: 7, start: Date.UTC(2026, 10, 2), concurrency: CONCURRENCY, seed: 'bench', runId: 'bench', data: join(data, 'runner'), quiet: true });
    const peak = memory.stop();
    const sessions = out.sessions.length;
    const actions = out.sessions.reduce((n, s) => n + (s.result?.actions.length ?? 0), 0);
    const events = out.summary?.events ?? 0;
    const pageViews = out.summary?.eventsByName.page_view ?? 0;
    // Every page_view but those of full page loads is a client-side route change (a reused page's landing is one).
    const routeChangesPerSession = (pageViews - out.pageLoads) / Math.max(1, sessions);

    const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(data, 'yardsticks'), publicDir: PUBLIC_DIR, log: () => undefined });
    let baselineRate = 0;
    let baselineDone = 0;
    let baselineTried = 0;
    let baselinePageViews = 0;
    let routeRate = 0;
    let homeLinksRate = 0;
    const paths = await visitedPaths(join(data, 'runner'));
    if (paths.length < 100) throw new Error(`the run left only ${paths.length} route paths to replay; its physical limit would mean nothing`);
    try {
      // Right after the run, so that the host (a shared machine whose speed drifts over minutes) is as alike as it
      // can be for the runner and its limit; the baseline's replays take longer than either.
      routeRate = await physical(server, paths);
      const browser = await launchLikeRunner(false);
      try {
        // Every session of the run by default. A sample of 40 (every k-th in plan order) once averaged 5.65 page views
        // against the run's 4.71: sessions' lengths vary too much for a small sample to stand for the run. A sample
        // (BENCH_BASELINE_SESSIONS) is still evenly spaced: the first sessions to finish would be the bounces.
        const done = out.sessions.filter((s) => s.result && !s.error).sort((a, b) => a.plan.index - b.plan.index);
        const step = Math.max(1, done.length / BASELINE_SESSIONS);
        const queue = Array.from({ length: Math.min(BASELINE_SESSIONS, done.length) }, (_, i) => done[Math.floor(i * step)]!);
        baselineTried = queue.length;
        let ok = 0;
        const started = Date.now();
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            for (let r = queue.shift(); r; r = queue.shift()) {
              const views = await replay(browser, server.url, r);
              if (views === null) continue;
              ok += 1;
              baselinePageViews += views;
            }
          }),
        );
        baselineRate = ok / ((Date.now() - started) / 1000);
        baselineDone = ok;
      } finally {
        await browser.close();
      }
      homeLinksRate = await physical(server, null);
    } finally {
      await server.close();
    }
    if (baselineDone < baselineTried * 0.9) throw new Error(`the baseline replayed only ${baselineDone} of ${baselineTried} sessions; its rate would mean nothing`);
    const runnerRate = sessions / out.seconds;
    const limit = routeRate / Math.max(routeChangesPerSession, 1e-9);
    const homeLinksLimit = homeLinksRate / Math.max(routeChangesPerSession, 1e-9);
    return [
      { name: 'runner.sessions', value: sessions, unit: 'sessions' },
      { name: 'runner.failed', value: out.failed, unit: 'sessions' },
      { name: 'runner.concurrency', value: CONCURRENCY, unit: 'sessions at once' },
      { name: 'runner.page_loads', value: out.pageLoads, unit: 'visits that loaded the store' },
      { name: 'runner.reused_page_visits', value: out.softVisits, unit: 'visits that landed client-side on a reused page' },
      { name: 'runner.sessions_per_s', value: runnerRate, unit: 'sessions/s' },
      { name: 'runner.actions_per_s', value: actions / out.seconds, unit: 'actions/s' },
      { name: 'runner.events_per_s', value: events / out.seconds, unit: 'events/s' },
      { name: 'baseline_cdp.sessions', value: baselineDone, unit: `sessions replayed of ${baselineTried}` },
      { name: 'baseline_cdp.sessions_per_s', value: baselineRate, unit: 'sessions/s' },
      // How alike the journeys are: the baseline replays the runner's own sessions (every one, or a sample).
      { name: 'runner.page_views_per_session', value: pageViews / Math.max(1, sessions), unit: 'page views' },
      { name: 'baseline_cdp.page_views_per_session', value: baselinePageViews / Math.max(1, baselineDone), unit: 'page views' },
      { name: 'runner.speedup_vs_baseline', value: runnerRate / Math.max(baselineRate, 1e-9), unit: 'x' },
      { name: 'physical.route_changes_per_s', value: routeRate, unit: 'route changes/s' },
      { name: 'runner.route_changes_per_session', value: routeChangesPerSession, unit: 'route changes' },
      { name: 'physical.sessions_per_s_limit', value: limit, unit: 'sessions/s' },
      { name: 'runner.fraction_of_physical_limit', value: (100 * runnerRate) / limit, unit: '%' },
      // The most any runner could reach over this baseline here: one whose sessions cost only their route changes.
      { name: 'physical.speedup_ceiling_vs_baseline', value: limit / Math.max(baselineRate, 1e-9), unit: 'x (the physical limit over the baseline)' },
      { name: 'physical.home_links_route_changes_per_s', value: homeLinksRate, unit: 'route changes/s (the home page\'s six links, cached after one lap)' },
      { name: 'physical.home_links_sessions_per_s_limit', value: homeLinksLimit, unit: 'sessions/s' },
      { name: 'runner.fraction_of_home_links_limit', value: (100 * runnerRate) / homeLinksLimit, unit: '%' },
      { name: 'runner.peak_rss', value: peak.pss / MiB, unit: 'MiB (PSS of Node + Chromium)' },
      { name: 'runner.peak_rss_sum', value: peak.rssSum / MiB, unit: 'MiB (their RSS summed: an upper bound of the PSS)' },
    ];
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}
