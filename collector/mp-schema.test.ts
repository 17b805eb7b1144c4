import { describe, expect, it } from 'vitest';
import { parseMpRequest } from './mp-schema';

const valid = {
  client_id: '123.456',
  events: [{ name: 'add_to_cart', params: { currency: 'USD', value: 25, session_id: 1_709_294_000, items: [{ item_id: 'SKU-1', price: 12.5, quantity: 2 }] } }],
};

function issuesOf(body: unknown): { path: string; message: string }[] {
  const result = parseMpRequest(body);
  if (result.ok) throw new Error('expected the body to be refused');
  return result.issues;
}

describe('parseMpRequest', () => {
  it('accepts a typical gtag-style body', () => {
    expect(parseMpRequest(valid)).toEqual({ ok: true, request: valid });
  });

  it('accepts automatic gtag.js events even though the MP reserves their names', () => {
    expect(parseMpRequest({ client_id: 'c', events: [{ name: 'session_start' }, { name: 'first_visit' }, { name: 'user_engagement' }] }).ok).toBe(true);
  });

  it('names the field of every problem', () => {
    const issues = issuesOf({
      client_id: 'x'.repeat(257),
      events: [{ name: '1bad' }, { name: 'ok', params: { items: [{ item_name: 'Mug', price: '12' }], page_title: 't'.repeat(301) } }],
    });
    expect(issues.map((i) => i.path)).toEqual(['client_id', 'events[0].name', 'events[1].params.items[0].price', 'events[1].params.page_title']);
  });

  it('refuses more than 25 events, 25 params or 200 items', () => {
    const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
    expect(issuesOf({ client_id: 'c', events: many(26, () => ({ name: 'e' })) })[0]?.path).toBe('events');
    const params = Object.fromEntries(many(26, (i) => [`p${i}`, i]));
    expect(issuesOf({ client_id: 'c', events: [{ name: 'e', params }] })[0]).toEqual({ path: 'events[0].params', message: 'at most 25 params per event, got 26' });
    const items = many(201, (i) => ({ item_id: `i${i}` }));
    expect(issuesOf({ client_id: 'c', events: [{ name: 'e', params: { items } }] })[0]?.path).toBe('events[0].params.items');
  });

  it('refuses arrays outside items, reserved param prefixes and too many custom item params', () => {
    const custom = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`c${i}`, i]));
    const issues = issuesOf({ client_id: 'c', events: [{ name: 'e', params: { tags: [{ item_id: 'x' }], ga_session_id: 1, items: [{ item_id: 'x', ...custom }] } }] });
    expect(issues).toEqual([
      { path: 'events[0].params.items[0]', message: 'at most 10 custom item params, got 11 (c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10)' },
      { path: 'events[0].params.tags', message: 'only the `items` param may be an array' },
      { path: 'events[0].params.ga_session_id', message: 'the prefix ga_ is reserved by GA4' },
    ]);
  });

  it('names unknown fields instead of ignoring them', () => {
    expect(issuesOf({ client_id: 'c', event: [], events: [{ name: 'e' }] })).toEqual([{ path: 'event', message: 'not a Measurement Protocol field' }]);
  });

  it('refuses timestamps that are seconds or milliseconds', () => {
    expect(issuesOf({ ...valid, timestamp_micros: 1_709_294_400_000 })[0]?.path).toBe('timestamp_micros');
  });

  it('refuses text that is not valid Unicode', () => {
    expect(issuesOf({ client_id: 'c', events: [{ name: 'e', params: { page_title: 'a\ud800' } }] })).toEqual([
      { path: 'events[0].params.page_title', message: 'contains a lone UTF-16 surrogate (not valid Unicode text)' },
    ]);
  });
});
