import { describe, expect, it } from 'vitest';
import type { MpRequest } from '../ga4/measurement-protocol';
import { createTransport, type TransportOptions } from './transport';

interface Sent {
  url: string;
  body: MpRequest;
}

/** A scripted collector: answers each POST with the next status in `statuses` (then 204). */
function collector(statuses: number[] = []): { fetchImpl: typeof fetch; sent: Sent[]; attempts: number } {
  const state = { sent: [] as Sent[], attempts: 0, fetchImpl: undefined as unknown as typeof fetch };
  state.fetchImpl = ((url: string, init: RequestInit) => {
    state.attempts += 1;
    const status = statuses.shift() ?? 204;
    if (status >= 200 && status < 300) state.sent.push({ url, body: JSON.parse(init.body as string) as MpRequest });
    return Promise.resolve(new Response(status === 204 ? null : 'x', { status }));
  }) as typeof fetch;
  return state;
}

function transport(fetchImpl: typeof fetch, errors: unknown[], extra: Partial<TransportOptions> = {}) {
  return createTransport({
    endpoint: '/mp/collect',
    measurementId: 'G-T',
    apiSecret: 's',
    fetchImpl,
    retryBaseMs: 1,
    setTimer: (fn, ms) => setTimeout(fn, ms) as unknown as number,
    clearTimer: (id) => clearTimeout(id),
    onError: (e) => errors.push(e),
    ...extra,
  });
}

const ev = (n: number) => ({ name: `e${n}`, params: { n } });

describe('transport', () => {
  it('sends at most 25 events per request, in push order, with the stream in the query', async () => {
    const c = collector();
    const errors: unknown[] = [];
    const t = transport(c.fetchImpl, errors);
    for (let i = 0; i < 60; i++) t.enqueue('1.2', undefined, ev(i));
    await t.flush();
    expect(c.sent.map((s) => s.body.events.length)).toEqual([25, 25, 10]);
    expect(c.sent.flatMap((s) => s.body.events.map((e) => e.name))).toEqual(Array.from({ length: 60 }, (_, i) => `e${i}`));
    expect(c.sent[0]!.url).toBe('/mp/collect?measurement_id=G-T&api_secret=s');
    expect(errors).toEqual([]);
    expect(t.size()).toBe(0);
  });

  it('retries 5xx and 429 and delivers each event exactly once', async () => {
    const c = collector([503, 500, 429]);
    const errors: unknown[] = [];
    const t = transport(c.fetchImpl, errors);
    for (let i = 0; i < 3; i++) t.enqueue('1.2', undefined, ev(i));
    await t.flush();
    expect(c.attempts).toBe(4);
    expect(c.sent).toHaveLength(1);
    expect(c.sent[0]!.body.events).toHaveLength(3);
    expect(errors).toEqual([]);
  });

  it('drops a batch the collector rejects permanently and reports it', async () => {
    const c = collector([400]);
    const errors: unknown[] = [];
    const t = transport(c.fetchImpl, errors);
    t.enqueue('1.2', undefined, ev(1));
    await t.flush();
    t.enqueue('1.2', undefined, ev(2));
    await t.flush();
    expect(c.attempts).toBe(2);
    expect(c.sent.map((s) => s.body.events[0]!.name)).toEqual(['e2']);
    expect(String(errors[0])).toMatch(/dropped 1 GA4 events/);
  });

  it('reports events the collector refused behind a 2xx answer, without resending them', async () => {
    let attempts = 0;
    const fetchImpl = (() => {
      attempts += 1;
      const headers = { 'x-shoplab-rejected': '1', 'x-shoplab-reject-reason': encodeURIComponent('NAME_INVALID events[0].name: bad') };
      return Promise.resolve(new Response(null, { status: 204, headers }));
    }) as unknown as typeof fetch;
    const errors: unknown[] = [];
    const t = transport(fetchImpl, errors);
    t.enqueue('1.2', undefined, ev(1));
    await t.flush();
    expect(attempts).toBe(1);
    expect(t.size()).toBe(0);
    expect(errors.map(String)).toEqual(['Error: collector refused 1 GA4 event(s): NAME_INVALID events[0].name: bad']);
  });

  it('reports the oldest events it drops when the queue is full', () => {
    const c = collector();
    const errors: unknown[] = [];
    const t = transport(c.fetchImpl, errors, { maxQueue: 3 });
    for (let i = 0; i < 5; i++) t.enqueue('1.2', undefined, ev(i));
    expect(t.size()).toBe(3);
    expect(errors.map(String).join()).toMatch(/queue full/);
  });

  it('never mixes two users in one request', async () => {
    const c = collector();
    const t = transport(c.fetchImpl, []);
    t.enqueue('1.1', undefined, ev(1));
    t.enqueue('1.1', 'u-7', ev(2));
    t.enqueue('2.2', undefined, ev(3));
    await t.flush();
    expect(c.sent.map((s) => [s.body.client_id, s.body.user_id, s.body.events.length])).toEqual([
      ['1.1', undefined, 1],
      ['1.1', 'u-7', 1],
      ['2.2', undefined, 1],
    ]);
  });

  it('sends the location an event was queued with as user_location, one location per request', async () => {
    const c = collector();
    const t = transport(c.fetchImpl, []);
    const ca = { country_id: 'US', region_id: 'US-CA', continent_id: '019', subcontinent_id: '021' };
    t.enqueue('1.1', undefined, ev(1), ca);
    t.enqueue('1.1', undefined, ev(2), { ...ca });
    t.enqueue('1.1', undefined, ev(3), { country_id: 'DE' });
    t.enqueue('1.1', undefined, ev(4));
    await t.flush();
    expect(c.sent.map((s) => [s.body.user_location, s.body.events.length])).toEqual([
      [ca, 2],
      [{ country_id: 'DE' }, 1],
      [undefined, 1],
    ]);
  });

  it('sends the user properties an event was queued with as user_properties, one set per request', async () => {
    const c = collector();
    const t = transport(c.fetchImpl, []);
    const arm = { experiment_arm: { value: 'freeship' } };
    t.enqueue('1.1', undefined, ev(1));
    t.enqueue('1.1', undefined, ev(2), undefined, arm);
    t.enqueue('1.1', undefined, ev(3), undefined, { experiment_arm: { value: 'freeship' } });
    t.enqueue('1.1', undefined, ev(4), undefined, {});
    await t.flush();
    expect(c.sent.map((s) => [s.body.user_properties, s.body.events.length])).toEqual([
      [undefined, 1],
      [arm, 2],
      [undefined, 1],
    ]);
  });
});
