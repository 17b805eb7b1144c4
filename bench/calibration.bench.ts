/**
 * Calibration of the default population against public ecommerce benchmarks (docs/population.md,
 * REFERENCE-GA4 §4): `shoplab simulate` with populations/default.json over a week, with enough users for at
 * least N sessions (SHOPLAB_CALIBRATION_SESSIONS, default 2000; returning users included), through the built
 * store with its collector and DuckDB; then reads every figure back from the warehouse (GA4 export rows) and
 * the ground truth tables, and prints each beside its benchmark range.
 *
 * Also prints the engine's own cost: main-thread page time of virtual-pace sessions of about twenty actions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { simulateCommand } from '../cli/simulate';
import { startServer } from '../collector/server';
import { CHROMIUM_ARGS, runnerBrowser } from '../headless/chromium';
import { launchPuppeteer } from '../headless/drivers/puppeteer';
import { DEVICE_PROFILES } from '../headless/devices';
import { simHookScript } from '../headless/runner';
import type { SimulateParams, SimulateResult } from '../simulator/engine';
import { loadPopulationFile } from '../simulator/population-file';
import { samplePersona } from '../simulator/population';
import type { Persona } from '../simulator/personas';
import { createRng } from '../simulator/rng';
import { sampleSessionStart } from '../simulator/schedule';
import { DEFAULT_POPULATION_PATH } from '../simulator/population-file';
import { Warehouse } from '../warehouse/warehouse';
import type { Figure } from './figure';

const PUBLIC_DIR = resolve(import.meta.dirname, '..', 'public');
const RUN_ID = 'calibration';

export interface Benchmark {
  name: string;
  unit: string;
  low: number;
  high: number;
  source: string;
}

/** The public ranges the default population is calibrated to (REFERENCE-GA4 §4); vendors differ, so ranges. */
export const BENCHMARKS: Benchmark[] = [
  { name: 'session_conversion_rate', unit: '%', low: 1.2, high: 3.0, source: 'Littledata 1.4 %, Contentsquare/Invesp 2.3-2.6 %' },
  { name: 'cart_abandonment_rate', unit: '%', low: 60, high: 80, source: 'Baymard ~70 %' },
  { name: 'add_to_cart_rate', unit: '%', low: 3, high: 12, source: 'Littledata ~5 % of sessions' },
  { name: 'bounce_rate', unit: '%', low: 37, high: 57, source: 'cross-industry ~47 %' },
  { name: 'median_engaged_session_duration', unit: 's', low: 75, high: 210, source: 'ecommerce quartiles 75 / 127 / 210 s' },
  { name: 'device_mobile', unit: '%', low: 52, high: 68, source: 'Contentsquare 2021 ~60 %' },
  { name: 'device_desktop', unit: '%', low: 27, high: 43, source: 'Contentsquare 2021 ~35 %' },
  { name: 'device_tablet', unit: '%', low: 1, high: 7, source: 'Contentsquare 2021 ~3 %' },
];

export interface PlannedVisit {
  index: number;
  seed: string;
  persona: Persona;
  clientId: string;
  startTime: number;
}

/** N sessions of new users drawn from the population, spread over a week by each persona's active hours. */
export function planVisits(n: number, seed: string, firstDay: number): PlannedVisit[] {
  const pop = loadPopulationFile();
  return Array.from({ length: n }, (_, i) => {
    const rng = createRng(`${seed}/${i}`);
    const persona = samplePersona(pop, rng.fork('persona'), `${seed}-${i}`);
    const startTime = sampleSessionStart(persona, firstDay + (i % 7) * 86_400_000, rng);
    return { index: i, seed: `${seed}/${i}`, persona, clientId: `${rng.int(100_000_000, 2_147_483_647)}.${Math.floor(startTime / 1000)}`, startTime };
  });
}

/** One session in a fresh browser context; the result comes back through __shoplabReport even across page loads. */
export async function runVisit(browser: Browser, url: string, v: PlannedVisit, extra: Partial<SimulateParams> = {}): Promise<SimulateResult> {
  const device = DEVICE_PROFILES[v.persona.demographics.device];
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.setViewport(device.viewport);
    await page.setUserAgent({ userAgent: device.userAgent });
    let report: (r: SimulateResult) => void = () => undefined;
    const reported = new Promise<SimulateResult>((res) => (report = res));
    await page.exposeFunction('__shoplabReport', (r: SimulateResult) => report(r));
    await page.evaluateOnNewDocument(simHookScript({ startTime: v.startTime, runId: RUN_ID, clientId: v.clientId }));
    page.setDefaultTimeout(60_000);
    await page.goto(new URL('/', url).href, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => typeof window.simulateUser === 'function');
    const params: SimulateParams = { seed: v.seed, persona: v.persona, pace: 'virtual', ...extra };
    // A full page load destroys this evaluate; the engine then reports from the next page.
    const direct = page.evaluate((p) => window.simulateUser!(p), params).catch(() => reported);
    return await Promise.race([direct, reported]);
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** Per-session facts read from the GA4 export rows of the run. */
export const SESSION_FIGURES_SQL = (dataset: string): string => `
  WITH ev AS (
    SELECT user_pseudo_id, event_name, event_timestamp, device.category AS device,
           list_filter(event_params, p -> p.key = 'ga_session_id')[1].value.int_value AS sid,
           list_filter(event_params, p -> p.key = 'session_engaged')[1].value.string_value AS engaged
    FROM ${dataset}.events
    WHERE list_filter(event_params, p -> p.key = 'shoplab_run_id')[1].value.string_value = ?
  ), s AS (
    SELECT user_pseudo_id, sid,
           bool_or(event_name = 'purchase') AS purchased,
           bool_or(event_name = 'add_to_cart') AS carted,
           coalesce(bool_or(engaged = '1'), false) AS engaged,
           (max(event_timestamp) - min(event_timestamp)) / 1e6 AS seconds,
           arg_min(device, event_timestamp) AS device
    FROM ev GROUP BY ALL
  )
  SELECT count(*) AS sessions,
         count(*) FILTER (WHERE purchased) AS purchases,
         count(*) FILTER (WHERE carted) AS carted,
         count(*) FILTER (WHERE carted AND purchased) AS carted_purchased,
         count(*) FILTER (WHERE NOT engaged) AS bounced,
         median(seconds) FILTER (WHERE engaged) AS median_engaged_seconds,
         count(*) FILTER (WHERE device = 'mobile') AS mobile,
         count(*) FILTER (WHERE device = 'desktop') AS desktop,
         count(*) FILTER (WHERE device = 'tablet') AS tablet
  FROM s`;

export async function calibrationFigures(wh: Warehouse): Promise<Record<string, number>> {
  const [r] = await wh.query(SESSION_FIGURES_SQL(wh.dataset), [RUN_ID]);
  if (!r) throw new Error('no sessions in the warehouse');
  const n = Number(r.sessions);
  const pct = (k: string, of = n): number => (of > 0 ? (100 * Number(r[k])) / of : NaN);
  return {
    sessions: n,
    session_conversion_rate: pct('purchases'),
    cart_abandonment_rate: Number(r.carted) > 0 ? 100 - pct('carted_purchased', Number(r.carted)) : NaN,
    add_to_cart_rate: pct('carted'),
    bounce_rate: pct('bounced'),
    median_engaged_session_duration: Number(r.median_engaged_seconds),
    device_mobile: pct('mobile'),
    device_desktop: pct('desktop'),
    device_tablet: pct('tablet'),
  };
}

export async function run(): Promise<Figure[]> {
  const n = Number(process.env.SHOPLAB_CALIBRATION_SESSIONS ?? 2000);
  const concurrency = Number(process.env.SHOPLAB_CALIBRATION_CONCURRENCY ?? 4);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SHOPLAB_CALIBRATION_SESSIONS must be a positive integer, got ${process.env.SHOPLAB_CALIBRATION_SESSIONS}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'shoplab-calibration-'));
  try {
    // The runner as users run it: the default population over a week, returning users included. Size the
    // population so that its plan holds at least n sessions (dry runs only plan).
    const base = { days: 7, start: Date.UTC(2026, 9, 5), concurrency, seed: 'calibration', runId: RUN_ID, data: dataDir, population: DEFAULT_POPULATION_PATH };
    let users = n;
    for (let planned = (await simulateCommand({ ...base, users, dryRun: true, quiet: true })).planned; planned < n || planned > n * 1.05; ) {
      users = Math.max(1, Math.round((users * n * 1.02) / planned));
      planned = (await simulateCommand({ ...base, users, dryRun: true, quiet: true })).planned;
      if (planned >= n && planned <= n * 1.05) break;
    }
    const outcome = await simulateCommand({ ...base, users, quiet: !process.stderr.isTTY });
    const warehouse = await Warehouse.open({ dataDir, readOnly: true });
    try {
      const figures = await calibrationFigures(warehouse);
      // Ground truth joins the events on client id + ga_session_id: every stored session must find its events.
      const [joined] = await warehouse.query(
        `SELECT count(*) AS n FROM ground_truth.sim_sessions g
         WHERE g.run_id = ? AND EXISTS (SELECT 1 FROM ${warehouse.dataset}.events e
           WHERE e.user_pseudo_id = g.client_id AND list_filter(e.event_params, p -> p.key = 'ga_session_id')[1].value.int_value = g.ga_session_id)`,
        [RUN_ID],
      );
      const [truth] = await warehouse.query(
        `SELECT count(*) FILTER (WHERE outcome = 'purchase') AS purchases, count(*) AS sessions FROM ground_truth.sim_sessions WHERE run_id = ?`,
        [RUN_ID],
      );
      const ok = outcome.sessions.filter((s) => s.result && !s.error);
      const out: Figure[] = [
        { name: 'calibration.sessions', value: figures.sessions ?? 0, unit: `sessions of ${users} users over 7 days` },
        { name: 'calibration.failed_sessions', value: outcome.failed, unit: 'count' },
        { name: 'calibration.ground_truth_joined', value: Number(joined?.n ?? 0), unit: `of ${Number(truth?.sessions ?? 0)} sessions` },
        { name: 'calibration.ground_truth_conversion_rate', value: (100 * Number(truth?.purchases ?? 0)) / Math.max(1, Number(truth?.sessions ?? 0)), unit: '%' },
      ];
      let inRange = 0;
      for (const b of BENCHMARKS) {
        const v = figures[b.name] ?? NaN;
        const within = v >= b.low && v <= b.high;
        if (within) inRange += 1;
        out.push({ name: `calibration.${b.name}`, value: Math.round(v * 100) / 100, unit: `${b.unit} (benchmark ${b.low}-${b.high} ${b.unit}: ${within ? 'in range' : 'OUT OF RANGE'})` });
      }
      out.push({ name: 'calibration.in_range', value: inRange, unit: `of ${BENCHMARKS.length} figures` });

      // The engine's cost: page time of virtual sessions of about twenty actions, one at a time (the page has
      // a core to itself), and as they ran above, four at once on two cores.
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
      const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? NaN;
      const browser = await launchPuppeteer({ ...runnerBrowser(), args: [...CHROMIUM_ARGS] });
      const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dataDir, 'page-time'), publicDir: PUBLIC_DIR });
      let alone: SimulateResult[];
      try {
        alone = await measureLongSessions(browser, server.url);
      } finally {
        await browser.close().catch(() => undefined);
        await server.close();
      }
      const page = alone.map((r) => r.pageTimeMs);
      out.push({ name: 'engine.page_time_per_session', value: Math.round(median(page)), unit: `ms (median of ${alone.length} virtual sessions of ${Math.min(...alone.map((r) => r.actions.length))}-${Math.max(...alone.map((r) => r.actions.length))} actions, one at a time)` });
      out.push({ name: 'engine.page_time_per_session_p90', value: Math.round(p90(page)), unit: 'ms' });
      out.push({ name: 'engine.own_time_per_session', value: Math.round(median(alone.map((r) => r.pageTimeMs - r.storeWaitMs)) * 10) / 10, unit: 'ms (page time minus waiting for the store to render)' });
      out.push({ name: 'engine.store_wait_per_action', value: Math.round(median(alone.map((r) => r.storeWaitMs / r.actions.length)) * 10) / 10, unit: 'ms' });
      const twenty = ok.filter((s) => s.result!.actions.length >= 15 && s.result!.actions.length <= 25).map((s) => s.result!.pageTimeMs);
      if (twenty.length > 0) out.push({ name: 'engine.page_time_per_session_concurrent', value: Math.round(median(twenty)), unit: `ms (median of the run's ${twenty.length} sessions of 15-25 actions, ${concurrency} at once on ${cpus().length} cores)` });
      out.push({ name: 'calibration.sessions_per_second', value: Math.round((outcome.sessions.length / outcome.seconds) * 100) / 100, unit: 'sessions/s' });
      return out;
    } finally {
      await warehouse.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Ten virtual sessions of 15-25 actions (about twenty), one at a time: shoppers of the default population who do
 * not bounce, each in a fresh context, until ten such sessions have been seen (at most 80 tried).
 */
async function measureLongSessions(browser: Browser, url: string): Promise<SimulateResult[]> {
  const visits = planVisits(80, 'page-time', Date.UTC(2026, 9, 5)).map((v) => ({
    ...v,
    persona: { ...v.persona, traits: { ...v.persona.traits, bounce: 0 } },
  }));
  const out: SimulateResult[] = [];
  for (const v of visits) {
    if (out.length >= 10) break;
    const r = await runVisit(browser, url, v).catch(() => undefined);
    if (r && !r.error && r.actions.length >= 15 && r.actions.length <= 25) out.push(r);
  }
  if (out.length === 0) throw new Error('no session of 15-25 actions in 80 tries');
  return out;
}
