import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Warehouse } from '../warehouse/warehouse';
import { startServer, type RunningServer, type ServerOptions } from './server';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shoplab-collector-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The default stream's secret, placed in each test's data directory as `shoplab serve` would keep it. */
const API_SECRET = 'collector-test-secret';

function dataDirWithSecret(): string {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'api_secret'), `${API_SECRET}\n`);
  return dir;
}

async function start(opts: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({ dataDir: dataDirWithSecret(), port: 0, log: () => {}, ...opts });
  cleanups.push(() => server.close());
  return server;
}

const COLLECT = `/mp/collect?measurement_id=G-SHOPLAB&api_secret=${API_SECRET}`;

function body(clientId: string, events = 1): string {
  return JSON.stringify({
    client_id: clientId,
    events: Array.from({ length: events }, (_, i) => ({
      name: 'page_view',
      params: { session_id: 1_709_294_000, page_location: `https://shop.example/p/${i}`, engagement_time_msec: 100 },
    })),
  });
}

/** A GET with the path sent exactly as written (fetch would normalise `..` away before sending). */
function rawGet(base: string, rawPath: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /api/offers without a dashboard', () => {
  it('answers every store page an empty list of offers, publicly, and refuses other methods', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/api/offers`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ offers: [] });
    expect((await fetch(`${server.url}/api/offers`, { method: 'POST', body: '{}' })).status).toBe(405);
    // The rest of /api stays private.
    expect((await fetch(`${server.url}/api/query`, { method: 'POST', body: '{}' })).status).toBe(401);
  });
});

describe('POST /mp/collect', () => {
  it('stores a valid hit and answers 204 once it is committed', async () => {
    const server = await start();
    const res = await fetch(`${server.url}${COLLECT}`, {
      method: 'POST',
      body: body('123.456', 3),
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0' },
    });
    expect(res.status).toBe(204);
    const rows = await server.warehouse.query(
      `SELECT user_pseudo_id, event_name, stream_id, device.browser AS browser,
              (SELECT p.value.int_value FROM UNNEST(event_params) AS t(p) WHERE p.key = 'ga_session_id') AS session
       FROM ${server.warehouse.dataset}.events`,
    );
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({ user_pseudo_id: '123.456', event_name: 'page_view', stream_id: '1000000001', browser: 'Chrome', session: 1_709_294_000 });
  });

  it('answers bad JSON and invalid hits 204 as Google does, records them in rejects and says so in headers', async () => {
    const server = await start();
    const post = (text: string) => fetch(`${server.url}${COLLECT}`, { method: 'POST', body: text });

    const badJson = await post('{"client_id":');
    expect(badJson.status).toBe(204);
    expect(badJson.headers.get('x-shoplab-rejected')).toBe('1');
    expect(decodeURIComponent(badJson.headers.get('x-shoplab-reject-reason') ?? '')).toMatch(/^VALUE_INVALID : body is not valid JSON/);

    const tooBig = await post(JSON.stringify({ client_id: 'c', events: [{ name: 'e', params: { p: 'x'.repeat(140 * 1024) } }] }));
    expect(tooBig.status).toBe(413);

    const invalid = await post(JSON.stringify({ client_id: 'c', events: [{ name: 'e', params: { value: [1] } }, { name: 'kept' }] }));
    expect(invalid.status).toBe(204);
    expect(invalid.headers.get('x-shoplab-accepted')).toBe('1');
    expect(invalid.headers.get('x-shoplab-rejected')).toBe('1');

    expect(await server.warehouse.query(`SELECT event_name FROM ${server.warehouse.dataset}.events`)).toEqual([{ event_name: 'kept' }]);
    expect(await server.warehouse.query(`SELECT endpoint, client_id, event_index, event_name, field_path, validation_code FROM ingest.rejects ORDER BY received_at_micros`)).toEqual([
      { endpoint: '/mp/collect', client_id: null, event_index: null, event_name: null, field_path: '', validation_code: 'VALUE_INVALID' },
      { endpoint: '/mp/collect', client_id: 'c', event_index: 0, event_name: 'e', field_path: 'events[0].params.value', validation_code: 'VALUE_INVALID' },
    ]);
  });

  it('records unknown streams and wrong secrets as rejects, answering 204 without storing or echoing the secret', async () => {
    const server = await start({ streams: [{ measurementId: 'G-TEST', apiSecret: 'right-secret', streamId: '42' }] });
    const unknown = await fetch(`${server.url}/mp/collect?measurement_id=G-OTHER&api_secret=right-secret`, { method: 'POST', body: body('c') });
    expect(unknown.status).toBe(204);
    expect(decodeURIComponent(unknown.headers.get('x-shoplab-reject-reason') ?? '')).toBe('VALUE_INVALID measurement_id: unknown measurement_id "G-OTHER": this collector accepts G-TEST');
    const wrong = await fetch(`${server.url}/mp/collect?measurement_id=G-TEST&api_secret=guessed-secret`, { method: 'POST', body: body('c') });
    expect(wrong.status).toBe(204);
    expect(decodeURIComponent(wrong.headers.get('x-shoplab-reject-reason') ?? '')).toContain('api_secret does not match measurement_id G-TEST');
    const ok = await fetch(`${server.url}/mp/collect?measurement_id=G-TEST&api_secret=right-secret`, { method: 'POST', body: body('c') });
    expect(ok.status).toBe(204);
    expect(await server.warehouse.query(`SELECT stream_id FROM ${server.warehouse.dataset}.events`)).toEqual([{ stream_id: '42' }]);
    const rejects = await server.warehouse.query(`SELECT measurement_id, field_path, payload FROM ingest.rejects ORDER BY received_at_micros`);
    expect(rejects.map((r) => [r.measurement_id, r.field_path])).toEqual([['G-OTHER', 'measurement_id'], ['G-TEST', 'api_secret']]);
    const all = JSON.stringify(await server.warehouse.query('SELECT * FROM ingest.rejects'));
    expect(all).not.toContain('right-secret');
    expect(all).not.toContain('guessed-secret');
  });

  it('answers 503 with Retry-After when the ingest queue is full, storing nothing', async () => {
    const server = await start({ maxQueuedEvents: 0 });
    const res = await fetch(`${server.url}${COLLECT}`, { method: 'POST', body: body('c') });
    expect([res.status, res.headers.get('retry-after')]).toEqual([503, '1']);
    expect(await server.warehouse.query(`SELECT count(*) AS n FROM ${server.warehouse.dataset}.events`)).toEqual([{ n: 0 }]);
    expect(await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })).text()).toMatch(/^shoplab_collector_busy_total 1$/m);
  });

  it('stores a retried request once, answering it as accepted with its duplicates counted', async () => {
    const server = await start();
    const text = JSON.stringify({ client_id: 'r.1', events: [{ name: 'page_view', timestamp_micros: 1_709_294_400_000_001 }, { name: 'page_view', timestamp_micros: 1_709_294_400_000_002 }] });
    const first = await fetch(`${server.url}${COLLECT}`, { method: 'POST', body: text });
    const retry = await fetch(`${server.url}${COLLECT}`, { method: 'POST', body: text });
    expect([first.headers.get('x-shoplab-accepted'), first.headers.get('x-shoplab-duplicates')]).toEqual(['2', '0']);
    expect([retry.headers.get('x-shoplab-accepted'), retry.headers.get('x-shoplab-duplicates')]).toEqual(['2', '2']);
    expect(await server.warehouse.query(`SELECT count(*) AS n FROM ${server.warehouse.dataset}.events`)).toEqual([{ n: 2 }]);
  });

  it('answers CORS only for configured origins, exposing the result headers', async () => {
    const server = await start({ corsOrigins: ['http://shop.example:8001'] });
    const allowed = await fetch(`${server.url}${COLLECT}`, { method: 'OPTIONS', headers: { origin: 'http://shop.example:8001', 'access-control-request-method': 'POST' } });
    expect([allowed.status, allowed.headers.get('access-control-allow-origin')]).toEqual([204, 'http://shop.example:8001']);
    const post = await fetch(`${server.url}${COLLECT}`, { method: 'POST', body: body('c'), headers: { origin: 'http://shop.example:8001' } });
    expect(post.headers.get('access-control-expose-headers')).toContain('x-shoplab-rejected');
    const other = await fetch(`${server.url}${COLLECT}`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect([other.status, other.headers.get('access-control-allow-origin')]).toEqual([403, null]);
    const otherPost = await fetch(`${server.url}${COLLECT}`, { method: 'POST', body: body('c'), headers: { origin: 'http://evil.example' } });
    expect(otherPost.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves /metrics in the Prometheus text format with accepted, rejected, queue depth, commit latency and memory', async () => {
    const server = await start();
    await fetch(`${server.url}${COLLECT}`, { method: 'POST', body: body('c', 3) });
    await fetch(`${server.url}${COLLECT}`, { method: 'POST', body: JSON.stringify({ client_id: 'c', events: [{ name: '1bad' }] }) });
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^shoplab_collector_events_accepted_total 3$/m);
    expect(text).toMatch(/^shoplab_collector_events_rejected_total 1$/m);
    expect(text).toMatch(/^shoplab_collector_queue_depth 0$/m);
    expect(text).toMatch(/^shoplab_collector_commit_seconds_count 2$/m);
    expect(text).toMatch(/^# TYPE shoplab_collector_commit_seconds histogram$/m);
    // The server runs in this process: its resident set is this process's, read at nearly the same moment.
    const rss = Number(/^process_resident_memory_bytes (\d+)$/m.exec(text)?.[1]);
    const now = process.memoryUsage.rss();
    expect(rss).toBeGreaterThan(now * 0.8);
    expect(rss).toBeLessThan(now * 1.25);
    const used = Number(/^nodejs_heap_size_used_bytes (\d+)$/m.exec(text)?.[1]);
    const total = Number(/^nodejs_heap_size_total_bytes (\d+)$/m.exec(text)?.[1]);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(total);
    expect(text).toMatch(/^nodejs_external_memory_bytes \d+$/m);
  });

  it('answers 405 to other methods', async () => {
    const server = await start();
    const res = await fetch(`${server.url}${COLLECT}`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('stores every event of many concurrent hits exactly once', async () => {
    const server = await start();
    const statuses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => fetch(`${server.url}${COLLECT}`, { method: 'POST', body: body(`client-${i}`, 10) }).then((r) => r.status)),
    );
    expect(new Set(statuses)).toEqual(new Set([204]));
    const [totals] = await server.warehouse.query(
      `SELECT count(*) AS n, count(DISTINCT user_pseudo_id) AS clients,
              count(DISTINCT (user_pseudo_id, (SELECT p.value.string_value FROM UNNEST(event_params) AS t(p) WHERE p.key = 'page_location'))) AS distinct_events
       FROM ${server.warehouse.dataset}.events`,
    );
    expect(totals).toEqual({ n: 600, clients: 60, distinct_events: 600 });
  });

  it('finishes hits in flight when closed, and their events are committed', async () => {
    const dataDir = dataDirWithSecret();
    const server = await startServer({ dataDir, port: 0, log: () => {} });
    const posts = Array.from({ length: 5 }, (_, i) => fetch(`${server.url}${COLLECT}`, { method: 'POST', body: body(`c${i}`, 5) }).then((r) => r.status));
    // Close as soon as the first hit has been answered, while the others are still being handled.
    await Promise.race(posts);
    await server.close();
    const statuses = await Promise.allSettled(posts);
    const answered = statuses.filter((s) => s.status === 'fulfilled' && s.value === 204).length;
    const reopened = await Warehouse.open({ dataDir, readOnly: true });
    cleanups.push(() => reopened.close());
    const [row] = await reopened.query(`SELECT count(*) AS n FROM ${reopened.dataset}.events`);
    // Every hit that got its 204 is stored; none is half stored.
    expect(Number(row?.n)).toBe(answered * 5);
    expect(answered).toBeGreaterThanOrEqual(1);
  });

  it('runs DuckDB on one thread unless told otherwise', async () => {
    const threads = async (server: RunningServer): Promise<unknown> => (await server.warehouse.query(`SELECT current_setting('threads') AS n`))[0]?.n;
    expect(await threads(await start())).toBe(1);
    expect(await threads(await start({ duckdbThreads: 2 }))).toBe(2);
  });

  it('says clearly when the port is taken', async () => {
    const first = await start();
    const port = Number(new URL(first.url).port);
    await expect(start({ port })).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
  });
});

describe('/g/collect and /debug/mp/collect', () => {
  it('stores every line of a batched gtag POST, and records a hit for an unknown tid as a reject', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/g/collect?v=2&tid=G-SHOPLAB&cid=9.9&sid=1700000000&sct=1&dl=https%3A%2F%2Fshop.example%2F`, {
      method: 'POST',
      body: 'en=page_view\nen=add_to_cart&cu=USD&epn.value=25&pr1=idSKU-1~nmMug~pr12.5~qt2\nen=page_view&tid=G-NOPE',
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1' },
    });
    expect([res.status, res.headers.get('x-shoplab-accepted'), res.headers.get('x-shoplab-rejected')]).toEqual([204, '2', '1']);
    const rows = await server.warehouse.query(
      `SELECT event_name, user_pseudo_id, device.category AS category, device.operating_system AS os, ecommerce.total_item_quantity AS quantity
       FROM ${server.warehouse.dataset}.events ORDER BY event_name DESC`,
    );
    expect(rows).toEqual([
      { event_name: 'page_view', user_pseudo_id: '9.9', category: 'mobile', os: 'iOS', quantity: null },
      { event_name: 'add_to_cart', user_pseudo_id: '9.9', category: 'mobile', os: 'iOS', quantity: 2 },
    ]);
    expect(await server.warehouse.query(`SELECT endpoint, measurement_id, field_path FROM ingest.rejects`)).toEqual([{ endpoint: '/g/collect', measurement_id: 'G-NOPE', field_path: 'tid' }]);
  });

  it('answers /debug/mp/collect with validationMessages, ignoring the api secret and storing nothing', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/debug/mp/collect?measurement_id=G-SHOPLAB&api_secret=wrong`, { method: 'POST', body: JSON.stringify({ client_id: 'c', events: [{ name: 'ok' }, { name: 'bad-name' }] }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ validationMessages: [{ fieldPath: 'events[1].name', validationCode: 'NAME_INVALID', description: 'event name "bad-name" must start with a letter and hold only letters, digits and _' }] });
    expect(await server.warehouse.query(`SELECT (SELECT count(*) FROM ${server.warehouse.dataset}.events) AS events, (SELECT count(*) FROM ingest.rejects) AS rejects`)).toEqual([{ events: 0, rejects: 0 }]);
  });
});

describe('GET /healthz', () => {
  it('answers ok', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, service: 'ShopLab' });
  });

  it('answers 404 for anything else when no site is served', async () => {
    const server = await start();
    expect((await fetch(`${server.url}/index.html`)).status).toBe(404);
  });
});

describe('static files', () => {
  function site(): { publicDir: string } {
    const root = tempDir();
    const publicDir = path.join(root, 'public');
    mkdirSync(path.join(publicDir, 'products', 'mug'), { recursive: true });
    mkdirSync(path.join(publicDir, 'static'), { recursive: true });
    writeFileSync(path.join(publicDir, 'index.html'), '<h1>home</h1>');
    writeFileSync(path.join(publicDir, '404.html'), '<h1>not found</h1>');
    writeFileSync(path.join(publicDir, 'products', 'mug', 'index.html'), '<h1>mug</h1>');
    writeFileSync(path.join(publicDir, 'static', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    writeFileSync(path.join(publicDir, 'app-0123456789abcdef0123.js'), 'console.log(1)');
    writeFileSync(path.join(publicDir, 'app-data.json'), '{}');
    writeFileSync(path.join(root, 'secret.txt'), 'outside the site');
    symlinkSync(path.join(root, 'secret.txt'), path.join(publicDir, 'link.txt'));
    return { publicDir };
  }

  it('serves files with their content type and a cache policy by kind', async () => {
    const server = await start(site());
    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(home.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
    expect(await home.text()).toBe('<h1>home</h1>');
    const logo = await fetch(`${server.url}/static/logo.png`);
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(logo.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const app = await fetch(`${server.url}/app-0123456789abcdef0123.js`);
    expect(app.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(app.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const data = await fetch(`${server.url}/app-data.json`);
    expect(data.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
  });

  it('serves index.html for folders and redirects a folder path without its slash', async () => {
    const server = await start(site());
    const redirect = await fetch(`${server.url}/products/mug?x=1`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/products/mug/?x=1');
    const page = await fetch(`${server.url}/products/mug/`);
    expect(await page.text()).toBe('<h1>mug</h1>');
  });

  it('answers unknown paths with 404.html and status 404', async () => {
    const server = await start(site());
    const res = await fetch(`${server.url}/nope/`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('<h1>not found</h1>');
  });

  it('never serves files outside the site, whether by dot segments or by symlink', async () => {
    const server = await start(site());
    for (const raw of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/products/..%2f..%2f..%2fsecret.txt', '/link.txt']) {
      const res = await rawGet(server.url, raw);
      expect(res.text, raw).not.toContain('outside the site');
      expect(res.status, raw).toBe(404);
    }
  });

  it('serves a file rewritten while it runs (a rebuilt site) fresh, and a symlink retargeted outside not at all', async () => {
    const { publicDir } = site();
    const server = await start({ publicDir });
    const page = path.join(publicDir, 'products', 'mug', 'index.html');
    expect(await (await fetch(`${server.url}/products/mug/`)).text()).toBe('<h1>mug</h1>');
    writeFileSync(page, '<h1>mug, new</h1>');
    expect(await (await fetch(`${server.url}/products/mug/`)).text()).toBe('<h1>mug, new</h1>');
    // Same size, later mtime.
    writeFileSync(page, '<h1>MUG, NEW</h1>');
    utimesSync(page, new Date(), new Date(Date.now() + 60_000));
    expect(await (await fetch(`${server.url}/products/mug/`)).text()).toBe('<h1>MUG, NEW</h1>');

    const link = path.join(publicDir, 'moving.html');
    symlinkSync(path.join(publicDir, 'index.html'), link);
    expect(await (await fetch(`${server.url}/moving.html`)).text()).toBe('<h1>home</h1>');
    rmSync(link);
    symlinkSync(path.join(publicDir, '..', 'secret.txt'), link);
    const moved = await fetch(`${server.url}/moving.html`);
    expect(moved.status).toBe(404);
    expect(await moved.text()).not.toContain('outside the site');
  });

  it('answers HEAD without a body and revalidation with 304', async () => {
    const server = await start(site());
    const head = await fetch(`${server.url}/index.html`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('13');
    expect(await head.text()).toBe('');
    const etag = head.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${server.url}/index.html`, { headers: { 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
  });

  it('refuses to start when the site folder is missing', async () => {
    await expect(start({ publicDir: path.join(tempDir(), 'missing') })).rejects.toThrow(/publicDir .*missing does not exist \(build the site first\)/);
  });
});
