/**
 * Hostile input, table-driven: each case sends raw bytes over a real socket to a real collector (port 0, a small
 * site, a DuckDB file), then checks the status line, that /healthz still answers, and what the warehouse gained
 * (events and reject rows). Nothing may be stored by a request refused at the HTTP level, and no refused payload
 * may be stored beyond its bounded excerpt.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REJECT_PAYLOAD } from './judge-hits';
import { startServer, type RunningServer } from './server';

const API_SECRET = 'hostile-test-secret-0';
const MP = `/mp/collect?measurement_id=G-SHOPLAB&api_secret=${API_SECRET}`;

let server: RunningServer;
let host = '';
let root = '';

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'shoplab-hostile-'));
  const dataDir = path.join(root, 'data');
  const site = path.join(root, 'site');
  mkdirSync(dataDir);
  mkdirSync(path.join(site, 'account'), { recursive: true });
  writeFileSync(path.join(site, 'index.html'), '<html><head></head><body>home</body></html>');
  writeFileSync(path.join(site, 'account', 'index.html'), '<html><head></head><body>account</body></html>');
  writeFileSync(path.join(root, 'secret.txt'), 'outside the site');
  writeFileSync(path.join(dataDir, 'api_secret'), `${API_SECRET}\n`);
  server = await startServer({ dataDir, publicDir: site, port: 0, log: () => {}, limits: { bodyTimeoutMs: 3000, headersTimeoutMs: 3000 } });
  host = new URL(server.url).host;
}, 60_000);

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** Sends raw bytes and resolves with everything the server wrote before it closed (or before `waitMs`). */
function raw(bytes: Buffer | string, waitMs = 15_000): Promise<string> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.on('connect', () => socket.write(bytes));
  });
}

/** A request as raw bytes: our Host unless given, `connection: close`, and the body's length unless given. */
function http(method: string, target: string, headers: Record<string, string> = {}, body: Buffer | string = ''): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const all: Record<string, string> = { host, connection: 'close', ...(bytes.length > 0 || method === 'POST' ? { 'content-length': String(bytes.length) } : {}), ...headers };
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}

const event = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'page_view', params: { page_location: 'https://shop.example/' }, ...extra });
const mpBody = (body: Record<string, unknown>): string => JSON.stringify(body);
const valid = (clientId: string, events: Record<string, unknown>[] = [event()]): string => mpBody({ client_id: clientId, events });

function chunked(parts: string[]): string {
  return `${parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('')}0\r\n\r\n`;
}

interface Case {
  name: string;
  send: () => Buffer | string;
  status: number;
  events: number;
  rejects: number;
  /** More checks of the answer or the warehouse. */
  check?: (answer: string) => Promise<void> | void;
}

const deep = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const NOW_MICROS = Date.now() * 1000;
const BIG_REFUSED = `{"client_id":"big.1","events":[${'x'.repeat(100_000)}`;

const CASES: Case[] = [
  // Control: what a valid hit does, so that the refusals below are refusals of the hostile part only.
  { name: 'a valid MP hit', send: () => http('POST', MP, {}, valid('ok.1')), status: 204, events: 1, rejects: 0 },
  { name: 'a valid gtag GET hit', send: () => http('GET', '/g/collect?v=2&tid=G-SHOPLAB&cid=ok.2&en=page_view&dl=https%3A%2F%2Fshop.example%2F'), status: 204, events: 1, rejects: 0 },
  // Bodies that are not what they claim to be: answered 2xx as Google does, recorded as rejects, nothing stored.
  { name: 'invalid JSON', send: () => http('POST', MP, {}, '{"client_id":'), status: 204, events: 0, rejects: 1 },
  { name: 'an empty body', send: () => http('POST', MP, {}, ''), status: 204, events: 0, rejects: 1 },
  { name: 'a JSON array', send: () => http('POST', MP, {}, '[1,2,3]'), status: 204, events: 0, rejects: 1 },
  { name: 'a JSON string', send: () => http('POST', MP, {}, '"hello"'), status: 204, events: 0, rejects: 1 },
  { name: 'JSON nested 5,000 levels deep', send: () => http('POST', MP, {}, deep(5000)), status: 204, events: 0, rejects: 1 },
  { name: 'a param nested 20 levels deep', send: () => http('POST', MP, {}, mpBody({ client_id: 'deep.1', events: [{ name: 'x', params: { p: JSON.parse(deep(20)) as unknown } }] })), status: 204, events: 0, rejects: 1 },
  { name: 'a name twice in one object', send: () => http('POST', MP, {}, '{"client_id":"dup.1","client_id":"dup.2","events":[{"name":"page_view"}]}'), status: 204, events: 0, rejects: 1 },
  { name: 'an escaped lone surrogate in client_id', send: () => http('POST', MP, {}, '{"client_id":"\\ud800x","events":[{"name":"page_view"}]}'), status: 204, events: 0, rejects: 1 },
  { name: 'a lone surrogate in a param name', send: () => http('POST', MP, {}, '{"client_id":"s.1","events":[{"name":"page_view","params":{"\\udc00":"x"}}]}'), status: 204, events: 0, rejects: 1 },
  {
    name: 'non-UTF-8 bytes in client_id (read as U+FFFD, stored as such)',
    send: () => http('POST', MP, {}, Buffer.concat([Buffer.from('{"client_id":"bin.'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('","events":[{"name":"page_view"}]}')])),
    status: 204,
    events: 1,
    rejects: 0,
    check: async () => {
      const rows = await server.warehouse.query(`SELECT user_pseudo_id AS id FROM ${server.warehouse.dataset}.events WHERE user_pseudo_id LIKE 'bin.%'`);
      expect(rows).toEqual([{ id: 'bin.\uFFFD\uFFFD\uFFFD' }]);
    },
  },
  { name: 'SQL in the event name', send: () => http('POST', MP, {}, valid('sql.1', [{ name: "x'); DROP TABLE events; --" }])), status: 204, events: 0, rejects: 1 },
  {
    name: 'SQL in a param value (stored verbatim, as data)',
    send: () => http('POST', MP, {}, valid('sql.2', [event({ params: { page_location: 'https://shop.example/', note: "'; DELETE FROM ingest.rejects; --" } })])),
    status: 204,
    events: 1,
    rejects: 0,
    check: async () => {
      const rows = await server.warehouse.query(`SELECT p.value.string_value AS v FROM ${server.warehouse.dataset}.events, UNNEST(event_params) AS t(p) WHERE user_pseudo_id = 'sql.2' AND p.key = 'note'`);
      expect(rows).toEqual([{ v: "'; DELETE FROM ingest.rejects; --" }]);
    },
  },
  { name: 'SQL in client_id (stored verbatim)', send: () => http('POST', MP, {}, valid("sql.3' OR '1'='1")), status: 204, events: 1, rejects: 0 },
  { name: 'a quote and backslash in a param name', send: () => http('POST', MP, {}, valid('sql.4', [event({ params: { 'a"b\\': 1 } })])), status: 204, events: 0, rejects: 1 },
  { name: '26 events in one request', send: () => http('POST', MP, {}, valid('many.1', Array.from({ length: 26 }, () => event()))), status: 204, events: 0, rejects: 26 },
  { name: '26 params on one event', send: () => http('POST', MP, {}, valid('many.2', [{ name: 'e', params: Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`p${i}`, i])) }])), status: 204, events: 0, rejects: 1 },
  { name: 'a 41-character event name', send: () => http('POST', MP, {}, valid('long.1', [{ name: `e${'x'.repeat(40)}` }])), status: 204, events: 0, rejects: 1 },
  { name: 'a reserved event name', send: () => http('POST', MP, {}, valid('res.1', [{ name: 'ad_click' }])), status: 204, events: 0, rejects: 1 },
  { name: 'a timestamp centuries ahead', send: () => http('POST', MP, {}, valid('future.1', [event({ timestamp_micros: 16_725_225_600_000_000 })])), status: 204, events: 0, rejects: 1 },
  { name: 'a timestamp a week ahead (beyond the 72-hour horizon)', send: () => http('POST', MP, {}, valid('future.2', [event({ timestamp_micros: NOW_MICROS + 7 * 86_400_000_000 })])), status: 204, events: 0, rejects: 1 },
  { name: 'a request timestamp ahead of the horizon', send: () => http('POST', MP, {}, mpBody({ client_id: 'future.3', timestamp_micros: NOW_MICROS + 30 * 86_400_000_000, events: [event()] })), status: 204, events: 0, rejects: 1 },
  { name: 'a timestamp an hour ahead (inside the horizon)', send: () => http('POST', MP, {}, valid('future.4', [event({ timestamp_micros: NOW_MICROS + 3_600_000_000 })])), status: 204, events: 1, rejects: 0 },
  { name: 'a timestamp in milliseconds', send: () => http('POST', MP, {}, valid('ms.1', [event({ timestamp_micros: Date.now() })])), status: 204, events: 0, rejects: 1 },
  { name: 'an unknown body field', send: () => http('POST', MP, {}, mpBody({ client_id: 'unk.1', evil: true, events: [event()] })), status: 204, events: 0, rejects: 1 },
  {
    name: 'a 100 KB refused payload (stored as a bounded excerpt and hash)',
    send: () => http('POST', MP, {}, BIG_REFUSED),
    status: 204,
    events: 0,
    rejects: 1,
    check: async () => {
      const [row] = await server.warehouse.query(`SELECT length(payload) AS n, payload FROM ingest.rejects ORDER BY received_at_micros DESC LIMIT 1`);
      expect(Number(row?.n)).toBeLessThan(MAX_REJECT_PAYLOAD + 200);
      const sha256 = createHash('sha256').update(BIG_REFUSED).digest('hex');
      expect(row?.payload).toBe(`${BIG_REFUSED.slice(0, MAX_REJECT_PAYLOAD)}…[truncated: ${BIG_REFUSED.length} bytes in all, sha256 ${sha256}]`);
    },
  },
  // Credentials: Google answers 2xx; the refusal is recorded without the secret.
  { name: 'a wrong api_secret', send: () => http('POST', '/mp/collect?measurement_id=G-SHOPLAB&api_secret=shoplab-local', {}, valid('cred.1')), status: 204, events: 0, rejects: 1 },
  { name: 'no api_secret', send: () => http('POST', '/mp/collect?measurement_id=G-SHOPLAB', {}, valid('cred.2')), status: 204, events: 0, rejects: 1 },
  { name: 'an unknown measurement_id', send: () => http('POST', `/mp/collect?measurement_id=G-EVIL&api_secret=${API_SECRET}`, {}, valid('cred.3')), status: 204, events: 0, rejects: 1 },
  { name: 'a gtag hit for an unknown tid', send: () => http('GET', '/g/collect?v=2&tid=G-EVIL&cid=cred.4&en=page_view'), status: 204, events: 0, rejects: 1 },
  // Transport: refused before anything is read or stored.
  { name: 'a declared 50 MB body', send: () => `${http('POST', MP, { 'content-length': String(50 * 1024 * 1024) }).toString('latin1')}{"client_id":`, status: 413, events: 0, rejects: 0 },
  { name: 'a 140 KB chunked body', send: () => http('POST', MP, { 'transfer-encoding': 'chunked', 'content-length': '' }, chunked(Array.from({ length: 14 }, () => 'x'.repeat(10_240)))).toString('latin1').replace('content-length: \r\n', ''), status: 413, events: 0, rejects: 0 },
  { name: 'a gzip-encoded body', send: () => http('POST', MP, { 'content-encoding': 'gzip' }, valid('gz.1')), status: 415, events: 0, rejects: 0 },
  { name: 'GET on /mp/collect', send: () => http('GET', MP), status: 405, events: 0, rejects: 0 },
  { name: 'PUT on /mp/collect', send: () => http('PUT', MP, {}, valid('put.1')), status: 405, events: 0, rejects: 0 },
  { name: 'DELETE on /healthz', send: () => http('DELETE', '/healthz'), status: 405, events: 0, rejects: 0 },
  { name: 'POST on /metrics without the token (private)', send: () => http('POST', '/metrics', {}, 'x'), status: 401, events: 0, rejects: 0 },
  { name: 'TRACE on a static path', send: () => http('TRACE', '/'), status: 405, events: 0, rejects: 0 },
  { name: 'a body that stalls past its deadline', send: () => `${http('POST', MP, { 'content-length': '500' }).toString('latin1')}{"client_id":"slow`, status: 408, events: 0, rejects: 0 },
  // Request smuggling and malformed HTTP: node:http's parser refuses them.
  { name: 'Content-Length and Transfer-Encoding together', send: () => `${http('POST', MP, { 'transfer-encoding': 'chunked', 'content-length': '4' }).toString('latin1')}0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`, status: 400, events: 0, rejects: 0 },
  { name: 'two different Content-Lengths', send: () => `POST ${MP} HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\n{"a":1}`, status: 400, events: 0, rejects: 0 },
  { name: 'a bad chunk size', send: () => `POST ${MP} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, status: 400, events: 0, rejects: 0 },
  { name: 'an obfuscated Transfer-Encoding', send: () => `POST ${MP} HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: xchunked\r\nContent-Length: 3\r\n\r\n{}x`, status: 400, events: 0, rejects: 0 },
  { name: 'a header line without a colon', send: () => `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nthis is not a header\r\n\r\n`, status: 400, events: 0, rejects: 0 },
  { name: 'a garbage request line', send: () => 'HELLO WORLD\r\n\r\n', status: 400, events: 0, rejects: 0 },
  { name: 'HTTP/1.1 without Host', send: () => 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n', status: 400, events: 0, rejects: 0 },
  { name: '20 KB of headers', send: () => http('GET', '/healthz', { 'x-big': 'x'.repeat(20_000) }), status: 431, events: 0, rejects: 0 },
  { name: 'a 50 KB query string', send: () => http('GET', `/g/collect?v=2&tid=G-SHOPLAB&cid=q.1&en=page_view&ep.x=${'y'.repeat(50_000)}`), status: 431, events: 0, rejects: 0 },
  // Who is asking: a rebound DNS name, another site's page.
  { name: 'a Host of another name (DNS rebinding)', send: () => http('POST', MP, { host: 'evil.example' }, valid('host.1')), status: 421, events: 0, rejects: 0 },
  { name: 'a Host of another name on a page', send: () => http('GET', '/', { host: 'evil.example:80' }), status: 421, events: 0, rejects: 0 },
  { name: 'an Origin of another site', send: () => http('POST', MP, { origin: 'https://evil.example' }, valid('origin.1')), status: 403, events: 0, rejects: 0 },
  { name: 'an Origin of another port on our host', send: () => http('POST', MP, { origin: 'http://127.0.0.1:1' }, valid('origin.2')), status: 403, events: 0, rejects: 0 },
  { name: 'Origin null (a sandboxed page)', send: () => http('POST', MP, { origin: 'null' }, valid('origin.3')), status: 403, events: 0, rejects: 0 },
  { name: 'an <img> hit from another site (Sec-Fetch-Site, no Origin)', send: () => http('GET', '/g/collect?v=2&tid=G-SHOPLAB&cid=img.1&en=page_view', { 'sec-fetch-site': 'cross-site' }), status: 403, events: 0, rejects: 0 },
  { name: 'a CORS preflight from another site', send: () => http('OPTIONS', MP, { origin: 'https://evil.example', 'access-control-request-method': 'POST' }), status: 403, events: 0, rejects: 0 },
  { name: 'our own origin', send: () => http('POST', MP, { origin: `http://${host}`, 'sec-fetch-site': 'same-origin' }, valid('origin.4')), status: 204, events: 1, rejects: 0 },
  // Paths: traversal, encodings, redirects.
  { name: 'dot segments out of the site', send: () => http('GET', '/../secret.txt'), status: 404, events: 0, rejects: 0, check: (answer) => expect(answer).not.toContain('outside the site') },
  { name: 'encoded dot segments out of the site', send: () => http('GET', '/%2e%2e/secret.txt'), status: 404, events: 0, rejects: 0, check: (answer) => expect(answer).not.toContain('outside the site') },
  { name: 'an encoded slash and dots out of the site', send: () => http('GET', '/account/..%2f..%2fsecret.txt'), status: 404, events: 0, rejects: 0, check: (answer) => expect(answer).not.toContain('outside the site') },
  { name: 'a NUL byte in the path', send: () => http('GET', '/index.html%00.txt'), status: 400, events: 0, rejects: 0 },
  { name: 'bad percent-encoding', send: () => http('GET', '/%zz'), status: 400, events: 0, rejects: 0 },
  {
    name: 'an open-redirect attempt',
    send: () => http('GET', '//evil.example/%2e%2e%2faccount'),
    status: 301,
    events: 0,
    rejects: 0,
    check: (answer) => expect(/\r\nlocation: ([^\r]*)\r\n/i.exec(answer)?.[1]).toBe('/account/'),
  },
  // The debug endpoint judges but never stores.
  { name: 'garbage to /debug/mp/collect', send: () => http('POST', '/debug/mp/collect?measurement_id=G-SHOPLAB', {}, '\u0000\u0001 not json'), status: 200, events: 0, rejects: 0 },
];

async function counts(): Promise<{ events: number; rejects: number }> {
  const [events] = await server.warehouse.query(`SELECT count(*) AS n FROM ${server.warehouse.dataset}.events`);
  const [rejects] = await server.warehouse.query('SELECT count(*) AS n FROM ingest.rejects');
  return { events: Number(events?.n), rejects: Number(rejects?.n) };
}

describe('hostile requests', () => {
  it('has at least 40 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES)('$name → $status, stores $events event(s) and $rejects reject(s), and the server stays up', async (c) => {
    const before = await counts();
    const answer = await raw(c.send());
    expect(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1], answer.slice(0, 300)).toBe(String(c.status));
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    await server.warehouse.settled();
    const after = await counts();
    expect({ events: after.events - before.events, rejects: after.rejects - before.rejects }).toEqual({ events: c.events, rejects: c.rejects });
    await c.check?.(answer);
  }, 60_000);
});
