/**
 * The built-in local tag: reads GA4 events from the GTM dataLayer and sends them to a collector as batched
 * Measurement Protocol hits, adding what gtag.js would add — a first-party `_ga` client id, the session id and
 * number, engagement time, page fields — and the events GA4 collects by itself (first_visit, session_start,
 * page_view, user_engagement, scroll at 90 %).
 *
 * Nothing here touches the global `window`: the page objects are passed in, so the core runs under test.
 */
import type { MpEvent, MpItem, MpParamValue, MpUserProperty } from '../ga4/measurement-protocol';
import { LOCAL_STREAM, MP_LIMITS, SESSION_PARAMS } from '../ga4/measurement-protocol';
import type { SimHook } from '../ga4/sim-hook';
import { createSessionStore, type SessionState } from './session';
import { createTransport, type Transport, type TransportOptions } from './transport';

type DataLayerEntry = Record<string, unknown>;

export interface TagWindow {
  location: { href: string };
  navigator: { language: string; sendBeacon?(url: string, data: string): boolean };
  screen: { width: number; height: number };
  innerHeight: number;
  scrollY: number;
  dataLayer?: unknown[];
  __shoplabSim?: SimHook;
  addEventListener(type: string, fn: (ev: { isTrusted: boolean }) => void, opts?: { passive?: boolean; capture?: boolean }): void;
  removeEventListener(type: string, fn: (ev: { isTrusted: boolean }) => void): void;
  setTimeout(fn: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

export interface TagDocument {
  title: string;
  referrer: string;
  cookie: string;
  visibilityState: string;
  documentElement: { scrollHeight: number };
  addEventListener(type: string, fn: () => void): void;
  removeEventListener(type: string, fn: () => void): void;
}

export interface LocalTagOptions extends Pick<TransportOptions, 'fetchImpl' | 'maxQueue' | 'retryBaseMs'> {
  win: TagWindow;
  doc: TagDocument;
  /** Collector path or URL. Default '/mp/collect'. */
  endpoint?: string;
  /** GA4 measurement id the hits are sent with. Default `LOCAL_STREAM.measurementId` ('G-SHOPLAB'). */
  measurementId?: string;
  /** Measurement Protocol API secret. Default `LOCAL_STREAM.apiSecret` ('shoplab-local'). */
  apiSecret?: string;
  /** Hits wait at most this long (real ms) before they are sent. Default 1000. */
  flushIntervalMs?: number;
  /** Called when a hook or hit fails; never throws into the page. */
  onError?: (err: unknown) => void;
}

export interface LocalTag {
  /** Sends page_view for the current location (call after each client-side route change has rendered). */
  pageView(): void;
  /** Sends every queued hit; resolves once the collector has acknowledged them all. */
  flush(): Promise<void>;
  /**
   * The visitor leaves: sends the current page's user_engagement and flushes, so a session's last events do
   * not depend on when the page is torn down. Later pagehide adds nothing.
   */
  leave(): Promise<void>;
  /** Stops listening and sends what is queued with sendBeacon. */
  stop(): void;
  /**
   * Forgets the current page and user (page location, referrer, engagement, user id, user properties) so that the next page_view
   * is a landing, as after a fresh page load; hits already queued are still sent. Wired to the `shoplab:reset`
   * window event, which a runner dispatches before the page is reused for another shopper.
   */
  reset(): void;
}

/** Keys of a dataLayer push that are GTM's bookkeeping, not event params. */
const GTM_KEYS = new Set(['event', 'ecommerce', 'gtm.uniqueEventId', 'gtm.start', 'eventCallback', 'eventTimeout', 'user_id', 'user_properties']);

/** How long one page's engagement may count between two hits (gtag caps idle periods too). */
const MAX_ENGAGEMENT_GAP_MS = 30 * 60 * 1000;

export function startLocalTag(opts: LocalTagOptions): LocalTag {
  const { win, doc } = opts;
  const onError = opts.onError ?? (() => undefined);
  const measurementId = opts.measurementId ?? LOCAL_STREAM.measurementId;
  const now = (): number => {
    try {
      return win.__shoplabSim?.now() ?? Date.now();
    } catch (err) {
      onError(err);
      return Date.now();
    }
  };
  const sessions = createSessionStore(doc, measurementId, () => win.__shoplabSim?.clientId);
  const transport: Transport = createTransport({
    endpoint: opts.endpoint ?? '/mp/collect',
    measurementId,
    apiSecret: opts.apiSecret ?? LOCAL_STREAM.apiSecret,
    fetchImpl: opts.fetchImpl,
    sendBeacon: win.navigator.sendBeacon ? (url, body) => win.navigator.sendBeacon?.(url, body) ?? false : undefined,
    maxQueue: opts.maxQueue,
    retryBaseMs: opts.retryBaseMs,
    setTimer: (fn, ms) => win.setTimeout(fn, ms),
    clearTimer: (id) => win.clearTimeout(id),
    onError,
  });
  const flushIntervalMs = opts.flushIntervalMs ?? 1000;

  let userId: string | undefined;
  /** Set by `{ user_properties: { name: value } }` pushes (gtag's `set user_properties`); sent on every later hit. */
  let userProperties: Record<string, MpUserProperty> = {};
  let lastMicros = 0;
  let lastHitAt = 0;
  let pageLocation = '';
  let pageTitle = '';
  let pageReferrer = doc.referrer;
  let pageStartedAt = 0;
  let scrolledThisPage = false;
  let left = false;
  let flushTimer: number | undefined;

  function stamp(): number {
    // Strictly increasing, so events stamped within the same millisecond keep the order they were pushed in.
    lastMicros = Math.max(Math.floor(now() * 1000), lastMicros + 1);
    return lastMicros;
  }

  function engagementSince(t: number): number {
    if (lastHitAt === 0 || doc.visibilityState === 'hidden') return 0;
    return Math.max(0, Math.min(t - lastHitAt, MAX_ENGAGEMENT_GAP_MS));
  }

  function send(name: string, params: Record<string, MpParamValue>): void {
    const micros = stamp();
    const t = Math.floor(micros / 1000);
    const { session, isNewSession, isFirstVisit } = sessions.touch(t, name === 'page_view');
    const engagement = engagementSince(t);
    lastHitAt = t;
    // Each event gets its own microsecond, so that the warehouse can order them exactly as they happened.
    const names = [...(isFirstVisit ? ['first_visit'] : []), ...(isNewSession ? ['session_start'] : []), name];
    names.forEach((n, i) => {
      const own = n === name;
      const event: MpEvent = {
        name: n,
        timestamp_micros: i === 0 ? micros : stamp(),
        params: own ? { ...pageParams(), ...params, ...sessionParams(session, engagement) } : { ...pageParams(), ...sessionParams(session, 0) },
      };
      transport.enqueue(sessions.clientId(), userId, event, win.__shoplabSim?.userLocation, userProperties);
    });
    scheduleFlush();
  }

  function pageParams(): Record<string, MpParamValue> {
    const p: Record<string, MpParamValue> = {
      page_location: (pageLocation || win.location.href).slice(0, 1000),
      page_title: (pageLocation ? pageTitle : doc.title).slice(0, 300),
      language: win.navigator.language.toLowerCase(),
      screen_resolution: `${win.screen.width}x${win.screen.height}`,
    };
    if (pageReferrer) p.page_referrer = pageReferrer.slice(0, 420);
    return p;
  }

  function sessionParams(session: SessionState, engagement: number): Record<string, MpParamValue> {
    const p: Record<string, MpParamValue> = {
      [SESSION_PARAMS.sessionId]: String(session.id),
      [SESSION_PARAMS.sessionNumber]: session.number,
      [SESSION_PARAMS.engagementTime]: Math.round(engagement),
    };
    if (session.engaged) p.session_engaged = '1';
    const runId = win.__shoplabSim?.runId;
    if (runId) p[SESSION_PARAMS.runId] = runId;
    return p;
  }

  function scheduleFlush(): void {
    if (transport.size() >= MP_LIMITS.eventsPerRequest) {
      void transport.flush();
      return;
    }
    if (flushTimer === undefined) {
      flushTimer = win.setTimeout(() => {
        flushTimer = undefined;
        void transport.flush();
      }, flushIntervalMs);
    }
  }

  function handlePush(entry: unknown): void {
    if (!entry || typeof entry !== 'object') return;
    const e = entry as DataLayerEntry;
    if ('user_id' in e) userId = typeof e.user_id === 'string' && e.user_id ? e.user_id : undefined;
    if ('user_properties' in e) setUserProperties(e.user_properties);
    const name = e.event;
    if (typeof name !== 'string' || name.startsWith('gtm.') || name === 'page_view') return;
    const params: Record<string, MpParamValue> = {};
    for (const [k, v] of Object.entries(e)) if (!GTM_KEYS.has(k)) addParam(params, k, v);
    if (e.ecommerce && typeof e.ecommerce === 'object') {
      for (const [k, v] of Object.entries(e.ecommerce as DataLayerEntry)) addParam(params, k, v);
    }
    send(name, params);
  }

  /** Merges the pushed properties; a null or empty value removes one (as GA4 unsets a user property). */
  function setUserProperties(pushed: unknown): void {
    if (!pushed || typeof pushed !== 'object') return;
    const next = { ...userProperties };
    for (const [name, v] of Object.entries(pushed as Record<string, unknown>)) {
      if (v === null || v === undefined || v === '') delete next[name];
      else if (typeof v === 'string' || typeof v === 'number') next[name] = { value: v };
    }
    userProperties = next;
  }

  function pageView(): void {
    try {
      const t = now();
      const previous = pageLocation;
      if (previous && pageStartedAt) send('user_engagement', {});
      pageReferrer = previous || doc.referrer;
      pageLocation = win.location.href;
      pageTitle = doc.title;
      pageStartedAt = t;
      scrolledThisPage = false;
      left = false;
      send('page_view', {});
    } catch (err) {
      onError(err);
    }
  }

  function onScroll(ev: { isTrusted: boolean }): void {
    // Under a simulator only the engine's own (dispatched) scroll events count: the browser's follow a frame
    // later, after the engine may have moved on, and would make the same session produce different events.
    if (scrolledThisPage || (ev.isTrusted && win.__shoplabSim)) return;
    const height = doc.documentElement.scrollHeight;
    if (height <= 0) return;
    if ((win.scrollY + win.innerHeight) / height >= 0.9) {
      scrolledThisPage = true;
      send('scroll', { percent_scrolled: 90 });
    }
  }

  function onPageHide(): void {
    if (pageLocation && !left) send('user_engagement', {});
    left = true;
    transport.beacon();
  }

  async function leave(): Promise<void> {
    if (pageLocation && !left) safely(() => send('user_engagement', {}));
    left = true;
    await flush();
  }

  async function flush(): Promise<void> {
    if (flushTimer !== undefined) win.clearTimeout(flushTimer);
    flushTimer = undefined;
    await transport.flush();
  }

  // Take over the dataLayer the way GTM does: replay what is there, then see every later push.
  const layer = (win.dataLayer ??= []);
  const originalPush = layer.push.bind(layer);
  for (const entry of layer) safely(() => handlePush(entry));
  layer.push = (...entries: unknown[]): number => {
    const n = originalPush(...entries);
    for (const entry of entries) safely(() => handlePush(entry));
    return n;
  };

  function safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      onError(err);
    }
  }

  win.addEventListener('scroll', onScroll, { passive: true });
  win.addEventListener('pagehide', onPageHide);

  return {
    pageView,
    flush,
    leave,
    reset: () => {
      if (flushTimer !== undefined) win.clearTimeout(flushTimer);
      flushTimer = undefined;
      if (transport.size() > 0) void transport.flush();
      userId = undefined;
      userProperties = {};
      lastHitAt = 0;
      pageLocation = '';
      pageTitle = '';
      pageReferrer = doc.referrer;
      pageStartedAt = 0;
      scrolledThisPage = false;
      left = false;
    },
    stop: () => {
      win.removeEventListener('scroll', onScroll);
      win.removeEventListener('pagehide', onPageHide);
      layer.push = originalPush;
      transport.beacon();
    },
  };
}

function addParam(params: Record<string, MpParamValue>, key: string, v: unknown): void {
  if (v === undefined) return;
  if (key === 'items' && Array.isArray(v)) {
    params.items = v.filter((it): it is MpItem => !!it && typeof it === 'object');
    return;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) params[key] = v;
}

