import { describe, expect, it } from 'vitest';
import { clientIdFromGaCookie } from '../ga4/ga-cookie';
import { createSessionStore, readCookie, SESSION_TIMEOUT_MS } from './session';

/** A cookie jar with document.cookie's assignment semantics (one name=value per write). */
function jar(initial: Record<string, string> = {}): { cookie: string } {
  const store = new Map(Object.entries(initial));
  return {
    get cookie() {
      return [...store].map(([k, v]) => `${k}=${v}`).join('; ');
    },
    set cookie(line: string) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      store.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    },
  };
}

const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);

describe('session store', () => {
  it('reads document.cookie once per task, keeps its own writes, and sees another tab\'s change in the next task', async () => {
    const doc = jar();
    let reads = 0;
    const counted = {
      get cookie() {
        reads += 1;
        return doc.cookie;
      },
      set cookie(line: string) {
        doc.cookie = line;
      },
    };
    const store = createSessionStore(counted, 'G-TEST');
    const first = store.touch(T0, true);
    const second = store.touch(T0 + 1000);
    expect(reads).toBe(1);
    expect(second.isNewSession).toBe(false);
    expect(second.session.id).toBe(first.session.id);
    // Another tab starts a new session (a later id) between two tasks.
    await Promise.resolve();
    doc.cookie = `_ga_TEST=GS1.1.${T0 / 1000 + 60}.7.1.${T0 + 61_000}.3; path=/`;
    const third = store.touch(T0 + 62_000);
    expect(reads).toBe(2);
    expect(third.session).toMatchObject({ id: T0 / 1000 + 60, number: 7 });
  });

  it('creates a _ga client id on the first hit and reports a first visit', () => {
    const doc = jar();
    const store = createSessionStore(doc, 'G-TEST');
    const t = store.touch(T0, true);
    expect(t.isFirstVisit).toBe(true);
    expect(t.isNewSession).toBe(true);
    expect(t.session).toMatchObject({ id: T0 / 1000, number: 1 });
    expect(clientIdFromGaCookie(decodeURIComponent(readCookie(doc, '_ga') ?? ''))).toBe(store.clientId());
  });

  it('keeps an existing _ga client id and does not call it a first visit', () => {
    const doc = jar({ _ga: 'GA1.1.123456789.1700000000' });
    const store = createSessionStore(doc, 'G-TEST');
    expect(store.touch(T0).isFirstVisit).toBe(false);
    expect(store.clientId()).toBe('123456789.1700000000');
  });

  it('continues a session within 30 minutes and starts the next one after', () => {
    const doc = jar();
    const store = createSessionStore(doc, 'G-TEST');
    store.touch(T0, true);
    const same = store.touch(T0 + SESSION_TIMEOUT_MS - 1000);
    expect(same.isNewSession).toBe(false);
    expect(same.session.id).toBe(T0 / 1000);
    const later = T0 + 2 * SESSION_TIMEOUT_MS + 5000;
    const next = store.touch(later, true);
    expect(next.isNewSession).toBe(true);
    expect(next.session.number).toBe(2);
    expect(next.session.id).toBe(Math.floor(later / 1000));
  });

  it('marks a session engaged after two page views or ten seconds', () => {
    const a = createSessionStore(jar(), 'G-TEST');
    expect(a.touch(T0, true).session.engaged).toBe(false);
    expect(a.touch(T0 + 1000, true).session.engaged).toBe(true);
    const b = createSessionStore(jar(), 'G-TEST');
    b.touch(T0, true);
    expect(b.touch(T0 + 9000).session.engaged).toBe(false);
    expect(b.touch(T0 + 11_000).session.engaged).toBe(true);
  });
});
