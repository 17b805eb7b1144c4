/**
 * `shoplab serve --bigquery` end to end: the real CLI server (its own process, as users start it) streaming to the
 * BigQuery stand-in through the official client. Hits posted to /mp/collect arrive in events_intraday_YYYYMMDD;
 * a BigQuery that hangs does not hold the 204 back; one that is down loses nothing: rows wait (retries, then the
 * spool on disk) and are delivered after it is back, each once.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQueryStandin } from './bigquery-standin';

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'shoplab.js');
const DATASET = 'analytics_777';

let standin: BigQueryStandin;
let dir: string;
let server: ChildProcessWithoutNullStreams;
let output = '';
let collect = '';

/** Waits for a condition, polling; fails with `what` after `ms`. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 150_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; server output:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every row of every intraday table, as `client_id/event_name`. */
async function intradayRows(): Promise<string[]> {
  const out: string[] = [];
  for (const table of standin.tableIds(DATASET).filter((t) => /^events_intraday_\d{8}$/.test(t))) {
    for (const row of await standin.rows(DATASET, table)) out.push(`${JSON.stringify(row.user_pseudo_id)}/${JSON.stringify(row.event_name)}`.replaceAll('"', ''));
  }
  return out.sort();
}

/** Posts `n` events of one client, as an MP sender would; resolves to the HTTP status. */
async function post(client: string, n: number): Promise<number> {
  const events = Array.from({ length: n }, (_, i) => ({ name: i === 0 ? 'page_view' : 'view_item', params: { session_id: 1_700_000_000, engagement_time_msec: 100, page_location: `https://shop.example/p/${i}` } }));
  const res = await fetch(collect, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_id: client, events }) });
  await res.arrayBuffer();
  return res.status;
}

function expected(clients: Record<string, number>): string[] {
  return Object.entries(clients)
    .flatMap(([client, n]) => Array.from({ length: n }, (_, i) => `${client}/${i === 0 ? 'page_view' : 'view_item'}`))
    .sort();
}

beforeAll(async () => {
  standin = await BigQueryStandin.start();
  dir = mkdtempSync(path.join(tmpdir(), 'serve-bq-'));
  server = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dir, '--bigquery', `shop-project.${DATASET}`, '--bigquery-endpoint', standin.url]);
  server.stdout.on('data', (b: Buffer) => (output += b.toString()));
  server.stderr.on('data', (b: Buffer) => (output += b.toString()));
  await until('the server to listen', () => /api_secret for G-SHOPLAB: \S+/.test(output) && /collector at (http:\/\/\S+)/.test(output), 120_000);
  const url = /collector at (http:\/\/\S+)/.exec(output)?.[1] ?? '';
  const secret = /api_secret for G-SHOPLAB: (\S+)/.exec(output)?.[1] ?? '';
  collect = `${url.replace(/\/$/, '')}/mp/collect?measurement_id=G-SHOPLAB&api_secret=${secret}`;
}, 180_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  await standin?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('shoplab serve --bigquery, against the stand-in', { timeout: 300_000 }, () => {
  const sent: Record<string, number> = {};

  it('creates the dataset and streams accepted hits into events_intraday_YYYYMMDD', async () => {
    expect(output).toMatch(`streaming accepted events to BigQuery shop-project.${DATASET}`);
    expect(standin.requests.some((r) => r.call === 'datasets.insert')).toBe(true);
    expect(await post('bq.1', 3)).toBe(204);
    sent['bq.1'] = 3;
    await until('the first rows in BigQuery', async () => (await intradayRows()).length === 3);
    expect(await intradayRows()).toEqual(expected(sent));
    expect(standin.requests.some((r) => r.call === 'insertAll' && /^events_intraday_\d{8}$/.test(r.table ?? ''))).toBe(true);
  });

  it('answers 204 while BigQuery holds its requests unanswered', async () => {
    standin.fault({ on: 'insertAll', how: 'hang', times: Infinity });
    expect(await post('bq.2', 2)).toBe(204);
    sent['bq.2'] = 2;
    await until('an insertAll held by the stand-in', () => standin.hanging > 0);
    // The stream's only request is hanging: these hits are stored and answered regardless.
    expect(await post('bq.3', 4)).toBe(204);
    sent['bq.3'] = 4;
    expect(standin.hanging).toBeGreaterThan(0);
    standin.clearFaults();
    await until('the held rows delivered', async () => (await intradayRows()).length === 9);
    expect(await intradayRows()).toEqual(expected(sent));
  });

  it('keeps what BigQuery could not take while it was down (retries, then the spool) and delivers it after, each row once', async () => {
    await standin.stop();
    expect(await post('bq.4', 5)).toBe(204);
    sent['bq.4'] = 5;
    const spool = path.join(dir, 'bigquery-spool');
    await until('the undelivered rows spooled to disk', () => existsSync(spool) && readdirSync(spool).some((f) => /^spool-.*\.ndjson$/.test(f)));
    expect(await intradayRows()).toEqual(expected({ 'bq.1': 3, 'bq.2': 2, 'bq.3': 4 }));
    await standin.resume();
    await until('the spooled rows delivered', async () => (await intradayRows()).length === 14);
    expect(await intradayRows()).toEqual(expected(sent));
    await until('the spool emptied', () => readdirSync(spool).filter((f) => /^spool-.*\.ndjson$/.test(f)).length === 0);
    expect(server.exitCode).toBeNull();
  });
});
