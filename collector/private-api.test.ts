/**
 * The private API on a real server (port 0) and a real DuckDB file: the token guards everything but the store's
 * face, the truth ingest is idempotent, queries are read-only with a row limit and a timeout, and commit listeners
 * see every row stored.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { simUserRow, type SimSessionRow } from '../warehouse/ground-truth';
import { sampleRow } from '../warehouse/test-fixtures';
import { digestRow, type EventDigest } from '../warehouse/row-digest';
import type { ExportRow } from '../warehouse/export-row';
import { SESSION_COOKIE, type Route } from './private-api';
import { startServer, type RunningServer, type ServerOptions } from './server';
import { readServerState, SERVER_STATE_FILE } from './server-state';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shoplab-api-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const STREAM = { measurementId: 'G-APITEST', apiSecret: 'api-test-secret-0123', streamId: '42', localTag: true };

async function start(opts: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({ dataDir: tempDir(), port: 0, log: () => {}, streams: [STREAM], ...opts });
  cleanups.push(() => server.close());
  return server;
}

function post(server: RunningServer, route: string, body: unknown, token: string | null = server.token): Promise<Response> {
  return fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
}

const user = (client: string, runId = 'run-1') => simUserRow(runId, client, { id: 'bargain-hunter', segment: 'deal seekers', demographics: { age: 31, region: 'DE' }, budget: 80 });
const session = (index: number, client: string, runId = 'run-1'): SimSessionRow => ({
  run_id: runId,
  session_index: index,
  seed: `s/${index}`,
  client_id: client,
  ga_session_id: 1_700_000_000 + index,
  ga_session_number: 1,
  visit: 1,
  persona_id: 'bargain-hunter',
  persona: { id: 'bargain-hunter' },
  intent: 'browse',
  outcome: 'left',
  transaction_id: null,
  started_at_ms: 1_700_000_000_000,
  ended_at_ms: 1_700_000_060_000,
  actions: [{ kind: 'open' }],
  error: null,
});

describe('the private API', () => {
  it('answers 401 and nothing else without the token or with a wrong one, on every private path', async () => {
    const server = await start();
    const routes = ['/api/query', '/api/truth/users', '/api/truth/sessions', '/api/no-such-route', '/api', '/metrics'];
    for (const route of routes) {
      for (const token of [null, 'wrong-token-0123456789', `${server.token}x`]) {
        const res = route === '/metrics' ? await fetch(`${server.url}${route}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } }) : await post(server, route, { sql: 'SELECT 1' }, token);
        expect(res.status, `${route} with ${token ?? 'no token'}`).toBe(401);
        const body = (await res.json()) as Record<string, unknown>;
        expect(Object.keys(body)).toEqual(['error']);
        expect(body.error).toMatch(/token/);
      }
    }
    // With the token, an unknown API path is a 404 (only then may its absence show), and /metrics answers.
    expect((await post(server, '/api/no-such-route', {})).status).toBe(404);
    const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^shoplab_collector_events_accepted_total 0$/m);
    // The public face needs no token.
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ ok: true, service: 'ShopLab' });
  });

  it('keeps its token in <data>/token (mode 0600) across restarts unless one is given', async () => {
    const dataDir = tempDir();
    const first = await startServer({ dataDir, port: 0, log: () => {} });
    const token = first.token;
    await first.close();
    expect(readFileSync(path.join(dataDir, 'token'), 'utf8').trim()).toBe(token);
    expect(statSync(path.join(dataDir, 'token')).mode & 0o777).toBe(0o600);
    const again = await start({ dataDir });
    expect(again.token).toBe(token);
    await again.close();
    const given = await start({ dataDir, token: 'given-token-abcdefgh' });
    expect(given.token).toBe('given-token-abcdefgh');
    expect((await post(given, '/api/query', { sql: 'SELECT 1' }, token)).status).toBe(401);
    expect((await post(given, '/api/query', { sql: 'SELECT 1' })).status).toBe(200);
  });

  it('signs a browser in with the token for an HttpOnly, SameSite=Strict session cookie, and out again', async () => {
    const server = await start();
    const wrong = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const signIn = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: server.token, next: '/dashboard' }).toString(), redirect: 'manual' });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/dashboard');
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{40,}; HttpOnly; SameSite=Strict; Path=/`));
    const session = cookie.split(';')[0]!;
    expect(session).not.toContain(server.token);
    const query = (c: string): Promise<Response> => fetch(`${server.url}/api/query`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: c }, body: JSON.stringify({ sql: 'SELECT 42 AS n', dialect: 'duckdb' }) });
    expect(await (await query(session)).json()).toMatchObject({ rows: [{ n: 42 }] });
    expect((await query(`${SESSION_COOKIE}=forged`)).status).toBe(401);
    // A scheme-relative `next` is never followed.
    const json = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: server.token, next: '//evil.example/' }), redirect: 'manual' });
    expect(json.status).toBe(200);
    const out = await fetch(`${server.url}/api/session`, { method: 'DELETE', headers: { cookie: session } });
    expect(out.status).toBe(204);
    expect((await query(session)).status).toBe(401);
  });

  it('mounts private routes behind the token and store routes in public, longest prefix first', async () => {
    const seen: string[] = [];
    const route = (prefix: string): Route => ({
      prefix,
      handle(_req, res, url) {
        seen.push(`${prefix} ${url.pathname}`);
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(prefix);
      },
    });
    const server = await start({ privateRoutes: [route('/dashboard'), route('/api/offers/admin')], storeRoutes: [route('/api/offers')] });
    expect((await fetch(`${server.url}/dashboard/cards`)).status).toBe(401);
    expect(await (await fetch(`${server.url}/api/offers?cid=1.2`)).text()).toBe('/api/offers');
    expect((await fetch(`${server.url}/api/offers/admin`)).status).toBe(401);
    expect(await (await fetch(`${server.url}/api/offers/admin/x`, { headers: { authorization: `Bearer ${server.token}` } })).text()).toBe('/api/offers/admin');
    // `/dashboard` owns `/dashboard/…`, not `/dashboardx`.
    expect((await fetch(`${server.url}/dashboardx`)).status).toBe(404);
    expect(seen).toEqual(['/api/offers /api/offers', '/api/offers/admin /api/offers/admin/x']);
  });

  it('records itself in <data>/server.json while it listens', async () => {
    const dataDir = tempDir();
    const server = await start({ dataDir });
    expect(readServerState(dataDir)).toEqual({ url: server.url, pid: process.pid });
    await server.close();
    expect(existsSync(path.join(dataDir, SERVER_STATE_FILE))).toBe(false);
  });
});

describe('POST /api/truth', () => {
  it('stores users and sessions idempotently: posting again replaces, never duplicates', async () => {
    const server = await start();
    for (let i = 0; i < 2; i++) {
      expect(await (await post(server, '/api/truth/users', { rows: [user('1.1'), user('2.2'), user('1.1')] })).json()).toEqual({ stored: 3 });
      expect((await post(server, '/api/truth/sessions', { rows: [session(0, '1.1'), session(1, '2.2'), session(2, '1.1')] })).status).toBe(200);
    }
    expect(await server.warehouse.query('SELECT client_id, count(*) AS n FROM ground_truth.sim_users GROUP BY 1 ORDER BY 1')).toEqual([
      { client_id: '1.1', n: 1 },
      { client_id: '2.2', n: 1 },
    ]);
    expect(await server.warehouse.query('SELECT session_index, client_id FROM ground_truth.sim_sessions ORDER BY 1')).toEqual([
      { session_index: 0, client_id: '1.1' },
      { session_index: 1, client_id: '2.2' },
      { session_index: 2, client_id: '1.1' },
    ]);
  });

  it('refuses hostile run ids, unknown fields and wrong types with a clear 400, storing nothing', async () => {
    const server = await start();
    const cases: [unknown, RegExp][] = [
      [{ rows: [user('1.1', '../../x%_')] }, /run id "\.\.\/\.\.\/x%_" may hold only letters, digits/],
      [{ rows: [user('1.1', '')] }, /must not be empty/],
      [{ rows: [user('1.1', 'r'.repeat(65))] }, /65 characters long; at most 64/],
      [{ rows: [user('1.1', '.hidden')] }, /must not start with a dot/],
      [{ rows: [{ ...user('1.1'), extra: 1 }] }, /rows\[0\]/],
      [{ rows: [{ ...user('1.1'), age: 'old' }] }, /rows\[0\]\.age/],
      [{ rows: 'all' }, /rows/],
    ];
    for (const [body, message] of cases) {
      const res = await post(server, '/api/truth/users', body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    }
    const text = await fetch(`${server.url}/api/truth/users`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'text/plain' }, body: JSON.stringify({ rows: [user('1.1')] }) });
    expect(text.status).toBe(415);
    expect(await server.warehouse.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'ground_truth' AND table_name = 'sim_users'")).toEqual([{ n: 0 }]);
  });
});

describe('POST /api/query', () => {
  it('answers SELECT and WITH in both dialects, and stops at the row limit', async () => {
    const server = await start();
    await server.warehouse.insertEvents([sampleRow({ event_name: 'page_view' }), sampleRow({ event_name: 'purchase' })]);
    const duck = await post(server, '/api/query', { sql: 'WITH t AS (SELECT event_name FROM analytics_shoplab.events) SELECT count(*) AS n FROM t', dialect: 'duckdb' });
    expect(await duck.json()).toEqual({ columns: [{ name: 'n', type: 'BIGINT' }], rows: [{ n: 2 }], truncated: false });
    const bq = await post(server, '/api/query', { sql: "SELECT COUNTIF(event_name = 'purchase') AS purchases FROM `p.analytics_1.events_*`" });
    expect(((await bq.json()) as { rows: unknown[] }).rows).toEqual([{ purchases: 1 }]);
    const limited = (await (await post(server, '/api/query', { sql: 'SELECT * FROM range(5000)', dialect: 'duckdb', limit: 3 })).json()) as { rows: unknown[]; truncated: boolean };
    expect(limited.rows).toHaveLength(3);
    expect(limited.truncated).toBe(true);
  });

  it('refuses every statement that is not a SELECT, by what DuckDB says it is, and nothing changes', async () => {
    const server = await start();
    await server.warehouse.insertEvents([sampleRow()]);
    const writes = [
      'INSERT INTO analytics_shoplab.events SELECT * FROM analytics_shoplab.events',
      '/* a comment */ DELETE FROM analytics_shoplab.events',
      'with x as (select 1) delete from analytics_shoplab.events',
      'DROP TABLE analytics_shoplab.events',
      'CREATE TABLE main.t AS SELECT 1',
      "COPY analytics_shoplab.events TO '/tmp/shoplab-leak.csv'",
      "ATTACH '/tmp/shoplab-other.duckdb' AS other",
      'SELECT 1; DELETE FROM analytics_shoplab.events',
      'CHECKPOINT',
      'SET threads = 8',
      "CALL pragma_version()",
    ];
    for (const sql of writes) {
      const res = await post(server, '/api/query', { sql, dialect: 'duckdb' });
      expect([400, 403], sql).toContain(res.status);
      expect(((await res.json()) as { error: string }).error, sql).toMatch(/only SELECT|statements|rejected/);
    }
    // A SELECT that would write (a sequence) meets the READ ONLY transaction.
    await server.warehouse.query('CREATE SEQUENCE main.s');
    const nextval = await post(server, '/api/query', { sql: "SELECT nextval('main.s')", dialect: 'duckdb' });
    expect(nextval.status).toBe(403);
    expect(await server.warehouse.query('SELECT count(*) AS n FROM analytics_shoplab.events')).toEqual([{ n: 1 }]);
    expect(existsSync('/tmp/shoplab-leak.csv')).toBe(false);
  });

  it('interrupts a query that runs past its timeout, and ingest goes on meanwhile', async () => {
    const server = await start();
    const slow = post(server, '/api/query', { sql: 'SELECT count(*) FROM range(1000000000000) a', dialect: 'duckdb', timeoutMs: 1500 });
    // Events are stored while the query runs.
    const stored = await server.warehouse.insertEvents([sampleRow()]);
    expect(stored.stored).toBe(1);
    const res = await slow;
    expect(res.status).toBe(408);
    expect(((await res.json()) as { error: string }).error).toMatch(/longer than 1500 ms and was interrupted/);
  });
});

describe('onCommit', () => {
  it('gets the JSON lines of every row each commit stored, after the 204, and a throwing listener harms nothing', async () => {
    const batches: string[][] = [];
    const digests: EventDigest[][] = [];
    const handed: boolean[] = [];
    const logs: string[] = [];
    const server = await start({
      log: (m) => logs.push(m),
      onCommit: [
        () => {
          throw new Error('listener broke');
        },
        (committed) => batches.push([...committed.lines()]),
        (committed) => {
          handed.push(committed.digestsHanded);
          digests.push([...committed.digests()]);
        },
      ],
    });
    const hit = (client: string, ts: number): Promise<Response> =>
      fetch(`${server.url}/mp/collect?measurement_id=${STREAM.measurementId}&api_secret=${STREAM.apiSecret}`, {
        method: 'POST',
        body: JSON.stringify({ client_id: client, timestamp_micros: ts, events: [{ name: 'page_view', params: { session_id: 1, engagement_time_msec: 1 } }, { name: 'scroll', params: { session_id: 1 } }] }),
      });
    const now = Date.now() * 1000;
    expect((await hit('7.7', now)).status).toBe(204);
    expect((await hit('7.7', now)).status).toBe(204); // a retry: its rows are duplicates, not committed again
    expect((await hit('8.8', now + 1)).status).toBe(204);
    await expect.poll(() => batches.flat().length).toBe(4);
    const rows = batches.flat().map((l) => JSON.parse(l) as { event_name: string; user_pseudo_id: string; stream_id: string });
    expect(rows.map((r) => `${r.user_pseudo_id} ${r.event_name}`).sort()).toEqual(['7.7 page_view', '7.7 scroll', '8.8 page_view', '8.8 scroll']);
    expect(rows.every((r) => r.stream_id === STREAM.streamId)).toBe(true);
    // The digests the ingest worker made beside the rows are the digests of the committed rows, in the same order.
    await expect.poll(() => digests.flat().length).toBe(4);
    // Made by the ingest worker beside the rows, not read back from the lines on the main thread.
    expect(handed.every(Boolean)).toBe(true);
    expect(digests.flat()).toEqual(batches.flat().map((l) => digestRow(JSON.parse(l) as ExportRow)));
    expect(logs.filter((l) => l.includes('listener broke'))).toHaveLength(1);
  });
});
