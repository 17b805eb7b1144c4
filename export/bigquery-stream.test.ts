import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { sampleExport } from '../warehouse/bigquery/sample-export';
import { rowLine } from '../warehouse/row-line';
import { committedLines } from '../warehouse/committed-rows';
import { bigQueryClient } from './bigquery-client';
import { BigQueryStandin } from './bigquery-standin';
import { BigQueryStream, type BigQueryStreamOptions } from './bigquery-stream';

const lines = sampleExport({ users: 12 }).map(rowLine);
const byDay = new Map<string, number>();
for (const line of lines) {
  const day = (JSON.parse(line) as { event_date: string }).event_date;
  byDay.set(day, (byDay.get(day) ?? 0) + 1);
}

let standin: BigQueryStandin;
let dir: string;
let stream: BigQueryStream | undefined;

beforeEach(async () => {
  standin = await BigQueryStandin.start();
  dir = mkdtempSync(path.join(tmpdir(), 'bq-stream-'));
  await bigQueryClient({ projectId: 'shop-project', apiEndpoint: standin.url }).createDataset('analytics_1');
});

afterEach(async () => {
  await stream?.close();
  stream = undefined;
  await standin.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(extra: Partial<BigQueryStreamOptions> = {}): BigQueryStream {
  stream = new BigQueryStream({
    bigquery: bigQueryClient({ projectId: 'shop-project', apiEndpoint: standin.url, autoRetry: false }),
    dataset: 'analytics_1',
    spoolDir: path.join(dir, 'bigquery-spool'),
    attempts: 2,
    backoffMs: 5,
    log: () => undefined,
    ...extra,
  });
  return stream;
}

/** Rows per intraday table in the stand-in, keyed by day. */
async function intraday(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const table of standin.tableIds('analytics_1')) {
    const m = /^events_intraday_(\d{8})$/.exec(table);
    if (m?.[1]) out.set(m[1], (await standin.rows('analytics_1', table)).length);
  }
  return out;
}

test('committed rows arrive in events_intraday_YYYYMMDD, each once; the listener returns before any request is made', async () => {
  const s = open();
  const before = standin.requests.length;
  s.listener(committedLines(lines.slice(0, 100)));
  s.listener(committedLines(lines.slice(100)));
  expect(standin.requests.length).toBe(before);
  expect(s.metrics().queuedRows).toBe(lines.length);
  await s.flush();
  expect(await intraday()).toEqual(byDay);
  expect(s.metrics()).toMatchObject({ received: lines.length, sent: lines.length, spooled: 0, rejected: 0, queuedRows: 0 });
  expect(standin.requests.filter((r) => r.call === 'insertAll').length).toBeGreaterThan(0);
  // The tables the stream creates have GA4's export schema (the stand-in refuses anything else).
  expect(standin.requests.filter((r) => r.call === 'tables.insert')).toHaveLength(byDay.size);
});

test('5xx answers are retried with backoff and nothing is lost or doubled', async () => {
  const s = open({ attempts: 5 });
  standin.fault({ on: 'insertAll', how: 503, times: 3 });
  s.listener(committedLines(lines));
  await s.flush();
  expect(await intraday()).toEqual(byDay);
  expect(s.metrics().retries).toBeGreaterThanOrEqual(3);
  expect(s.metrics().spooled).toBe(0);
});

test('BigQuery down, then back: rows go to the spool and are sent once it answers again', async () => {
  const s = open();
  s.listener(committedLines(lines.slice(0, 50)));
  await s.flush();
  await standin.stop();
  s.listener(committedLines(lines.slice(50)));
  await s.flush();
  expect(s.metrics().spooled).toBe(lines.length - 50);
  expect(readdirSync(path.join(dir, 'bigquery-spool')).some((f) => f.startsWith('spool-'))).toBe(true);
  await standin.resume();
  await s.retrySpool();
  expect(await intraday()).toEqual(byDay);
  expect(s.metrics().spoolRows).toBe(0);
  expect(readdirSync(path.join(dir, 'bigquery-spool')).filter((f) => f.startsWith('spool-'))).toEqual([]);
});

test('a restart sends what the previous process spooled', async () => {
  await standin.stop();
  const first = open();
  first.listener(committedLines(lines));
  await first.close();
  expect(first.metrics().spooled).toBe(lines.length);
  await standin.resume();
  const second = open();
  expect(second.metrics().spoolRows).toBe(lines.length);
  second.start();
  await second.retrySpool();
  expect(await intraday()).toEqual(byDay);
});

test('a full queue spools the overflow instead of dropping it', async () => {
  const s = open({ maxQueueRows: 10 });
  s.listener(committedLines(lines));
  expect(s.metrics().queuedRows).toBe(10);
  await s.flush();
  expect(s.metrics().spooled).toBe(lines.length - 10);
  await s.retrySpool();
  expect(await intraday()).toEqual(byDay);
});

test('rows BigQuery refuses are kept with its reason, and the rest of their batch is sent', async () => {
  const s = open();
  const bad = JSON.stringify({ ...(JSON.parse(lines[0] ?? '{}') as object), event_timestamp: 'not a number' });
  s.listener(committedLines([bad, ...lines.slice(1, 20)]));
  await s.flush();
  expect(s.metrics()).toMatchObject({ rejected: 1, sent: 19 });
  const files = readdirSync(path.join(dir, 'bigquery-spool')).filter((f) => f.startsWith('rejected-'));
  expect(files).toHaveLength(1);
  const kept = JSON.parse(readFileSync(path.join(dir, 'bigquery-spool', files[0] ?? ''), 'utf8').trim()) as { reason: string; row: string };
  expect(kept.row).toBe(bad);
  expect(kept.reason).toContain('event_timestamp');
});
