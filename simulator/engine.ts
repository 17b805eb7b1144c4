/**
 * The in-page engine: one shopping session, chosen step by step by the persona policy (behaviours.ts) and acted
 * out on the store's real DOM. Each step is `await clock.wait(dwell)` then one verb; in virtual pace the wait only
 * moves the clock, so a session of twenty actions costs the page little more than its own rendering.
 *
 * After every step the session (params, persona, RNG state, clock, trace, events, policy memory) is saved in
 * sessionStorage under `shoplab:session`, so that when an action causes a full page load the bundle on the next
 * page resumes it (`resumeSession`). When a session ends, `window.__shoplabReport(result)` is called if a runner
 * exposed it, because the promise of `simulateUser` dies with the page that started it.
 */
import { clientIdFromCookies } from '../ga4/ga-cookie';
import type { SimHook, SimHookWindow } from '../ga4/sim-hook';
import { realtimeClock, virtualClock, type Clock } from './clock';
import { SimulationError, type PageEnv } from './dom/env';
import { findPersona, type Persona } from './personas';
import { createRng, restoreRng, type Rng, type RngState } from './rng';
import { decide, DEVICE_EFFECTS, initialMemory, type End, type Goal, type Intent, type Memory, type Outcome, type Step } from './behaviours';
import { createCursor, type Cursor } from './dom/cursor';
import * as verbs from './verbs';

export type { Goal, Intent, Outcome } from './behaviours';
export type Pace = 'virtual' | 'realtime';

export interface SimulateParams {
  /** Seed of every random choice. Default: a random seed (reported in the result). */
  seed?: string | number;
  /** A built-in persona id or a full persona (e.g. one drawn with `samplePersona`). Default 'bargain-hunter'. */
  persona?: string | Persona;
  /** 'virtual' (default) advances a virtual clock instead of sleeping; 'realtime' really waits. */
  pace?: Pace;
  /** Realtime only: how many times faster than life. Default 1. */
  speed?: number;
  /**
   * Virtual only: session start, ms since epoch or an ISO date. Default: the time of a hook a runner installed
   * before the page loaded (so the landing page belongs to the session), else now.
   */
  startTime?: number | string;
  /** Label added to every event as `shoplab_run_id`. */
  runId?: string;
  /** Upper bound on actions in the session. Default 60. */
  maxActions?: number;
  /** A specific item to find and buy; makes the session goal-directed (intent 'buy'). Default: none. */
  goal?: Goal;
  /** Force the session's intent instead of drawing it from the persona's buyIntent. Default: drawn. */
  intent?: Intent;
  /** Which visit of this user this is (1 = first), recorded in the ground truth. Default 1. */
  visit?: number;
  /** Show a cursor and highlight what is clicked. Default: on in realtime pace, off in virtual. */
  showCursor?: boolean;
  /** Stops the session before its next step (also `simulateUser.stop()`). Not persisted across page loads. */
  signal?: AbortSignal;
}

export interface TraceEntry {
  /** Clock time of the action, ms since epoch. */
  t: number;
  action: string;
  page: string;
  itemId?: string;
  price?: number;
  category?: string;
  detail?: string;
}

export interface SimulateResult {
  seed: string;
  clientId: string;
  /** GA4's ga_session_id of the session (from the `_ga_<stream>` cookie), when the store's tag set one. */
  gaSessionId?: number;
  gaSessionNumber?: number;
  persona: Persona;
  intent: Intent;
  goal?: Goal;
  visit: number;
  outcome: Outcome;
  /** Why the session ended, in words ("abandoned the cart", "no need met", the error...). */
  reason: string;
  transactionId?: string;
  error?: string;
  startedAt: number;
  endedAt: number;
  actions: TraceEntry[];
  /** The GA4 events the store pushed to dataLayer during the session, in order, across page loads. */
  events: Record<string, unknown>[];
  /**
   * Real ms the session's steps took in the page: deciding, acting and waiting for the store to render each
   * action; not the landing page's own load, realtime sleeps or the final flush to the collector.
   */
  pageTimeMs: number;
  /** The part of pageTimeMs spent waiting for the store to render and settle; the rest is the engine's own. */
  storeWaitMs: number;
  /** Full page loads the session survived. */
  pageLoads: number;
}

interface SimWindow extends SimHookWindow {
  dataLayer?: unknown[];
  shoplabTag?: { flush(): Promise<void>; leave?(): Promise<void> };
  __shoplabReport?: (result: SimulateResult) => unknown;
}

/** The sessionStorage key under which a running session is kept across page loads. */
export const SESSION_KEY = 'shoplab:session';
/** A saved session older than this (real time) is stale: a tab reopened long after, not a page load. */
export const STALE_AFTER_MS = 5 * 60_000;

/** Everything needed to resume a session on the next page; plain JSON. */
export interface SavedSession {
  v: 1;
  seed: string;
  params: Omit<SimulateParams, 'signal' | 'persona'>;
  persona: Persona;
  intent: Intent;
  rng: RngState;
  clock: number;
  startedAt: number;
  actions: TraceEntry[];
  events: Record<string, unknown>[];
  memory: Memory;
  pageTimeMs: number;
  storeWaitMs: number;
  pageLoads: number;
  /** The client id a runner planned for this user, handed on to the store's tag until it has set its cookie. */
  clientId?: string;
  /** The action in flight when the state was saved (it caused the page load when resuming). */
  pending?: string;
  /** Real time of the save, to tell a page load from a stale leftover. */
  savedAt: number;
}

function startOf(params: SimulateParams, preinstalled: SimHook | undefined): number {
  if (params.startTime === undefined) return preinstalled?.now() ?? Date.now();
  const t = typeof params.startTime === 'number' ? params.startTime : Date.parse(params.startTime);
  if (!Number.isFinite(t)) throw new SimulationError(`startTime is not a date: ${String(params.startTime)}`);
  return t;
}

function readClientId(env: PageEnv): string {
  return clientIdFromCookies(env.doc.cookie) ?? '';
}

/** ga_session_id and number from the tag's `_ga_<stream>` cookie (GS1.1.<id>.<number>...; tag/session.ts). */
function readGaSession(env: PageEnv): { id: number; number: number } | undefined {
  const m = /(?:^|;\s*)_ga_[A-Za-z0-9]+=GS1\.1\.(\d+)\.(\d+)\./.exec(env.doc.cookie);
  return m ? { id: Number(m[1]), number: Number(m[2]) } : undefined;
}

function storage(env: PageEnv): Storage | undefined {
  try {
    return env.win.sessionStorage;
  } catch {
    return undefined;
  }
}

export function loadSavedSession(env: PageEnv): SavedSession | undefined {
  const store = storage(env);
  const text = store?.getItem(SESSION_KEY);
  if (!text) return undefined;
  try {
    const s = JSON.parse(text) as SavedSession;
    if (s.v !== 1 || Date.now() - s.savedAt > STALE_AFTER_MS) {
      store?.removeItem(SESSION_KEY);
      return undefined;
    }
    return s;
  } catch {
    store?.removeItem(SESSION_KEY);
    return undefined;
  }
}

/**
 * Installs the simulator hook for a resumed session before the store's events fire, so that the new page's
 * page_view carries the session's clock and run label. Returns the saved session, or undefined.
 */
export function installResumeHook(env: PageEnv): SavedSession | undefined {
  const saved = loadSavedSession(env);
  if (!saved) return undefined;
  const hook: SimHook = { now: () => saved.clock, engine: true };
  if (saved.params.runId) hook.runId = saved.params.runId;
  if (saved.clientId) hook.clientId = saved.clientId;
  (env.win as unknown as SimWindow).__shoplabSim = hook;
  return saved;
}

function isEnd(d: Step | End): d is End {
  return 'end' in d;
}

function gaEvents(layer: unknown[], from: number): Record<string, unknown>[] {
  return layer
    .slice(from)
    .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object' && typeof (e as { event?: unknown }).event === 'string')
    .filter((e) => !String(e.event).startsWith('gtm.'))
    .map((e) => JSON.parse(JSON.stringify(e)) as Record<string, unknown>);
}

class Session {
  readonly actions: TraceEntry[];
  readonly priorEvents: Record<string, unknown>[];
  private readonly layer: unknown[];
  /** Real ms spent deciding and acting in this page (waiting for the store to render included, sleeps not). */
  private busyMs = 0;
  /** Store waits inside the loop only: the landing page's initial settle is not the engine's step. */
  private storeWaitInLoop = 0;
  private readonly cursor: Cursor | undefined;
  private pending: string | undefined;
  private readonly onPageHide = (): void => this.save(this.pending, true);
  stopped = false;

  constructor(
    readonly env: PageEnv,
    readonly state: SavedSession,
    readonly rng: Rng,
    readonly clock: Clock,
    private readonly firstEvent: number,
    readonly signal: AbortSignal | undefined,
  ) {
    this.actions = state.actions;
    this.priorEvents = state.events;
    const w = env.win as unknown as SimWindow;
    this.layer = w.dataLayer ??= [];
    env.win.addEventListener('pagehide', this.onPageHide);
    const show = state.params.showCursor ?? state.params.pace === 'realtime';
    this.cursor = show ? createCursor(env) : undefined;
    if (this.cursor) env.onPointer = (el) => this.cursor?.point(el);
  }

  events(): Record<string, unknown>[] {
    return [...this.priorEvents, ...gaEvents(this.layer, this.firstEvent)];
  }

  pageTime(): number {
    return this.state.pageTimeMs + this.busyMs;
  }

  storeWait(): number {
    return this.state.storeWaitMs + this.storeWaitInLoop;
  }

  /**
   * Saves the session for the next page. Every step saves the small part; this page's events (the bulk) are
   * added only when the page is actually going away (pagehide), so that a step costs no large JSON.
   */
  save(pending?: string, withEvents = false): void {
    const s = this.state;
    s.rng = this.rng.state();
    s.clock = this.clock.now();
    s.savedAt = Date.now();
    this.pending = pending;
    const out: SavedSession = { ...s, events: withEvents ? this.events() : this.priorEvents, pageTimeMs: this.pageTime(), storeWaitMs: this.storeWait() };
    if (pending) out.pending = pending;
    else delete out.pending;
    try {
      storage(this.env)?.setItem(SESSION_KEY, JSON.stringify(out));
    } catch {
      // Storage full or blocked: the session still runs; it just cannot survive a full page load.
    }
  }

  clear(): void {
    this.env.win.removeEventListener('pagehide', this.onPageHide);
    storage(this.env)?.removeItem(SESSION_KEY);
    this.cursor?.remove();
    delete this.env.onPointer;
  }

  async run(): Promise<End> {
    const { state, env } = this;
    const persona = state.persona;
    const dwellScale = persona.traits.patience * DEVICE_EFFECTS[persona.demographics.device].dwell;
    const maxActions = state.params.maxActions ?? 60;
    const ctx = { env, rng: this.rng, persona, intent: state.intent, mem: state.memory, ...(state.params.goal ? { goal: state.params.goal } : {}) };
    for (;;) {
      if (this.signal?.aborted || this.stopped) return { end: 'stopped', reason: 'stopped' };
      if (this.actions.length >= maxActions) {
        return verbs.cartSize(env) > 0 ? { end: 'cart-abandoned', reason: 'ran out of actions' } : { end: 'browsed', reason: 'ran out of actions' };
      }
      await verbs.waitPerClientParts(env);
      let t0 = performance.now();
      const d = decide(ctx);
      this.busyMs += performance.now() - t0;
      if (isEnd(d)) return d;
      await this.clock.wait(this.rng.logNormal(d.dwellMs * dwellScale, 0.5));
      if (this.signal?.aborted || this.stopped) return { end: 'stopped', reason: 'stopped' };
      t0 = performance.now();
      const entry: TraceEntry = { t: this.clock.now(), action: d.action, page: verbs.pageKind(env) };
      if (d.itemId) entry.itemId = d.itemId;
      if (d.price !== undefined && Number.isFinite(d.price)) entry.price = d.price;
      if (d.category) entry.category = d.category;
      if (d.detail) entry.detail = d.detail;
      this.actions.push(entry);
      this.save(d.action);
      const waitedBefore = env.timing?.storeWaitMs ?? 0;
      await d.act();
      this.storeWaitInLoop += (env.timing?.storeWaitMs ?? 0) - waitedBefore;
      this.save();
      this.busyMs += performance.now() - t0;
    }
  }
}

export interface StopControl {
  /** Stops sessions in progress on this page before their next step. */
  stop(): void;
}

/** Starts a session on this page. */
export async function simulateUser(env: PageEnv, params: SimulateParams = {}, control?: { register(s: StopControl): () => void }): Promise<SimulateResult> {
  const seed = String(params.seed ?? Math.floor(Math.random() * 2 ** 31));
  const persona = findPersona(params.persona);
  const rng = createRng(seed);
  const pace = params.pace ?? 'virtual';
  if (pace !== 'virtual' && pace !== 'realtime') throw new SimulationError(`pace must be "virtual" or "realtime", got "${String(pace)}"`);
  if (params.goal && (typeof params.goal.itemId !== 'string' || !params.goal.itemId)) throw new SimulationError('goal.itemId must be a non-empty item id');
  const w = env.win as unknown as SimWindow;
  // A runner's hook means this page was loaded for this session: its load-time events are the session's own.
  const preinstalled = w.__shoplabSim && !w.__shoplabSim.engine ? w.__shoplabSim : undefined;
  const start = pace === 'virtual' ? startOf(params, preinstalled) : Date.now();
  const intent: Intent = params.goal ? 'buy' : (params.intent ?? (rng.chance(persona.traits.buyIntent) ? 'buy' : 'browse'));
  const { signal, persona: _p, ...rest } = params;
  void _p;
  const persisted: SavedSession['params'] = { ...rest, pace };
  if (!persisted.runId && preinstalled?.runId) persisted.runId = preinstalled.runId;
  // The store may not have fired its first event yet (a slow load): the planned client id must survive the swap.
  const plannedClientId = preinstalled?.clientId;
  const state: SavedSession = {
    v: 1,
    seed,
    ...(plannedClientId ? { clientId: plannedClientId } : {}),
    params: persisted,
    persona,
    intent,
    rng: rng.state(),
    clock: start,
    startedAt: start,
    actions: [],
    events: [],
    memory: initialMemory(persona, intent, rng),
    pageTimeMs: 0,
    storeWaitMs: 0,
    pageLoads: 0,
    savedAt: Date.now(),
  };
  const layer = (w.dataLayer ??= []);
  return runSession(env, state, rng, preinstalled ? (preinstalled.dataLayerStart ?? 0) : layer.length, signal, control);
}

/** Resumes a session saved by the previous page (see installResumeHook), after the store has settled. */
export async function resumeSession(env: PageEnv, saved: SavedSession, control?: { register(s: StopControl): () => void }): Promise<SimulateResult> {
  saved.pageLoads += 1;
  if (saved.pending) {
    const last = saved.actions[saved.actions.length - 1];
    if (last) last.detail = last.detail ? `${last.detail}; full page load` : 'full page load';
  }
  return runSession(env, saved, restoreRng(saved.rng), 0, undefined, control);
}

async function runSession(
  env: PageEnv,
  state: SavedSession,
  rng: Rng,
  firstEvent: number,
  signal: AbortSignal | undefined,
  control: { register(s: StopControl): () => void } | undefined,
): Promise<SimulateResult> {
  const w = env.win as unknown as SimWindow;
  const pace = state.params.pace ?? 'virtual';
  const stopper = new AbortController();
  const abort = (): void => stopper.abort();
  signal?.addEventListener('abort', abort, { once: true });
  if (signal?.aborted) stopper.abort();
  const clock = pace === 'virtual' ? virtualClock(state.clock) : realtimeClock(env.win, state.params.speed ?? 1, stopper.signal);
  const hook: SimHook = { now: () => clock.now(), engine: true };
  if (state.params.runId) hook.runId = state.params.runId;
  if (state.clientId) hook.clientId = state.clientId;
  w.__shoplabSim = hook;
  env.timing ??= { storeWaitMs: 0 };
  const s = new Session(env, state, rng, clock, firstEvent, stopper.signal);
  const unregister = control?.register({ stop: () => stopper.abort() });

  let ended: End = { end: 'browsed', reason: 'no decision' };
  let error: string | undefined;
  try {
    await verbs.waitSettled(env);
    ended = await s.run();
  } catch (err) {
    if (stopper.signal.aborted) ended = { end: 'stopped', reason: 'stopped' };
    else {
      error = err instanceof Error ? err.message : String(err);
      ended = { end: 'error', reason: error };
    }
  } finally {
    signal?.removeEventListener('abort', abort);
    unregister?.();
  }
  s.actions.push({ t: clock.now(), action: 'leave', page: verbs.pageKind(env), detail: ended.reason });
  try {
    const tag = w.shoplabTag;
    if (tag?.leave) await tag.leave();
    else await tag?.flush();
  } catch (err) {
    error ??= `sending events failed: ${String(err)}`;
  }
  const ga = readGaSession(env);
  const result: SimulateResult = {
    seed: state.seed,
    clientId: readClientId(env),
    persona: state.persona,
    intent: state.intent,
    visit: state.params.visit ?? 1,
    outcome: ended.end,
    reason: ended.reason,
    startedAt: state.startedAt,
    endedAt: clock.now(),
    actions: s.actions,
    events: s.events(),
    pageTimeMs: Math.round(s.pageTime() * 10) / 10,
    storeWaitMs: Math.round(s.storeWait() * 10) / 10,
    pageLoads: state.pageLoads,
  };
  if (ga) {
    result.gaSessionId = ga.id;
    result.gaSessionNumber = ga.number;
  }
  if (state.params.goal) result.goal = state.params.goal;
  if (ended.transactionId) result.transactionId = ended.transactionId;
  if (error) result.error = error;
  s.clear();
  const report = w.__shoplabReport;
  if (typeof report === 'function') {
    try {
      await report(result);
    } catch (err) {
      // A runner's callback failing must not turn a finished session into a failed one.
      console.error('[shoplab] __shoplabReport failed:', err);
    }
  }
  return result;
}
