import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Ids from './ids';

async function load(page: { cookie: string; sim?: { now(): number } }): Promise<typeof Ids> {
  vi.stubGlobal('window', { crypto: globalThis.crypto, __shoplabSim: page.sim });
  vi.stubGlobal('document', { cookie: page.cookie });
  vi.resetModules();
  return import('./ids');
}

describe('ids', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('reads the client id digits from a _ga cookie among others', async () => {
    const m = await load({ cookie: '' });
    expect(m.clientIdFromCookie('a=1; _ga=GA1.1.424242.1700000000; b=2')).toBe('4242421700000000');
    expect(m.clientIdFromCookie('_ga_X=GS1.1.1')).toBe('0');
  });

  it('mints the same ids for the same virtual time, client and order under simulation', async () => {
    const page = { cookie: '_ga=GA1.1.424242.1700000000', sim: { now: () => Date.UTC(2026, 10, 3, 9) } };
    const a = await load(page);
    const first = [a.mintId('T'), a.mintId('T')];
    const b = await load(page);
    expect([b.mintId('T'), b.mintId('T')]).toEqual(first);
    expect(first[0]).not.toBe(first[1]);
    expect(first[0]).toMatch(/^T-[0-9A-Z]+-[0-9A-Z]+-1$/);
  });

  it('adds randomness without a simulator hook, so two tabs in one millisecond differ', async () => {
    const a = await load({ cookie: '' });
    const b = await load({ cookie: '' });
    const [x, y] = [a.mintId('T'), b.mintId('T')];
    expect(x).not.toBe(y);
    expect(x.split('-')).toHaveLength(5);
  });
});
