/**
 * The headless runner: drives many simulated sessions through one Chromium, a browser context per session.
 * It crosses the browser boundary once per session — it hands the in-page engine its parameters with a single
 * `page.evaluate(simulateUser)` — so clicks cost microseconds inside the page, not a DevTools round trip each.
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { SimulateParams, SimulateResult } from '../simulator/engine';
import { BUILT_IN_PERSONAS, findPersona } from '../simulator/personas';
import { createRng } from '../simulator/rng';
import { CHROMIUM_ARGS, chromiumPath } from './chromium';
import { DEVICE_PROFILES } from './devices';

export interface RunOptions {
  /** Store origin, e.g. http://127.0.0.1:8000 */
  url: string;
  users: number;
  /** Sessions running at once. Default 4. */
  concurrency?: number;
  seed: string;
  runId: string;
  /** Built-in persona ids to draw from, evenly. Default: all built-ins. */
  personas?: string[];
  /** First session start (virtual time), ms since epoch. Default: 24 h ago. */
  startTime?: number;
  /** Virtual time between consecutive session starts. Default: spreads the users over 24 h. */
  spacingMs?: number;
  /** Real ms a session may take before it is recorded as failed. Default 60000. */
  sessionTimeoutMs?: number;
  onSession?: (s: SessionRecord, done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface PlannedSession {
  index: number;
  seed: string;
  personaId: string;
  clientId: string;
  startTime: number;
}

export interface SessionRecord {
  plan: PlannedSession;
  result?: SimulateResult;
  error?: string;
}

export interface RunResult {
  sessions: SessionRecord[];
  seconds: number;
}

/** Everything random about the run is decided here from the seed, before any browser starts. */
export function planSessions(opts: Pick<RunOptions, 'users' | 'seed' | 'personas' | 'startTime' | 'spacingMs'>): PlannedSession[] {
  const personas = opts.personas?.length ? opts.personas : BUILT_IN_PERSONAS.map((p) => p.id);
  for (const id of personas) findPersona(id);
  const start = opts.startTime ?? Date.now() - 24 * 3600 * 1000;
  const spacing = opts.spacingMs ?? Math.floor((24 * 3600 * 1000) / Math.max(1, opts.users));
  const plans: PlannedSession[] = [];
  for (let i = 0; i < opts.users; i++) {
    const rng = createRng(`${opts.seed}/session/${i}`);
    const startTime = start + i * spacing + Math.floor(rng.next() * spacing * 0.5);
    plans.push({
      index: i,
      seed: `${opts.seed}/${i}`,
      personaId: rng.pick(personas),
      clientId: `${rng.int(100_000_000, 2_147_483_647)}.${Math.floor(startTime / 1000)}`,
      startTime,
    });
  }
  return plans;
}

export interface SimHookInit {
  startTime: number;
  runId?: string;
  clientId?: string;
}

/**
 * The script that installs the simulator hook before any store code runs (docs/dom-contract.md). It is a
 * string rather than a function because loaders such as tsx rewrite functions (adding `__name` helpers) in
 * ways that break once serialized into the page.
 */
export function simHookScript(init: SimHookInit): string {
  const fields = [`now: function () { return ${Number(init.startTime)}; }`];
  if (init.runId) fields.push(`runId: ${JSON.stringify(init.runId)}`);
  if (init.clientId) fields.push(`clientId: ${JSON.stringify(init.clientId)}`);
  return `window.__shoplabSim = { ${fields.join(', ')} };`;
}

async function runOne(browser: Browser, opts: RunOptions, plan: PlannedSession): Promise<SessionRecord> {
  const persona = findPersona(plan.personaId);
  const device = DEVICE_PROFILES[persona.demographics.device];
  const context = await browser.createBrowserContext();
  let page: Page | undefined;
  try {
    page = await context.newPage();
    await page.setViewport(device.viewport);
    await page.setUserAgent({ userAgent: device.userAgent });
    // Before any store code runs: the session's virtual start time, run label and planned client id, so the
    // landing page's own events (first_visit, session_start, page_view, lists) are stamped and owned correctly.
    await page.evaluateOnNewDocument(simHookScript({ startTime: plan.startTime, runId: opts.runId, clientId: plan.clientId }));
    const timeout = opts.sessionTimeoutMs ?? 60_000;
    page.setDefaultTimeout(timeout);
    await page.goto(new URL('/', opts.url).href, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => typeof window.simulateUser === 'function', { timeout });
    const params: SimulateParams = { seed: plan.seed, persona: plan.personaId, pace: 'virtual' };
    const result = await page.evaluate((p) => window.simulateUser!(p), params);
    const record: SessionRecord = { plan, result };
    if (result.error) record.error = result.error;
    return record;
  } catch (err) {
    return { plan, error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  } finally {
    await context.close().catch(() => undefined);
  }
}

export async function runSimulation(opts: RunOptions): Promise<RunResult> {
  if (!Number.isInteger(opts.users) || opts.users < 1) throw new Error(`--users must be a positive integer, got ${opts.users}`);
  const concurrency = opts.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer, got ${concurrency}`);
  const plans = planSessions(opts);
  const started = Date.now();
  const browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS] });
  const records: SessionRecord[] = new Array<SessionRecord>(plans.length);
  let next = 0;
  let done = 0;
  try {
    const worker = async (): Promise<void> => {
      while (next < plans.length && !opts.signal?.aborted) {
        const plan = plans[next++]!;
        const record = await runOne(browser, opts, plan);
        records[plan.index] = record;
        done += 1;
        opts.onSession?.(record, done, plans.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, plans.length) }, worker));
  } finally {
    await browser.close().catch(() => undefined);
  }
  return { sessions: records.filter((r): r is SessionRecord => r !== undefined), seconds: (Date.now() - started) / 1000 };
}
