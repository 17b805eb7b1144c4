/**
 * Calibration of the default population against public ecommerce benchmarks (docs/population.md,
 * REFERENCE-GA4 §4): `shoplab simulate` with populations/default.json over a week, with enough users for at
 * least N sessions (SHOPLAB_CALIBRATION_SESSIONS, default 2000; returning users included), through the built
 * store with its collector and DuckDB; then reads every figure back from the warehouse (GA4 export rows) and
 * the ground truth tables, and prints each beside its benchmark range (the bands of cli/calibration.ts).
 *
 * Also prints the engine's own cost: main-thread page time of virtual-pace sessions of about twenty actions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { BENCHMARKS, calibrationFigures } from '../cli/calibration';
import { modelSql } from '../analysis/models';
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
import { BIGQUERY_SESSION_SETUP } from '../warehouse/bigquery/query-bigquery';
import { Warehouse } from '../warehouse/warehouse';
import type { Figure } from './figure';

const PUBLIC_DIR = resolve(import.meta.dirname, '..', 'public');
const RUN_ID = 'calibration';

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
      const figures = await calibrationFigures(warehouse, RUN_ID);
      // Ground truth joins the events on client id + ga_session_id: every stored session must find its events.
      const [joined] = await warehouse.query(
        `${BIGQUERY_SESSION_SETUP};
         SELECT count(*) AS n FROM ground_truth.sim_sessions g
         WHERE g.run_id = ? AND EXISTS (SELECT 1 FROM (${modelSql('sessions', { dataset: warehouse.dataset })}) s
           WHERE s.user_pseudo_id = g.client_id AND s.ga_session_id = g.ga_session_id)`,
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
