/**
 * The collector against clients that stall, pages of other sites, rebound DNS names and redirect tricks: a real
 * server on port 0, real sockets (node:net), and the warehouse queried for what was stored.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer, type ServerOptions } from './server';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const API_SECRET = 'guards-test-secret-0';
const COLLECT = `/mp/collect?measurement_id=G-SHOPLAB&api_secret=${API_SECRET}`;

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shoplab-guards-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(opts: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const dataDir = tempDir();
  writeFileSync(path.join(dataDir, 'api_secret'), `${API_SECRET}\n`);
  const server = await startServer({ dataDir, port: 0, log: () => {}, ...opts });
  cleanups.push(() => server.close());
  return server;
}

function hit(clientId: string): string {
  return JSON.stringify({ client_id: clientId, events: [{ name: 'page_view', params: { page_location: 'https://shop.example/' } }] });
}

async function counts(server: RunningServer): Promise<{ events: number; rejects: number }> {
  const [events] = await server.warehouse.query(`SELECT count(*) AS n FROM ${server.warehouse.dataset}.events`);
  const [rejects] = await server.warehouse.query('SELECT count(*) AS n FROM ingest.rejects');
  return { events: Number(events?.n), rejects: Number(rejects?.n) };
}

/** An HTTP request with exactly the headers given (fetch would set or forbid Host and Origin itself). */
function send(base: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers ?? {}, setHost: opts.headers?.host === undefined }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function errorOf(text: string): string {
  return String((JSON.parse(text) as { error?: unknown }).error);
}

async function metric(server: RunningServer, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })).text();
  const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`no metric ${name}`);
  return Number(match[1]);
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Stalled {
  socket: Socket;
  sentAt: number;
  closedAt: number | null;
  answer: string;
}

/** Opens a connection that sends a request's headers and 10 of its 1,000 body bytes, then nothing more. */
function stall(base: string): Promise<Stalled> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const stalled: Stalled = { socket, sentAt: 0, closedAt: null, answer: '' };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (stalled.answer += chunk));
    socket.on('close', () => (stalled.closedAt = Date.now()));
    socket.once('error', (error) => (stalled.sentAt === 0 ? reject(error) : undefined));
    socket.on('connect', () => {
      socket.write(`POST ${COLLECT} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n{"client_i`, () => {
        stalled.sentAt = Date.now();
        resolve(stalled);
      });
    });
  });
}

describe('stalled clients', () => {
  it('keeps answering valid hits while 2,000 bodies stall, and cuts the stalled connections at their deadline', async () => {
    // Short, yet long enough that all 2,000 are open (and still stalled) before the first is cut, on a busy machine.
    const bodyTimeoutMs = 20_000;
    // No idle checkpoint while the stalls are opened: its one-off write would land in the timing below.
    const server = await start({ limits: { bodyTimeoutMs, headersTimeoutMs: 4000 }, idleCheckpointMs: 600_000 });
    // A first hit beforehand: the day's first write creates its shard, a one-off cost unrelated to stalled clients.
    expect((await fetch(`${server.url}${COLLECT}`, { method: 'POST', body: hit('warm.1') })).status).toBe(204);
    const stalled: Stalled[] = [];
    cleanups.push(() => stalled.forEach((s) => s.socket.destroy()));
    // Opened in batches, so that the listen backlog never overflows (its SYN retries would only slow the test).
    for (let i = 0; i < 2000; i += 100) stalled.push(...(await Promise.all(Array.from({ length: 100 }, () => stall(server.url)))));
    await until(async () => (await metric(server, 'shoplab_collector_requests_reading')) >= 2000, 'the server to be reading 2,000 bodies');
    expect(stalled.every((s) => s.closedAt === null)).toBe(true);

    // Three hits in turn, each a full round trip with its commit. On a shared two-core machine one can be slowed by
    // others' work; the fastest shows what the stalled clients leave, and none may come near a client's timeout.
    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const res = await fetch(`${server.url}${COLLECT}`, { method: 'POST', body: hit(`valid.${i}`) });
      latencies.push(performance.now() - started);
      expect(res.status).toBe(204);
    }
    expect(Math.min(...latencies)).toBeLessThan(1000);
    expect(Math.max(...latencies)).toBeLessThan(5000);
    expect(await counts(server)).toEqual({ events: 4, rejects: 0 });

    await until(() => stalled.every((s) => s.closedAt !== null), 'every stalled connection to be closed', 60_000);
    // Each was cut at its deadline (with Node's timer and the machine's load as slack), and told why.
    const late = stalled.map((s) => (s.closedAt ?? Infinity) - s.sentAt).filter((ms) => ms > bodyTimeoutMs + 5000);
    expect(late).toEqual([]);
    expect(stalled.filter((s) => !s.answer.startsWith('HTTP/1.1 408'))).toHaveLength(0);
    expect(await metric(server, 'shoplab_collector_body_timeouts_total')).toBe(2000);
    expect(await metric(server, 'shoplab_collector_busy_total')).toBe(0);
    expect(await counts(server)).toEqual({ events: 4, rejects: 0 });
  }, 180_000);

  it('closes a connection whose headers trickle in a line at a time once the headers deadline passes', async () => {
    const headersTimeoutMs = 1500;
    const server = await start({ limits: { headersTimeoutMs } });
    const { hostname, port } = new URL(server.url);
    const socket = connect({ host: hostname, port: Number(port) });
    cleanups.push(() => void socket.destroy());
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    let closedAt: number | null = null;
    socket.on('close', () => (closedAt = Date.now()));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.on('connect', resolve));
    const startedAt = Date.now();
    socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}:${port}\r\n`);
    const trickle = setInterval(() => socket.writable && socket.write(`x-slow-${Date.now()}: 1\r\n`), 300);
    cleanups.push(() => clearInterval(trickle));
    await until(() => closedAt !== null, 'the slow-header connection to be closed', 30_000);
    expect((closedAt ?? 0) - startedAt).toBeLessThan(headersTimeoutMs + 5000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(await metric(server, 'shoplab_collector_header_timeouts_total')).toBe(1);
  }, 60_000);

  it('counts a client that goes away mid-body in /metrics and logs it at most once a minute', async () => {
    const lines: string[] = [];
    const server = await start({ log: (line) => lines.push(line) });
    for (let i = 0; i < 20; i++) {
      const s = await stall(server.url);
      s.socket.destroy();
    }
    await until(async () => (await metric(server, 'shoplab_collector_client_aborts_total')) === 20, '20 aborts counted');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/client\(s\) closed their connection mid-request/);
    expect(lines.join('\n')).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('origin and host', () => {
  it('refuses a write from a page of another origin, storing nothing, and accepts its own origin and CORS origins', async () => {
    const server = await start({ corsOrigins: ['http://localhost:8001'] });
    const own = new URL(server.url).host;
    const post = (headers: Record<string, string>, clientId: string) => send(server.url, { method: 'POST', path: COLLECT, headers: { 'content-type': 'text/plain', ...headers }, body: hit(clientId) });

    const evil = await post({ origin: 'https://evil.example' }, 'evil.1');
    expect(evil.status).toBe(403);
    expect(errorOf(evil.text)).toMatch(/origin "https:\/\/evil.example" may not send hits here/);
    const img = await send(server.url, { path: '/g/collect?v=2&tid=G-SHOPLAB&cid=evil.2&en=page_view', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(img.status).toBe(403);
    const nullOrigin = await post({ origin: 'null' }, 'evil.3');
    expect(nullOrigin.status).toBe(403);
    expect(await counts(server)).toEqual({ events: 0, rejects: 0 });

    expect((await post({ origin: `http://${own}`, 'sec-fetch-site': 'same-origin' }, 'own.1')).status).toBe(204);
    const cors = await post({ origin: 'http://localhost:8001', 'sec-fetch-site': 'cross-site' }, 'cors.1');
    expect(cors.status).toBe(204);
    expect(cors.headers['access-control-allow-origin']).toBe('http://localhost:8001');
    expect((await post({}, 'tool.1')).status).toBe(204);
    expect(await counts(server)).toEqual({ events: 3, rejects: 0 });
  }, 60_000);

  it('refuses a Host it does not serve (DNS rebinding) on every route, and answers to its loopback aliases', async () => {
    const server = await start({ allowedHosts: ['shop.internal'] });
    const { port } = new URL(server.url);
    for (const route of ['/healthz', '/metrics', COLLECT]) {
      const res = await send(server.url, { method: route === COLLECT ? 'POST' : 'GET', path: route, headers: { host: `evil.example:${port}` }, body: route === COLLECT ? hit('rebound.1') : undefined });
      expect(res.status, route).toBe(421);
      expect(errorOf(res.text)).toMatch(/does not answer to the host "evil.example:\d+"/);
    }
    expect(await counts(server)).toEqual({ events: 0, rejects: 0 });
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'shop.internal', `SHOP.internal:${port}`]) {
      expect((await send(server.url, { path: '/healthz', headers: { host } })).status, host).toBe(200);
    }
  }, 60_000);
});

describe('redirects', () => {
  it('redirects a folder path only to a path on its own origin, whatever the request path holds', async () => {
    const root = tempDir();
    mkdirSync(path.join(root, 'account'));
    writeFileSync(path.join(root, 'account', 'index.html'), '<html><head></head><body>account</body></html>');
    writeFileSync(path.join(root, 'index.html'), '<html><head></head><body>home</body></html>');
    const server = await start({ publicDir: root });
    const base = new URL(server.url);
    for (const raw of ['//evil.example/%2e%2e%2faccount', '//evil.example/../account', '/%2fevil.example/%2e%2e/account', '/\\evil.example/..%2faccount', '//evil.example/%2e%2e%2faccount?next=//evil.example/', '/account', '//account']) {
      const res = await send(server.url, { path: raw });
      expect(res.status, raw).toBe(301);
      const location = String(res.headers.location);
      expect(location, raw).toMatch(/^\/(?!\/)/);
      expect(location, raw).not.toMatch(/\\/);
      expect(new URL(location, base).origin, raw).toBe(base.origin);
      expect(new URL(location, base).pathname, raw).toBe('/account/');
      expect(location.startsWith('/account/'), raw).toBe(true);
    }
    const page = await send(server.url, { path: '/account/' });
    expect(page.status).toBe(200);
  }, 60_000);
});

describe('the store served with its secret', () => {
  it('puts the data directory\'s api secret into every page it serves, and the tag\'s hits with it are stored', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'index.html'), '<!DOCTYPE html><html><head><title>t</title></head><body>home</body></html>');
    const server = await start({ publicDir: root });
    const page = await send(server.url, { path: '/' });
    const secret = /<meta name="shoplab-api-secret" content="([^"]+)" data-measurement-id="G-SHOPLAB">/.exec(page.text)?.[1];
    expect(secret).toBe(API_SECRET);
    expect(page.text.startsWith('<!DOCTYPE html><html><head><meta name="shoplab-api-secret"')).toBe(true);
    expect(Number(page.headers['content-length'])).toBe(Buffer.byteLength(page.text));
    const res = await fetch(`${server.url}/mp/collect?measurement_id=G-SHOPLAB&api_secret=${secret}`, { method: 'POST', body: hit('page.1') });
    expect(res.status).toBe(204);
    const old = await fetch(`${server.url}/mp/collect?measurement_id=G-SHOPLAB&api_secret=shoplab-local`, { method: 'POST', body: hit('page.2') });
    expect(old.headers.get('x-shoplab-rejected')).toBe('1');
    expect(await counts(server)).toEqual({ events: 1, rejects: 1 });
  }, 60_000);

  it('creates a secret of its own for a new data directory', async () => {
    const dataDir = tempDir();
    const server = await startServer({ dataDir, port: 0, log: () => {} });
    cleanups.push(() => server.close());
    const { readFileSync } = await import('node:fs');
    const secret = readFileSync(path.join(dataDir, 'api_secret'), 'utf8').trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(secret).not.toBe('shoplab-local');
    const res = await fetch(`${server.url}/mp/collect?measurement_id=G-SHOPLAB&api_secret=${secret}`, { method: 'POST', body: hit('new.1') });
    expect(res.headers.get('x-shoplab-accepted')).toBe('1');
  }, 60_000);
});
