/**
 * `shoplab transform --source bigquery`: the warehouse exported to the BigQuery stand-in (`shoplab export bigquery`,
 * official client), then transformed from there by the CLI (official client, createQueryStream) and from the local
 * warehouse; both outputs must hold the same rows.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BigQueryStandin } from '../export/bigquery-standin';
import { exportToBigQuery } from '../export/export-bigquery';
import { sampleExport } from '../warehouse/bigquery/sample-export';
import { saveSimSessions, saveSimUsers, type SimSessionRow, type SimUserRow } from '../warehouse/ground-truth';
import { Warehouse, type JsonValue } from '../warehouse/warehouse';
import { DATASETS } from './datasets';
import { DuckdbSource } from './duckdb-source';
import { MANIFEST_FILE, runTransform, type Manifest } from './transform';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', 'bin', 'shoplab.js');
const rows = sampleExport({ users: 30 });

let dir: string;
let standin: BigQueryStandin;
let local: Manifest;
let remote: Manifest;
let cli: { stdout: string; stderr: string };

async function readBack(file: string): Promise<Record<string, JsonValue>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    return (await con.runAndReadAll(`SELECT * FROM read_csv('${file}', header = true, all_varchar = true)`)).getRowObjectsJson();
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** A value as text that compares equal across the two sources (numbers by value, so `5` and `5.0` agree). */
function canonical(value: JsonValue): string {
  if (value === null || value === '') return '';
  if (typeof value !== 'string') return JSON.stringify(value);
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? String(Math.round(n * 1e6) / 1e6) : value;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shoplab-transform-bq-'));
  const dataDir = join(dir, 'data');
  const wh = await Warehouse.open({ dataDir });
  try {
    await wh.insertEvents(rows);
    const users = new Map<string, SimUserRow>();
    const sessions = new Map<string, SimSessionRow>();
    for (const r of rows) {
      const client = r.user_pseudo_id ?? '';
      users.set(client, {
        run_id: 'r1', client_id: client, persona_id: 'browser', segment: 'test', age: 30, gender: null, job: null,
        region: 'DE-BE', device: 'desktop', interests: ['kitchen'], traits: { patience: 0.5 }, budget: 80, persona: { id: 'browser' },
      });
      const sid = Number(r.event_params.find((p) => p.key === 'ga_session_id')?.value.int_value);
      if (!sessions.has(`${client}/${sid}`)) {
        sessions.set(`${client}/${sid}`, {
          run_id: 'r1', session_index: sessions.size, seed: 's', client_id: client, ga_session_id: sid, ga_session_number: 1, visit: 1,
          persona_id: 'browser', persona: { id: 'browser' }, intent: 'browse', outcome: 'left', transaction_id: null,
          started_at_ms: Math.floor(r.event_timestamp / 1000), ended_at_ms: Math.floor(r.event_timestamp / 1000) + 60_000, actions: [], error: null,
        });
      }
    }
    await saveSimUsers(wh, [...users.values()]);
    await saveSimSessions(wh, [...sessions.values()]);
    local = await runTransform({ source: DuckdbSource.of(wh), out: join(dir, 'local'), format: 'csv' });
  } finally {
    await wh.close();
  }
  // Pages of 50 rows, so that every dataset spans several query pages.
  standin = await BigQueryStandin.start(0, { pageRows: 50 });
  await exportToBigQuery({ dataDir, projectId: 'shop-project', dataset: 'analytics_42', apiEndpoint: standin.url });
  cli = await run(
    process.execPath,
    [BIN, 'transform', '--quiet', '--source', 'bigquery', '--project', 'shop-project', '--dataset', 'analytics_42', '--api-endpoint', standin.url, '--out', join(dir, 'remote'), '--format', 'csv'],
    { timeout: 240_000 },
  );
  remote = JSON.parse(readFileSync(join(dir, 'remote', MANIFEST_FILE), 'utf8')) as Manifest;
}, 300_000);

afterAll(async () => {
  await standin?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('shoplab transform --source bigquery, from the stand-in after an export to it', { timeout: 120_000 }, () => {
  it('writes every dataset, labels included, from BigQuery queries through the official client', () => {
    expect(cli.stderr).toBe('');
    expect(remote.source).toEqual({ kind: 'bigquery', location: 'shop-project.analytics_42' });
    expect(remote.source_events).toBe(rows.length);
    expect(remote.files.map((f) => f.dataset)).toEqual([...DATASETS]);
    expect(remote.skipped).toEqual([]);
    // The models went to the stand-in as BigQuery SQL over the wildcard table, paged by the client.
    const queries = standin.requests.filter((r) => r.call === 'query');
    expect(queries.length).toBeGreaterThan(DATASETS.length);
  });

  it('reconciles with the DuckDB source: the same columns and rows in every file', async () => {
    for (const file of local.files) {
      const other = remote.files.find((f) => f.dataset === file.dataset);
      expect(other, file.dataset).toBeDefined();
      expect(other!.rows, file.dataset).toBe(file.rows);
      expect(other!.columns, file.dataset).toEqual(file.columns);
      const a = (await readBack(join(dir, 'local', file.file))).map((r) => file.columns.map((c) => canonical(r[c.name] ?? null)).join('|')).sort();
      const b = (await readBack(join(dir, 'remote', other!.file))).map((r) => file.columns.map((c) => canonical(r[c.name] ?? null)).join('|')).sort();
      expect(b, file.dataset).toEqual(a);
    }
  });

  it('sessions, users, purchases and revenue match the warehouse', async () => {
    const sessions = await readBack(join(dir, 'remote', 'sessions.csv'));
    const users = await readBack(join(dir, 'remote', 'users.csv'));
    const purchases = rows.filter((r) => r.event_name === 'purchase');
    const revenue = Math.round(purchases.reduce((s, r) => s + (r.ecommerce?.purchase_revenue ?? 0), 0) * 100) / 100;
    const sum = (xs: Record<string, JsonValue>[], col: string): number => Math.round(xs.reduce((s, r) => s + Number(r[col] ?? 0), 0) * 100) / 100;
    expect(purchases.length).toBeGreaterThan(0);
    expect(users.length).toBe(new Set(rows.map((r) => r.user_pseudo_id)).size);
    expect(sessions.length).toBe(new Set(rows.map((r) => `${r.user_pseudo_id}/${String(r.event_params.find((p) => p.key === 'ga_session_id')?.value.int_value)}`)).size);
    expect(sum(sessions, 'count_purchase')).toBe(purchases.length);
    expect(sum(sessions, 'revenue')).toBe(revenue);
    expect(sum(users, 'monetary')).toBe(revenue);
  });

  it('no credentials, or an endpoint nobody answers: a one-line error and no output folder', async () => {
    const home = mkdtempSync(join(tmpdir(), 'no-gcloud-'));
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, CLOUDSDK_CONFIG: join(home, 'gcloud'), METADATA_SERVER_DETECTION: 'none' };
    delete env.GOOGLE_APPLICATION_CREDENTIALS;
    const attempt = (extra: string[], out: string): Promise<{ code: number; stderr: string }> =>
      run(process.execPath, [BIN, 'transform', '--quiet', '--source', 'bigquery', '--project', 'shop-project', '--dataset', 'analytics_42', '--out', join(dir, out), ...extra], { timeout: 120_000, env }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
    const [noCredentials, unreachable] = await Promise.all([attempt([], 'bad-creds'), attempt(['--api-endpoint', 'http://127.0.0.1:1'], 'bad-endpoint')]);
    rmSync(home, { recursive: true, force: true });
    expect(noCredentials.stderr.trim()).toMatch(/^shoplab: no Google credentials \(Application Default Credentials\)[^\n]*$/);
    expect(unreachable.stderr.trim()).toMatch(/^shoplab: BigQuery: [^\n]*ECONNREFUSED[^\n]*$/);
    for (const [r, out] of [[noCredentials, 'bad-creds'], [unreachable, 'bad-endpoint']] as const) {
      expect(r.code).not.toBe(0);
      expect(existsSync(join(dir, out))).toBe(false);
    }
  });
});
