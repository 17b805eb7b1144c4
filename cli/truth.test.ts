/**
 * Ground truth lands beside the events in every mode: real Chromium (puppeteer), the built store, a real server on
 * port 0 and a real DuckDB file. Runs are tiny (3 users over two days) but cover local, remote (same data
 * directory and another one), sharded, stopped-and-resumed runs, and a store that is not ShopLab's (truth file,
 * then `shoplab truth import` through the real CLI, twice).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../collector/server';
import { BUILT_IN_PERSONAS } from '../simulator/personas';
import { Warehouse } from '../warehouse/warehouse';
import { PUBLIC_DIR, simulateCommand, type SimulateCommandOptions, type SimulateOutcome } from './simulate';

const START = Date.UTC(2026, 10, 2);
const BIN = resolve(import.meta.dirname, '..', 'bin', 'shoplab.js');
const run = promisify(execFile);
const dirs: string[] = [];
const servers: { close(): Promise<void> | void }[] = [];
afterAll(async () => {
  for (const s of servers.splice(0).reverse()) await s.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

if (!existsSync(join(PUBLIC_DIR, 'index.html'))) throw new Error('the store is not built: run `node scripts/build.mjs` before this suite');

function tempData(): string {
  const d = mkdtempSync(join(tmpdir(), 'shoplab-truth-'));
  dirs.push(d);
  return d;
}

async function serve(dataDir: string): Promise<RunningServer> {
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, publicDir: PUBLIC_DIR, log: () => undefined });
  servers.push(server);
  return server;
}

const base = (data: string, runId: string): SimulateCommandOptions => ({
  users: 3,
  days: 2,
  start: START,
  concurrency: 2,
  seed: 'truth',
  runId,
  persona: BUILT_IN_PERSONAS.map((p) => p.id),
  data,
  driver: 'puppeteer',
  quiet: true,
});

interface TruthCounts {
  users: number;
  distinctUsers: number;
  sessions: number;
  distinctSessions: number;
  /** Sessions whose (client id, ga_session_id) has events in the export. */
  joined: number;
  /** Distinct clients in the events of the run. */
  eventClients: number;
}

async function truthOf(query: (sql: string) => Promise<Record<string, unknown>[]>, runId: string): Promise<TruthCounts> {
  const [row] = await query(`
    SELECT (SELECT count(*) FROM ground_truth.sim_users WHERE run_id = '${runId}') AS users,
           (SELECT count(DISTINCT client_id) FROM ground_truth.sim_users WHERE run_id = '${runId}') AS "distinctUsers",
           (SELECT count(*) FROM ground_truth.sim_sessions WHERE run_id = '${runId}') AS sessions,
           (SELECT count(DISTINCT session_index) FROM ground_truth.sim_sessions WHERE run_id = '${runId}') AS "distinctSessions",
           (SELECT count(*) FROM ground_truth.sim_sessions s WHERE s.run_id = '${runId}' AND EXISTS (
              SELECT 1 FROM analytics_shoplab.events e WHERE e.user_pseudo_id = s.client_id
                AND list_filter(e.event_params, p -> p.key = 'ga_session_id')[1].value.int_value = s.ga_session_id)) AS joined,
           (SELECT count(DISTINCT user_pseudo_id) FROM analytics_shoplab.events
              WHERE list_filter(event_params, p -> p.key = 'shoplab_run_id')[1].value.string_value = '${runId}') AS "eventClients"`);
  return row as unknown as TruthCounts;
}

/** One row per simulated user and per planned session, every session found in the events. */
function expectComplete(counts: TruthCounts, planned: number): void {
  expect(counts).toEqual({ users: 3, distinctUsers: 3, sessions: planned, distinctSessions: planned, joined: planned, eventClients: 3 });
}

/** Stops the run once `after` sessions have finished, as Ctrl-C would. */
function stopAfter(after: number): Pick<SimulateCommandOptions, 'signal' | 'onAttempt'> {
  const stop = new AbortController();
  let finished = 0;
  return {
    signal: stop.signal,
    onAttempt: (_plan, _attempt, _page, stage) => {
      if (stage === 'finished' && ++finished === after) stop.abort();
    },
  };
}

describe('ground truth beside the events', { timeout: 900_000 }, () => {
  it('local run: stopped, then resumed, stores each user and session once', async () => {
    const data = tempData();
    const first = await simulateCommand({ ...base(data, 'local-1'), concurrency: 1, ...stopAfter(1) });
    expect(first.stopped).toBe(true);
    const rest = await simulateCommand({ ...base(data, 'local-1'), resume: true });
    expect(rest.skipped).toBeGreaterThanOrEqual(1);
    const wh = await Warehouse.open({ dataDir: data, readOnly: true });
    try {
      expectComplete(await truthOf((sql) => wh.query(sql), 'local-1'), rest.planned);
    } finally {
      await wh.close();
    }
  });

  it('shoplab serve + simulate --url on one data dir, as shards 1/2 and 2/2: the server holds all the truth', async () => {
    const data = tempData();
    const server = await serve(data);
    const outcomes: SimulateOutcome[] = [];
    for (const shard of ['1/2', '2/2']) outcomes.push(await simulateCommand({ ...base(data, 'sharded'), url: server.url, shard }));
    expect(outcomes.every((o) => o.sessions.length > 0 && o.failed === 0 && o.truth === server.url)).toBe(true);
    expectComplete(await truthOf((sql) => server.warehouse.query(sql), 'sharded'), outcomes[0]!.planned + outcomes[1]!.planned);
  });

  it('a remote runner with its own data dir needs the token, and a stopped-then-resumed run never duplicates the truth', async () => {
    const server = await serve(tempData());
    const runner = tempData();
    await expect(simulateCommand({ ...base(runner, 'remote'), url: server.url })).rejects.toThrow(/needs its token: pass --token, set SHOPLAB_TOKEN/);
    await expect(simulateCommand({ ...base(tempData(), 'remote'), url: server.url, token: 'a-wrong-token-0123456789' })).rejects.toThrow(/refused the token \(401\)/);
    const first = await simulateCommand({ ...base(runner, 'remote'), url: server.url, token: server.token, concurrency: 1, ...stopAfter(2) });
    expect(first.stopped).toBe(true);
    const rest = await simulateCommand({ ...base(runner, 'remote'), url: server.url, token: server.token, resume: true });
    expect(rest.skipped).toBeGreaterThanOrEqual(2);
    expectComplete(await truthOf((sql) => server.warehouse.query(sql), 'remote'), rest.planned);
  });

  it("another store's run keeps its truth in the run directory, and `shoplab truth import` loads it once however often it runs", async () => {
    const data = tempData();
    const server = await serve(data);
    // The same store behind a proxy that hides /healthz: to the runner, a store that is not ShopLab's.
    const proxy: Server = createServer((req, res) => {
      if (req.url?.startsWith('/healthz')) {
        res.writeHead(404).end();
        return;
      }
      const target = new URL(server.url);
      // Like a reverse proxy in front of a collector: it passes the collector's own Host and Origin on (the
      // collector refuses writes from origins it does not serve, collector/README.md "Security").
      const headers = { ...req.headers, host: target.host, ...(req.headers.origin ? { origin: target.origin } : {}) };
      const upstream = request({ hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    servers.push({ close: () => new Promise<void>((r) => proxy.close(() => r())) });
    const runner = tempData();
    const out = await simulateCommand({ ...base(runner, 'elsewhere'), url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
    expect(out.truthInFile).toBe(true);
    expect(out.truth).toBe(join(runner, 'runs', 'elsewhere.truth.ndjson'));
    expect(await truthOf((sql) => server.warehouse.query(sql).catch(() => [{}]), 'elsewhere')).not.toMatchObject({ sessions: out.planned });
    // Through the server that holds `data` (found by its server.json, with its <data>/token), twice.
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run(process.execPath, [BIN, 'truth', 'import', out.truth!, '--data', data], { timeout: 300_000 });
      expect(stdout).toMatch(new RegExp(`imported the truth of 3 user\\(s\\) and ${out.planned} session\\(s\\) into ${server.url.replace(/[.]/g, '\\.')}`));
    }
    expectComplete(await truthOf((sql) => server.warehouse.query(sql), 'elsewhere'), out.planned);
  });
});
