/**
 * First-party cookies that give a browser its GA4 identity, kept the way gtag.js keeps them: `_ga` holds the
 * client id (`GA1.1.<random>.<first-seen seconds>`, the client id being the last two parts), and
 * `_ga_<stream>` holds the current session (id = start time in seconds, number, engaged flag, last activity).
 * A session ends after 30 minutes without a hit, as in GA4.
 */

import { clientIdFromGaCookie, GA_COOKIE, gaCookieValue } from '../ga4/ga-cookie';

export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;
/** GA4 counts a session as engaged after 10 s, or with 2+ page views. */
const ENGAGED_AFTER_MS = 10_000;
const COOKIE_MAX_AGE_S = 2 * 365 * 24 * 3600;

export interface SessionState {
  /** Session start in Unix seconds: GA4's ga_session_id. */
  id: number;
  /** 1 for the user's first session: GA4's ga_session_number. */
  number: number;
  engaged: boolean;
  /** Last hit in ms. */
  lastAt: number;
  pageViews: number;
}

export interface Touch {
  session: SessionState;
  isNewSession: boolean;
  isFirstVisit: boolean;
}

export interface SessionStore {
  clientId(): string;
  /** Records a hit at time t (ms), starting a new session when the last one timed out. */
  touch(t: number, isPageView?: boolean): Touch;
}

interface CookieJar {
  cookie: string;
}

export function readCookie(doc: CookieJar, name: string): string | undefined {
  return cookieValue(doc.cookie, name);
}

function cookieValue(text: string, name: string): string | undefined {
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function writeCookie(doc: CookieJar, name: string, value: string): void {
  doc.cookie = `${name}=${encodeURIComponent(value)}; path=/; max-age=${COOKIE_MAX_AGE_S}; SameSite=Lax`;
}

function randomUint31(): number {
  const c = globalThis.crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0]! >>> 1;
  return Math.floor(Math.random() * 2 ** 31);
}

function parseSession(value: string | undefined): SessionState | undefined {
  const m = /^GS1\.1\.(\d+)\.(\d+)\.([01])\.(\d+)\.(\d+)$/.exec(value ?? '');
  if (!m) return undefined;
  return { id: Number(m[1]), number: Number(m[2]), engaged: m[3] === '1', lastAt: Number(m[4]), pageViews: Number(m[5]) };
}

function formatSession(s: SessionState): string {
  return `GS1.1.${s.id}.${s.number}.${s.engaged ? 1 : 0}.${s.lastAt}.${s.pageViews}`;
}

/**
 * @param proposeClientId supplies the client id for a browser that has none yet (a simulator's planned user);
 *   when it returns undefined a random id is made, as gtag.js does.
 * @param endOfTask runs a callback once the current task's synchronous work is done. Default queueMicrotask.
 *   Reading `document.cookie` is a synchronous round trip to the browser's cookie store, and a burst of
 *   pushes (page_view with its view events) would make several: the store reads the cookies once per task and
 *   keeps its own writes in that snapshot, so another tab's change is still seen from the next task on.
 */
export function createSessionStore(
  doc: CookieJar,
  measurementId: string,
  proposeClientId: () => string | undefined = () => undefined,
  endOfTask: (fn: () => void) => void = (fn) => queueMicrotask(fn),
): SessionStore {
  const sessionCookie = `_ga_${measurementId.replace(/^G-/, '')}`;
  let snapshot: Map<string, string> | undefined;

  function cookies(): Map<string, string> {
    if (!snapshot) {
      const text = doc.cookie;
      snapshot = new Map();
      for (const name of [GA_COOKIE, sessionCookie]) {
        const value = cookieValue(text, name);
        if (value !== undefined) snapshot.set(name, value);
      }
      endOfTask(() => {
        snapshot = undefined;
      });
    }
    return snapshot;
  }

  function write(name: string, value: string): void {
    writeCookie(doc, name, value);
    cookies().set(name, value);
  }

  function ensureClientId(t: number): { id: string; created: boolean } {
    const existing = clientIdFromGaCookie(cookies().get(GA_COOKIE) ?? '');
    if (existing) return { id: existing, created: false };
    const proposed = proposeClientId();
    const id = proposed && /^\d+\.\d+$/.test(proposed) ? proposed : `${randomUint31()}.${Math.floor(t / 1000)}`;
    write(GA_COOKIE, gaCookieValue(id));
    return { id, created: true };
  }

  return {
    clientId: () => ensureClientId(Date.now()).id,
    touch(t, isPageView = false) {
      const { created } = ensureClientId(t);
      const prev = parseSession(cookies().get(sessionCookie));
      const expired = !prev || t - prev.lastAt > SESSION_TIMEOUT_MS || t < prev.id * 1000;
      const session: SessionState = expired
        ? { id: Math.floor(t / 1000), number: (prev?.number ?? 0) + 1, engaged: false, lastAt: t, pageViews: 0 }
        : { ...prev, lastAt: t };
      if (isPageView) session.pageViews += 1;
      if (session.pageViews >= 2 || t - session.id * 1000 >= ENGAGED_AFTER_MS) session.engaged = true;
      write(sessionCookie, formatSession(session));
      return { session, isNewSession: expired, isFirstVisit: created };
    },
  };
}
