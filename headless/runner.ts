/**
 * The headless runner: drives a run's planned sessions through one Chromium. Each worker keeps a page (one per
 * device kind) and reuses it from shopper to shopper: after the first visit, a visit swaps in the shopper's
 * cookies and storage and lands with a client-side route change (softVisitScript) instead of a page load, which
 * costs ten times more main-thread time; every RELOAD_EVERY visits, and after any trouble, the page is loaded
 * afresh. It crosses the browser boundary a few times per session, never per action: the in-page engine acts on
 * the DOM where a click costs microseconds. A user's visits run in time order, one at a time, each starting from
 * the browser state the previous one left.
 */
import type { MpUserLocation } from '../ga4/measurement-protocol';
import type { SimHookInit } from '../ga4/sim-hook';
import type { SimulateParams, SimulateResult } from '../simulator/engine';
import { CHROMIUM_ARGS, runnerBrowser } from './chromium';
import { DEVICE_PROFILES } from './devices';
import { reason, type BrowserDriver, type DriverBrowser, type DriverPage } from './drivers/driver';
import { puppeteerDriver } from './drivers/puppeteer';
import type { BrowserState, Journal, JournalEntry } from './journal';
import type { PlannedSession } from './plan';
import { SAVE_AND_RESET, simHookLiteral, softVisitScript, visitScript, type VisitInit } from './visit-script';

export type { PlannedSession } from './plan';

export type RunPace = 'virtual' | 'realtime';
export type AttemptStage = 'loaded' | 'finished';

/** Browser flags the runner adds: images are not decoded (fonts are local and small). */
export const RUNNER_ARGS = ['--blink-settings=imagesEnabled=false'] as const;

/** Sessions at once in realtime pace at most: a real property should see a plausible, modest load. */
export const REALTIME_MAX_CONCURRENCY = 16;

/**
 * A reused page is loaded afresh after this many visits without a load: it bounds what a long-lived document
 * accumulates (the dataLayer keeps every event pushed to it) and limits the reach of any state a reset misses.
 */
export const RELOAD_EVERY = 50;

export interface RunOptions {
  /** Store origin, e.g. http://127.0.0.1:8000 */
  url: string;
  /** The sessions to run (this shard's part of the plan), in start order. */
  sessions: readonly PlannedSession[];
  runId: string;
  /** Sessions running at once. Default 4. */
  concurrency?: number;
  /** Default puppeteer. */
  driver?: BrowserDriver;
  /** 'virtual' (default): no waiting, events carry simulated time. 'realtime': each session starts at its planned wall-clock time. */
  pace?: RunPace;
  /** Sessions finished earlier (from the journal): skipped, and their browser state restored for the user's next visit. */
  done?: ReadonlyMap<number, JournalEntry>;
  /** Appended after `onSession` resolved for each finished session. */
  journal?: Journal;
  /** Real ms a session may take before its attempt is abandoned. Default 60000. */
  sessionTimeoutMs?: number;
  /**
   * Where the session's shopper is (e.g. from the persona's region), put on the page's simulator hook: ShopLab's
   * tag sends it as each hit's `user_location`, from which the collector fills `geo` as GA4 would from the
   * shopper's IP. Default none.
   */
  userLocationFor?: (plan: PlannedSession) => MpUserLocation | undefined;
  /**
   * Pages have the browser's data saver on (`navigator.connection.saveData`, and a `Save-Data: on` request
   * header), as a shopper who turned it on would. For the built store only (cli/simulate sets it when it serves
   * the store itself), whose one use of it is Gatsby's: it then skips prefetching every link that scrolls into
   * view, which on a page reused from shopper to shopper kept fetching page data for links no one followed (about
   * a third of a session's page-data requests). The links a shopper hovers and follows still load, and the events
   * are the same. Another store (`--url`) might change what it does, so it does not get it. Default false.
   */
  saveData?: boolean;
  /** Reuse pages without reloading them between visits (see softVisitScript). Default true. */
  softVisits?: boolean;
  /** Extra attempts for a session whose page or browser broke. Default 1. */
  retries?: number;
  /**
   * Removes what an abandoned attempt of these sessions may have stored, before they are tried again (the
   * caller owns the warehouse). Without it a retried session may leave duplicate events behind.
   */
  purge?: (sessions: readonly PlannedSession[]) => Promise<void>;
  /**
   * Called for every finished session (success or final failure); the session is journaled once the returned
   * promise resolves. The worker does not wait for it before its next session, so a caller may batch its writes.
   */
  onSession?: (record: SessionRecord) => Promise<void> | void;
  /**
   * Fault drills and tests: called when an attempt's page has loaded ('loaded') and when its session has ended
   * with every event acknowledged by the collector but before it is journaled ('finished'); awaited. Errors are
   * reported as warnings, not thrown.
   */
  onAttempt?: (plan: PlannedSession, attempt: number, page: DriverPage, stage: AttemptStage) => Promise<void> | void;
  signal?: AbortSignal;
}

export interface SessionRecord {
  plan: PlannedSession;
  result?: SimulateResult;
  error?: string;
  attempts: number;
  state?: BrowserState;
}

export interface RunResult {
  /** Sessions finished in this process. */
  sessions: SessionRecord[];
  /** Sessions skipped because the journal had them. */
  skipped: number;
  /** Visits that began with a page load, and visits that reused a page with a client-side landing. */
  pageLoads: number;
  softVisits: number;
  /** Attempts abandoned and retried (crashed or closed pages, timeouts). */
  retried: number;
  seconds: number;
  /** True when the signal stopped the run before every session had finished. */
  stopped: boolean;
}

/** The simulator hook alone (docs/dom-contract.md), at a virtual start time, for tests that load one page themselves. */
export function simHookScript(init: SimHookInit & { startTime: number }): string {
  return `window.__shoplabSim = ${simHookLiteral(init)};`;
}

/** Waits for the engine bundle (a separate script tag), then runs one session in the page. */
function runExpression(params: SimulateParams): string {
  return `(async function () {
  for (var i = 0; typeof window.simulateUser !== 'function'; i++) {
    if (i > 4000) throw new Error('window.simulateUser did not appear within 20 s');
    await new Promise(function (r) { setTimeout(r, 5); });
  }
  return window.simulateUser(${JSON.stringify(params)});
})()`;
}

/** A session attempt that failed because of the browser, not the shop: worth retrying on a fresh page. */
class BrokenAttempt extends Error {}

interface Slot {
  page: DriverPage;
  generation: number;
  report?: (value: unknown) => void;
  /** The page shows the store after a clean visit: the next one may land client-side. */
  reusable: boolean;
  /** Visits since the page was last loaded. */
  sinceLoad: number;
}

function isNavigationError(err: unknown): boolean {
  return /context was destroyed|navigat|Target closed|frame was detached/i.test(reason(err));
}

function abortable(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) {
      resolve();
      return;
    }
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function untilWoken(woken: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return woken;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = (): void => resolve();
    signal.addEventListener('abort', stop, { once: true });
    void woken.then(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    });
  });
}

export async function runSimulation(opts: RunOptions): Promise<RunResult> {
  const pace = opts.pace ?? 'virtual';
  let concurrency = opts.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer, got ${concurrency}`);
  if (pace === 'realtime') concurrency = Math.min(concurrency, REALTIME_MAX_CONCURRENCY);
  const driver = opts.driver ?? puppeteerDriver;
  const timeoutMs = opts.sessionTimeoutMs ?? 60_000;
  const retries = opts.retries ?? 1;
  const allowSoft = opts.softVisits ?? true;
  let pageLoads = 0;
  let softVisits = 0;
  const started = Date.now();
  const origin = new URL('/', opts.url).href;

  // Browser state per user, seeded from the journal so that a resumed run's returning users stay who they were.
  const states = new Map<number, BrowserState>();
  const done = opts.done ?? new Map<number, JournalEntry>();
  for (const s of opts.sessions) {
    const entry = done.get(s.index);
    if (entry?.state) states.set(s.user, entry.state);
  }
  const pending = opts.sessions.filter((s) => !done.has(s.index));
  const skipped = opts.sessions.length - pending.length;
  const busyUsers = new Set<number>();
  const records: SessionRecord[] = [];
  let retried = 0;
  const persisting = new Set<Promise<void>>();
  let persistError: Error | undefined;

  let browser: DriverBrowser | undefined;
  let generation = 0;
  let launching: Promise<void> | undefined;
  const ensureBrowser = async (): Promise<number> => {
    while (!browser?.connected()) {
      launching ??= (async () => {
        await browser?.close();
        browser = await driver.launch({ ...runnerBrowser(), args: [...CHROMIUM_ARGS, ...RUNNER_ARGS] });
        generation += 1;
      })().finally(() => {
        launching = undefined;
      });
      await launching;
    }
    return generation;
  };

  /** Takes the earliest pending session whose user is not busy (a user's visits run one at a time, in order). */
  const takeNext = (): PlannedSession | undefined => {
    const seen = new Set<number>();
    for (let i = 0; i < pending.length; i++) {
      const s = pending[i]!;
      if (busyUsers.has(s.user) || seen.has(s.user)) {
        seen.add(s.user);
        continue;
      }
      pending.splice(i, 1);
      return s;
    }
    return undefined;
  };
  // Workers with nothing to take wait here until a user becomes free.
  let wake: (() => void) | undefined;
  let wakeUp = new Promise<void>((r) => (wake = r));
  const notify = (): void => {
    wake?.();
    wakeUp = new Promise<void>((r) => (wake = r));
  };

  const drill = async (plan: PlannedSession, n: number, page: DriverPage, stage: AttemptStage): Promise<void> => {
    try {
      await opts.onAttempt?.(plan, n, page, stage);
    } catch (err) {
      process.emitWarning(`onAttempt hook failed: ${reason(err)}`);
    }
  };

  const attempt = async (slots: Map<string, Slot>, plan: PlannedSession, n: number): Promise<{ result: SimulateResult; state: BrowserState }> => {
    const gen = await ensureBrowser();
    let slot = slots.get(plan.device);
    if (!slot || slot.generation !== gen) {
      const page = await browser!.newPage(DEVICE_PROFILES[plan.device], { saveData: opts.saveData ?? false });
      const fresh: Slot = { page, generation: gen, reusable: false, sinceLoad: 0 };
      await page.expose('__shoplabReport', (value) => fresh.report?.(value));
      slot = fresh;
      slots.set(plan.device, slot);
    }
    const current = slot;
    let timer: NodeJS.Timeout | undefined;
    try {
      const reported = new Promise<SimulateResult>((resolve) => (current.report = (v) => resolve(v as SimulateResult)));
      const broken = current.page.broken.then((why) => Promise.reject(new BrokenAttempt(why)));
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BrokenAttempt(`session timed out after ${timeoutMs / 1000} s`)), timeoutMs);
      });
      const run = (async (): Promise<SimulateResult> => {
        const state = states.get(plan.user);
        const userLocation = opts.userLocationFor?.(plan);
        const init: VisitInit = {
          ...(pace === 'virtual' ? { startTime: plan.startTime } : {}),
          runId: opts.runId,
          clientId: plan.clientId,
          ...(userLocation ? { userLocation } : {}),
          visitKey: `${opts.runId}/${plan.index}/${n}`,
          ...(state ? { state } : {}),
        };
        // Still needed on a reused page: a full page load inside the visit must find the visit's hook.
        await current.page.setInitScript(visitScript(init));
        const reuse = allowSoft && current.reusable && current.sinceLoad < RELOAD_EVERY;
        current.reusable = false;
        if (reuse && (await current.page.evaluate<boolean>(softVisitScript(init, '/', timeoutMs)))) {
          softVisits += 1;
          current.sinceLoad += 1;
        } else {
          await current.page.goto(origin, timeoutMs);
          pageLoads += 1;
          current.sinceLoad = 1;
        }
        await drill(plan, n, current.page, 'loaded');
        const params: SimulateParams = { seed: plan.seed, persona: plan.persona, pace };
        try {
          return await current.page.evaluate<SimulateResult>(runExpression(params));
        } catch (err) {
          // A full page load inside the session ends this evaluate; the engine then reports through the binding.
          if (isNavigationError(err)) return reported;
          throw err;
        }
      })();
      const result = await Promise.race([run, reported, broken, timedOut]);
      await Promise.race([drill(plan, n, current.page, 'finished'), broken, timedOut]);
      const state = await Promise.race([current.page.evaluate<BrowserState>(SAVE_AND_RESET), broken, timedOut]);
      // A session the shop ended with an error may have left the page mid-way (a dialog, a stuck render).
      current.reusable = !result.error;
      return { result, state };
    } catch (err) {
      // Whatever went wrong, this page is not trusted with the next shopper.
      slots.delete(plan.device);
      await current.page.close();
      throw err instanceof BrokenAttempt ? err : new BrokenAttempt(reason(err));
    } finally {
      clearTimeout(timer);
      current.report = undefined;
    }
  };

  const runOne = async (slots: Map<string, Slot>, plan: PlannedSession): Promise<SessionRecord> => {
    let lastError = '';
    for (let n = 1; n <= retries + 1; n++) {
      if (n > 1) {
        retried += 1;
        await opts.purge?.([plan]);
      }
      try {
        const { result, state } = await attempt(slots, plan, n);
        const record: SessionRecord = { plan, result, attempts: n, state };
        if (result.error) record.error = result.error;
        return record;
      } catch (err) {
        lastError = reason(err);
        if (opts.signal?.aborted) break;
      }
    }
    return { plan, error: lastError, attempts: retries + 1 };
  };

  const worker = async (): Promise<void> => {
    const slots = new Map<string, Slot>();
    try {
      while (!opts.signal?.aborted && !persistError && pending.length > 0) {
        const plan = takeNext();
        if (!plan) {
          await untilWoken(wakeUp, opts.signal);
          continue;
        }
        busyUsers.add(plan.user);
        try {
          if (pace === 'realtime') await abortable(plan.startTime - Date.now(), opts.signal);
          if (opts.signal?.aborted) {
            pending.unshift(plan);
            break;
          }
          const record = await runOne(slots, plan);
          if (opts.signal?.aborted && record.error) {
            // Stopped mid-session: not journaled, so a resume runs it again (after removing what it sent).
            pending.unshift(plan);
            break;
          }
          if (record.state) states.set(plan.user, record.state);
          const entry: JournalEntry = {
            type: 'session',
            index: plan.index,
            user: plan.user,
            visit: plan.visit,
            clientId: record.result?.clientId || plan.clientId,
            outcome: record.result?.outcome ?? 'error',
            events: record.result?.events.length ?? 0,
          };
          if (record.error) entry.error = record.error;
          if (record.state) entry.state = record.state;
          // The journal vouches for a session only after onSession has stored what it must.
          const journaled = Promise.resolve(opts.onSession?.(record)).then(() => opts.journal?.append(entry));
          persisting.add(journaled);
          journaled.then(
            () => persisting.delete(journaled),
            (err: unknown) => {
              persisting.delete(journaled);
              persistError ??= err instanceof Error ? err : new Error(String(err));
            },
          );
          records.push(record);
        } finally {
          busyUsers.delete(plan.user);
          notify();
        }
      }
    } finally {
      await Promise.all([...slots.values()].map((s) => s.page.close()));
    }
  };

  try {
    await ensureBrowser();
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pending.length)) }, worker));
  } finally {
    await browser?.close();
    await Promise.allSettled([...persisting]);
  }
  if (persistError) throw persistError;
  return {
    sessions: records,
    skipped,
    retried,
    pageLoads,
    softVisits,
    seconds: (Date.now() - started) / 1000,
    stopped: records.length + skipped < opts.sessions.length,
  };
}
