import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { viewItem } from '../../ga4/events';
import type * as RouteViews from './route-views';

const item = { item_id: 'SKU-00001', item_name: 'Tent', price: 10, quantity: 1 };

interface FakePage {
  dataLayer: unknown[];
  dataset: Record<string, string>;
  settled: unknown[];
}

/** Installs the few window/document members the module touches, then loads a fresh copy of it. */
async function load(): Promise<FakePage & typeof RouteViews> {
  const page: FakePage = { dataLayer: [], dataset: {}, settled: [] };
  vi.stubGlobal('window', {
    dataLayer: page.dataLayer,
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimeout: (id: number) => clearTimeout(id),
    dispatchEvent: (e: CustomEvent) => page.settled.push(e.detail),
  });
  vi.stubGlobal('document', { documentElement: { dataset: page.dataset } });
  vi.resetModules();
  return { ...page, ...(await import('./route-views')) };
}

const events = (dl: unknown[]): unknown[] => dl.map((e) => (e as { event?: string }).event ?? 'ecommerce:null');

describe('route views', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('pushes view events at once when no route change is under way', async () => {
    const m = await load();
    m.trackView(() => viewItem('USD', item));
    expect(events(m.dataLayer)).toEqual(['ecommerce:null', 'view_item']);
  });

  it('holds view events until the head has rendered, then page_view, then the events, then the signal', async () => {
    const m = await load();
    const order: string[] = [];
    m.beginRoute();
    m.trackView(() => viewItem('USD', item));
    m.routeUpdated('/product/tent/', () => order.push(`page_view with ${m.dataLayer.length} pushes`));
    expect(m.dataLayer).toHaveLength(0);
    m.headRendered('/elsewhere/');
    vi.advanceTimersByTime(10);
    expect(order).toEqual([]);
    m.headRendered('/product/tent/');
    vi.advanceTimersByTime(0);
    expect(order).toEqual(['page_view with 0 pushes']);
    expect(events(m.dataLayer)).toEqual(['ecommerce:null', 'view_item']);
    expect(m.dataset).toEqual({ shoplabNav: '1', shoplabPath: '/product/tent/' });
    expect(m.settled).toEqual([{ nav: 1, path: '/product/tent/' }]);
  });

  it('settles once per route even when the head renders twice', async () => {
    const m = await load();
    m.beginRoute();
    m.routeUpdated('/a/', () => undefined);
    m.headRendered('/a/');
    m.headRendered('/a/');
    vi.advanceTimersByTime(5000);
    expect(m.dataset.shoplabNav).toBe('1');
  });

  it('settles anyway when a page never reports its head', async () => {
    const m = await load();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const pageView = vi.fn();
    m.beginRoute();
    m.routeUpdated('/no-head/', pageView);
    vi.advanceTimersByTime(999);
    expect(pageView).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(pageView).toHaveBeenCalledOnce();
    expect(m.dataset.shoplabPath).toBe('/no-head/');
    warn.mockRestore();
  });

  it('reports a builder error instead of throwing into the page', async () => {
    const m = await load();
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(() => m.trackView(() => viewItem('usd', item))).not.toThrow();
    expect(m.dataLayer).toHaveLength(0);
    expect(error).toHaveBeenCalled();
    error.mockRestore();
  });
});
