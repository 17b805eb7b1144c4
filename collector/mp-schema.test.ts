/**
 * isPlainEvent, the collector's fast path past zod, may only ever call an event valid that eventSchema (zod)
 * accepts. Checked here against zod itself: on good events at the edge of every limit, and on each of them broken
 * one field at a time in every way the limits and types allow.
 */
import { describe, expect, it } from 'vitest';
import { MAX_ITEMS } from '../ga4/events';
import { eventSchema, isPlainEvent } from './mp-schema';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const item = (i: number): Record<string, Json> => ({ item_id: `SKU-${i}`, item_name: `Mug ${i}`, price: 12.5, quantity: 2, index: i, discount: 0.5, coupon: 'C' });
const customItemParams = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`custom_${i}`, i % 2 === 0 ? 'v'.repeat(100) : i]));

const GOOD: Record<string, Json>[] = [
  { name: 'page_view' },
  { name: 'first_visit', params: {} },
  { name: 'e'.repeat(40), timestamp_micros: 1_795_390_642_456_000 },
  {
    name: 'add_to_cart',
    timestamp_micros: 1_795_390_642_456_000,
    params: { session_id: 1_709_294_000, engagement_time_msec: 100, currency: 'USD', value: 25, debug_mode: true, note: null, items: [item(0), { item_name: 'only a name' }] },
  },
  { name: 'view_item_list', params: { items: Array.from({ length: MAX_ITEMS }, (_, i) => item(i)) } },
  { name: 'view_item', params: { items: [{ item_id: 'x', ...customItemParams }], ['p'.repeat(40)]: 'v'.repeat(100), page_title: 't'.repeat(300), page_location: 'l'.repeat(1000), page_referrer: 'r'.repeat(420) } },
  { name: 'many_params', params: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`p${i}`, i])) },
  { name: 'no_items', params: { items: null } },
];

/** Values that break some limit or type somewhere. */
const ODD: Json[] = [null, true, false, 0, -1, 1.5, 1e15, 2 ** 53, '', 'v'.repeat(101), 'l'.repeat(1001), '12', '1st', '_x', 'ga_x', 'a-b', [], [1], {}, { nested: 1 }];
const ODD_KEYS = ['', '_private', 'ga_session_id', 'google_x', 'firebase_x', 'gtag.config', '1st', 'a-b', 'k'.repeat(41), 'extra', 'item_id'];

function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** Every way to break `event` in one place: each value replaced by each odd value, and each object given an odd key. */
function* broken(event: Json): Generator<Json> {
  function* at(node: Json, set: (value: Json) => Json): Generator<Json> {
    for (const odd of ODD) yield set(odd);
    // Infinity is no JSON, but JSON.parse('1e999') makes it.
    yield set(Number.POSITIVE_INFINITY);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length && i < 3; i++) yield* at(node[i] ?? null, (v) => set(node.map((x, j) => (j === i ? v : x))));
      yield set([...node, ...Array.from({ length: MAX_ITEMS + 1 - node.length }, () => node[0] ?? null)]);
    } else if (typeof node === 'object' && node !== null) {
      for (const key of Object.keys(node)) {
        yield* at(node[key] ?? null, (v) => set({ ...node, [key]: v }));
        yield set(Object.fromEntries(Object.entries(node).filter(([k]) => k !== key)));
      }
      for (const key of ODD_KEYS) yield set({ ...node, [key]: 1 });
      yield set({ ...node, ...Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`q${i}`, i])) });
    }
  }
  yield* at(event, (value) => clone(value));
}

describe('isPlainEvent, the fast path past zod', () => {
  it('accepts the usual events, so the fast path is taken, and zod agrees with each', () => {
    for (const event of GOOD) {
      expect(eventSchema.safeParse(event).success, JSON.stringify(event).slice(0, 80)).toBe(true);
      expect(isPlainEvent(event), JSON.stringify(event).slice(0, 80)).toBe(true);
    }
  });

  it('never accepts an event that zod refuses, over every one-place break of the good events', () => {
    let refusedByZod = 0;
    let tried = 0;
    const wronglyAccepted: string[] = [];
    for (const event of GOOD) {
      for (const variant of broken(event)) {
        tried++;
        const zodAccepts = eventSchema.safeParse(variant).success;
        if (!zodAccepts) refusedByZod++;
        if (isPlainEvent(variant) && !zodAccepts) wronglyAccepted.push(JSON.stringify(variant).slice(0, 200));
      }
    }
    expect(wronglyAccepted).toEqual([]);
    // The breaks really break things: most variants are refused, so the check above had plenty to catch.
    expect(tried).toBeGreaterThan(1000);
    expect(refusedByZod / tried).toBeGreaterThan(0.5);
  });
});
