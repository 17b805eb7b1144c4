/**
 * Every documented Measurement Protocol limit and reserved name (shared/REFERENCE-GA4.md §2), table-driven and over
 * real HTTP: /debug/mp/collect must answer Google's validationCode at the right fieldPath, and /mp/collect must
 * answer 204, store exactly the valid events and record each refused one in ingest.rejects with the same code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server';

const GOOGLE = { measurementId: 'G-RULES', apiSecret: 'rules-secret', streamId: '2000000002' };
const LOCAL = { measurementId: 'G-LOCAL', apiSecret: 'local-secret', streamId: '1000000001', localTag: true };

let server: RunningServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'shoplab-mp-rules-'));
  server = await startServer({ dataDir: dir, port: 0, log: () => {}, streams: [GOOGLE, LOCAL] });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
const params = (n: number): Record<string, number> => Object.fromEntries(many(n, (i) => [`p${i}`, i]));
const event = (name: string, p: Record<string, unknown> = {}): Record<string, unknown> => ({ name, params: p });
const withEvents = (...events: unknown[]): Record<string, unknown> => ({ client_id: 'c.1', events });
const now = Date.now() * 1000;

interface Case {
  what: string;
  /** Request body (object → JSON) or raw text. */
  body: Record<string, unknown> | string;
  /** Expected [validationCode, fieldPath] of the first message; null when the body is valid. */
  expect: readonly [string, string] | null;
  /** Events that /mp/collect must store from this body. */
  stored: number;
}

const CASES: Case[] = [
  { what: 'a typical ecommerce body', body: withEvents(event('add_to_cart', { currency: 'USD', value: 25, session_id: 1_709_294_000, items: [{ item_id: 'SKU-1', price: 12.5, quantity: 2 }] })), expect: null, stored: 1 },
  { what: 'exactly 25 events, 25 params, 200 items, 10 custom item params', body: withEvents(...many(24, () => event('e', params(25))), event('e', { items: many(200, (i) => ({ item_id: `i${i}`, ...params(10) })) })), expect: null, stored: 25 },
  { what: 'names of exactly 40 characters and values of 100 (page_title 300, page_referrer 420, page_location 1000)', body: withEvents(event('e'.repeat(40), { ['p'.repeat(40)]: 'v'.repeat(100), page_title: 't'.repeat(300), page_referrer: 'r'.repeat(420), page_location: `https://x.example/${'l'.repeat(980)}` })), expect: null, stored: 1 },
  { what: '25 user properties, names of 24 and values of 36 characters, user_id of 256', body: { client_id: 'c', user_id: 'u'.repeat(256), user_properties: Object.fromEntries(many(25, (i) => [`${'u'.repeat(22)}${String(i).padStart(2, '0')}`, { value: 'v'.repeat(36) }])), events: [event('e')] }, expect: null, stored: 1 },
  { what: 'a timestamp 71 hours ago', body: { client_id: 'c', timestamp_micros: now - 71 * 3600e6, events: [event('e')] }, expect: null, stored: 1 },
  { what: 'no client_id', body: { events: [event('e')] }, expect: ['VALUE_REQUIRED', 'client_id'], stored: 0 },
  { what: 'no events', body: { client_id: 'c', events: [] }, expect: ['VALUE_REQUIRED', 'events'], stored: 0 },
  { what: 'an event without a name', body: withEvents({ params: {} }), expect: ['VALUE_REQUIRED', 'events[0].name'], stored: 0 },
  { what: 'an event name starting with a digit', body: withEvents(event('1st')), expect: ['NAME_INVALID', 'events[0].name'], stored: 0 },
  { what: 'an event name with a dash', body: withEvents(event('add-to-cart')), expect: ['NAME_INVALID', 'events[0].name'], stored: 0 },
  { what: 'an event name of 41 characters', body: withEvents(event('e'.repeat(41))), expect: ['NAME_INVALID', 'events[0].name'], stored: 0 },
  ...['ad_click', 'app_remove', 'error', 'first_open', 'first_visit', 'session_start', 'user_engagement', 'os_update', 'dynamic_link_first_open', 'firebase_campaign', 'notification_open'].map(
    (name): Case => ({ what: `the reserved event name ${name}`, body: withEvents(event(name), event('kept')), expect: ['NAME_RESERVED', 'events[0].name'], stored: 1 }),
  ),
  ...['_private', 'ga_session_id', 'google_x', 'firebase_x', 'gtag.config'].map(
    (name): Case => ({ what: `the reserved param prefix of ${name}`, body: withEvents(event('e', { [name]: 1 })), expect: ['NAME_RESERVED', `events[0].params.${name}`], stored: 0 }),
  ),
  { what: 'a param name of 41 characters', body: withEvents(event('e', { ['p'.repeat(41)]: 1 })), expect: ['NAME_INVALID', `events[0].params.${'p'.repeat(41)}`], stored: 0 },
  { what: 'a param value of 101 characters', body: withEvents(event('e', { p: 'v'.repeat(101) })), expect: ['VALUE_OUT_OF_BOUNDS', 'events[0].params.p'], stored: 0 },
  { what: 'a page_title of 301 characters', body: withEvents(event('e', { page_title: 't'.repeat(301) })), expect: ['VALUE_OUT_OF_BOUNDS', 'events[0].params.page_title'], stored: 0 },
  { what: 'a page_location of 1001 characters', body: withEvents(event('e', { page_location: 'l'.repeat(1001) })), expect: ['VALUE_OUT_OF_BOUNDS', 'events[0].params.page_location'], stored: 0 },
  { what: 'an object as a param value', body: withEvents(event('e', { p: { nested: 1 } })), expect: ['VALUE_INVALID', 'events[0].params.p'], stored: 0 },
  { what: '26 events', body: withEvents(...many(26, () => event('e'))), expect: ['EXCEEDED_MAX_ENTITIES', 'events'], stored: 0 },
  { what: '26 params', body: withEvents(event('e', params(26))), expect: ['EXCEEDED_MAX_ENTITIES', 'events[0].params'], stored: 0 },
  { what: '201 items', body: withEvents(event('e', { items: many(201, (i) => ({ item_id: `i${i}` })) })), expect: ['EXCEEDED_MAX_ENTITIES', 'events[0].params.items'], stored: 0 },
  { what: '11 custom item params', body: withEvents(event('e', { items: [{ item_id: 'i', ...params(11) }] })), expect: ['EXCEEDED_MAX_ENTITIES', 'events[0].params.items[0]'], stored: 0 },
  { what: 'an item without item_id or item_name', body: withEvents(event('e', { items: [{ price: 1 }] })), expect: ['VALUE_REQUIRED', 'events[0].params.items[0]'], stored: 0 },
  { what: 'an item price that is text', body: withEvents(event('e', { items: [{ item_id: 'i', price: '12' }] })), expect: ['VALUE_INVALID', 'events[0].params.items[0].price'], stored: 0 },
  { what: '26 user properties', body: { client_id: 'c', user_properties: Object.fromEntries(many(26, (i) => [`u${i}`, { value: i }])), events: [event('e')] }, expect: ['EXCEEDED_MAX_ENTITIES', 'user_properties'], stored: 0 },
  { what: 'a user property name of 25 characters', body: { client_id: 'c', user_properties: { ['u'.repeat(25)]: { value: 1 } }, events: [event('e')] }, expect: ['NAME_INVALID', `user_properties.${'u'.repeat(25)}`], stored: 0 },
  { what: 'a user property value of 37 characters', body: { client_id: 'c', user_properties: { tier: { value: 'v'.repeat(37) } }, events: [event('e')] }, expect: ['VALUE_OUT_OF_BOUNDS', 'user_properties.tier.value'], stored: 0 },
  ...['first_open_time', 'first_visit_time', 'last_deep_link_referrer', 'user_id', 'first_open_after_install'].map(
    (name): Case => ({ what: `the reserved user property ${name}`, body: { client_id: 'c', user_properties: { [name]: { value: 1 } }, events: [event('e')] }, expect: ['NAME_RESERVED', `user_properties.${name}`], stored: 0 }),
  ),
  ...['_u', 'ga_u', 'google_u', 'firebase_u'].map(
    (name): Case => ({ what: `the reserved user property prefix of ${name}`, body: { client_id: 'c', user_properties: { [name]: { value: 1 } }, events: [event('e')] }, expect: ['NAME_RESERVED', `user_properties.${name}`], stored: 0 }),
  ),
  { what: 'a user_id of 257 characters', body: { client_id: 'c', user_id: 'u'.repeat(257), events: [event('e')] }, expect: ['VALUE_OUT_OF_BOUNDS', 'user_id'], stored: 0 },
  { what: 'a timestamp 73 hours ago', body: { client_id: 'c', timestamp_micros: now - 73 * 3600e6, events: [event('e')] }, expect: ['VALUE_OUT_OF_BOUNDS', 'timestamp_micros'], stored: 0 },
  { what: 'an event timestamp in milliseconds', body: withEvents({ name: 'e', timestamp_micros: Date.now() }), expect: ['VALUE_OUT_OF_BOUNDS', 'events[0].timestamp_micros'], stored: 0 },
  { what: 'a consent value other than GRANTED or DENIED', body: { client_id: 'c', consent: { ad_user_data: 'YES' }, events: [event('e')] }, expect: ['VALUE_INVALID', 'consent.ad_user_data'], stored: 0 },
  { what: 'a param name twice in one event', body: '{"client_id":"c","events":[{"name":"e","params":{"value":1,"value":2}}]}', expect: ['NAME_DUPLICATED', 'events[0].params.value'], stored: 0 },
  { what: 'a lone surrogate, escaped, in a param value', body: '{"client_id":"c","events":[{"name":"e","params":{"p":"a\\uD800b"}},{"name":"kept"}]}', expect: ['VALUE_INVALID', 'events[0].params.p'], stored: 1 },
  { what: 'a lone surrogate, escaped in lower case, in a param name', body: '{"client_id":"c","events":[{"name":"e","params":{"p\\udc00":1}}]}', expect: ['VALUE_INVALID', 'events[0].params.p\udc00'], stored: 0 },
  { what: 'a lone surrogate in client_id', body: '{"client_id":"c\\ud83d","events":[{"name":"e"}]}', expect: ['VALUE_INVALID', 'client_id'], stored: 0 },
  // UTF-8 cannot carry a lone surrogate: the request body turns it into U+FFFD, which is fine text.
  { what: 'a lone surrogate as a raw character', body: `{"client_id":"c","events":[{"name":"e","params":{"p":"a${'\ud800'}"}}]}`, expect: null, stored: 1 },
  { what: 'an emoji, as an escaped surrogate pair and as a character', body: `{"client_id":"c","events":[{"name":"e","params":{"p":"\\uD83D\\uDE00 ${'\u{1F600}'}"}}]}`, expect: null, stored: 1 },
  { what: 'a body that is not JSON', body: '{"client_id":', expect: ['VALUE_INVALID', ''], stored: 0 },
  { what: 'JSON nested 40 levels deep', body: `{"client_id":"c","events":[{"name":"e","params":{"p":${'['.repeat(40)}${']'.repeat(40)}}}]}`, expect: ['VALUE_INVALID', 'events[0].params.p[0][0][0][0][0][0][0][0][0][0][0]'], stored: 0 },
];

async function post(route: string, body: Case['body'], stream = GOOGLE): Promise<Response> {
  return fetch(`${server.url}${route}?measurement_id=${stream.measurementId}&api_secret=${stream.apiSecret}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('Measurement Protocol limits and reserved names', () => {
  it.each(CASES)('$what', async ({ body, expect: expected, stored }) => {
    const debug = await post('/debug/mp/collect', body);
    expect(debug.status).toBe(200);
    const { validationMessages } = (await debug.json()) as { validationMessages: { fieldPath: string; validationCode: string; description: string }[] };
    if (expected === null) {
      expect(validationMessages).toEqual([]);
    } else {
      expect([validationMessages[0]?.validationCode, validationMessages[0]?.fieldPath]).toEqual(expected);
      expect(validationMessages[0]?.description.length).toBeGreaterThan(5);
    }

    const before = await server.warehouse.query(`SELECT (SELECT count(*) FROM ${server.warehouse.dataset}.events WHERE stream_id = '${GOOGLE.streamId}') AS events, (SELECT count(*) FROM ingest.rejects) AS rejects`);
    const res = await post('/mp/collect', body);
    expect(res.status).toBe(204);
    expect(res.headers.get('x-shoplab-accepted')).toBe(String(stored));
    const after = await server.warehouse.query(`SELECT (SELECT count(*) FROM ${server.warehouse.dataset}.events WHERE stream_id = '${GOOGLE.streamId}') AS events, (SELECT count(*) FROM ingest.rejects) AS rejects`);
    expect(Number(after[0]?.events) - Number(before[0]?.events)).toBe(stored);
    if (expected === null) {
      expect(after[0]?.rejects).toBe(before[0]?.rejects);
    } else {
      const newRejects = await server.warehouse.query(`SELECT validation_code, field_path FROM ingest.rejects ORDER BY received_at_micros DESC, event_index LIMIT ${Number(after[0]?.rejects) - Number(before[0]?.rejects)}`);
      expect(newRejects.length).toBeGreaterThan(0);
      // The warehouse keeps only well-formed text: a lone surrogate in a refused name is stored as U+FFFD.
      expect(newRejects.map((r) => [r.validation_code, r.field_path])).toContainEqual([expected[0], expected[1].replace(/[\uD800-\uDFFF]/gu, '\uFFFD')]);
    }
  });

  it('accepts the automatic web events and old timestamps from the local tag stream, while the debug endpoint still reports them', async () => {
    const body = { client_id: 'local.1', events: [{ name: 'first_visit', timestamp_micros: now - 30 * 24 * 3600e6 }, event('session_start'), event('user_engagement', { engagement_time_msec: 10 })] };
    const res = await post('/mp/collect', body, LOCAL);
    expect([res.status, res.headers.get('x-shoplab-accepted'), res.headers.get('x-shoplab-rejected')]).toEqual([204, '3', '0']);
    const debug = (await (await post('/debug/mp/collect', body, LOCAL)).json()) as { validationMessages: { validationCode: string }[] };
    expect(debug.validationMessages.map((m) => m.validationCode)).toEqual(['NAME_RESERVED', 'VALUE_OUT_OF_BOUNDS', 'NAME_RESERVED', 'NAME_RESERVED']);
  });
});
