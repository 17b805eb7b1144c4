import { describe, expect, it } from 'vitest';
import type { EventDigest } from '../warehouse/row-digest';
import { LEFT_AFTER_MINUTES, LiveState, WINDOW_MINUTES, type VisitorState } from './live-state';

const MIN = 60_000_000;
const T0 = Date.UTC(2026, 10, 2, 9) * 1000;
const STAGE_OF: Record<string, number> = { view_item: 1, add_to_cart: 2, begin_checkout: 3, purchase: 4 };

function digest(client: string, session: number, t: number, name: string): EventDigest {
  return { client, session, sessionNumber: 1, t, name, device: 'desktop', region: 'US-CA', engagementMs: 1000, path: name === 'page_view' ? '/' : null, title: null, item: null, purchasedItems: [], promotionId: null, revenue: name === 'purchase' ? 10 : 0 };
}

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Four hours of traffic: a visit starts every 20 s and lasts up to 20 minutes; some go down the funnel. */
function traffic(): EventDigest[] {
  const rnd = random(19);
  const events: EventDigest[] = [];
  for (let i = 0; i < 720; i++) {
    const client = `${1000 + (i % 500)}.1`; // some clients come back for a second visit
    const start = T0 + i * 20_000_000;
    const depth = Math.floor(rnd() * 5);
    const steps = ['page_view', 'view_item', 'add_to_cart', 'begin_checkout', 'purchase'].slice(0, depth + 1);
    let t = start;
    for (const name of steps) {
      events.push(digest(client, i, t, name));
      t += Math.floor(rnd() * 5 * MIN);
      if (rnd() < 0.5) events.push(digest(client, i, t, 'page_view'));
    }
  }
  events.sort((a, b) => a.t - b.t);
  // Commits do not arrive in event-time order exactly: swap some neighbours.
  for (let i = 1; i < events.length; i += 7) [events[i - 1], events[i]] = [events[i]!, events[i - 1]!];
  return events;
}

interface Seen {
  client: string;
  end: number;
  stage: number;
}

describe('LiveState over hours of traffic', () => {
  it('keeps only the sessions of the window, and its cards and visitor states equal a count over every event', () => {
    const state = new LiveState();
    const seen = new Map<string, Seen>();
    const lastMinute = new Map<string, number>();
    const events = traffic();
    let most = 0;
    let checked = 0;
    events.forEach((d, i) => {
      state.applyDigest(d);
      const key = `${d.client}.${d.session}`;
      const s = seen.get(key) ?? { client: d.client, end: d.t, stage: 0 };
      s.end = Math.max(s.end, d.t);
      s.stage = Math.max(s.stage, STAGE_OF[d.name] ?? 0);
      seen.set(key, s);
      lastMinute.set(d.client, Math.max(lastMinute.get(d.client) ?? -Infinity, Math.floor(d.t / MIN)));
      most = Math.max(most, state.sessions.size);
      if (i % 97 !== 0 && i !== events.length - 1) return;
      checked++;
      const now = state.now;
      const first = Math.floor(now / MIN) - WINDOW_MINUTES + 1;
      const live = [...seen].filter(([, v]) => v.end >= first * MIN);
      expect(new Set(state.sessions.keys())).toEqual(new Set(live.map(([k]) => k)));
      const states = new Map<VisitorState, number>([['browsing', 0], ['cart', 0], ['checkout', 0], ['purchased', 0], ['left', 0]]);
      for (const [, v] of live) {
        const st: VisitorState = v.stage === 4 ? 'purchased' : now - v.end > LEFT_AFTER_MINUTES * MIN ? 'left' : v.stage === 3 ? 'checkout' : v.stage === 2 ? 'cart' : 'browsing';
        states.set(st, (states.get(st) ?? 0) + 1);
      }
      const snap = state.snapshot();
      expect(snap.visitorStates).toEqual([...states].map(([st, visitors]) => ({ state: st, visitors })));
      const all = [...seen.values()];
      expect(snap.cards.sessions).toBe(all.length);
      expect(snap.cards.conversionRate).toBe(all.filter((v) => v.stage === 4).length / all.length);
      expect(snap.funnel.map((f) => f.sessions)).toEqual([0, 1, 2, 3, 4].map((n) => all.filter((v) => v.stage >= n).length));
      expect(snap.cards.activeUsers).toBe([...lastMinute.values()].filter((m) => m >= first).length);
      const ends = state.liveSessions().map((v) => v.end);
      expect(ends).toEqual([...ends].sort((a, b) => b - a));
    });
    expect(checked).toBeGreaterThan(20);
    // Four hours of visits went through; the state held about half an hour's worth at most.
    expect(seen.size).toBe(720);
    expect(most).toBeLessThan(150);

    // A late event of a visit long gone: counted in that visit, not as a new one.
    const sessionsBefore = state.cards().sessions;
    const gone = [...seen].find(([key, v]) => {
      const row = state.clients.row(v.client);
      return !state.sessions.has(key) && row !== undefined && state.clients.lastKey(row) === key;
    });
    expect(gone).toBeDefined();
    const [goneKey, goneVisit] = gone!;
    // Still found by key (a visitor's page), as its client's latest session.
    expect(state.session(goneKey)?.key).toBe(goneKey);
    const pageViewsBefore = state.session(goneKey)?.pageViews ?? NaN;
    state.applyDigest(digest(goneVisit.client, Number(goneKey.split('.').at(-1)), goneVisit.end - 1, 'page_view'));
    expect(state.cards().sessions).toBe(sessionsBefore);
    expect(state.sessions.has(goneKey)).toBe(false);
    // Archived again (client-table.ts) with the late page view in it.
    expect(state.session(goneKey)?.pageViews).toBe(pageViewsBefore + 1);
  });
});
