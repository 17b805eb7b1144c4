import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BigQueryStandin } from '../../export/bigquery-standin';
import { sampleExport } from '../../warehouse/bigquery/sample-export';
import { Warehouse } from '../../warehouse/warehouse';

const BIN = path.join(import.meta.dirname, '../../bin/shoplab.js');
let root: string;
let dataDir: string;
/** TMPDIR of the children: whatever the export leaves behind in the temp folder shows up here. */
let childTmp: string;
const localCounts = new Map<string, number>();

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'export-cli-'));
  dataDir = path.join(root, 'data');
  childTmp = path.join(root, 'tmp');
  mkdirSync(childTmp);
  const wh = await Warehouse.open({ dataDir });
  try {
    await wh.insertEvents(sampleExport({ users: 20 }));
    for (const r of await wh.query('SELECT event_date, count(*) AS n FROM analytics_shoplab.events GROUP BY 1 ORDER BY 1')) {
      localCounts.set(r.event_date as string, Number(r.n));
    }
  } finally {
    await wh.close();
  }
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function shoplab(args: string[], options: { env?: Record<string, string | undefined>; onSpawn?: (kill: () => void) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, TMPDIR: childTmp, ...options.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    options.onSpawn?.(() => child.kill('SIGTERM'));
  });
}

function leftovers(): string[] {
  return readdirSync(childTmp).filter((f) => f.startsWith('shoplab-export-'));
}

/** One non-empty line on stderr: the CLI's error. */
function oneLine(run: Run): string {
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  return lines[0] ?? '';
}

describe('shoplab export bigquery', () => {
  let standin: BigQueryStandin;
  beforeAll(async () => {
    standin = await BigQueryStandin.start();
  });
  afterAll(async () => {
    await standin.close();
  });

  test('a bad date is a one-line error, and nothing is sent', async () => {
    const before = standin.requests.length;
    const run = await shoplab(['export', 'bigquery', '--project', 'shop-project', '--dataset', 'd1', '--from', '2026-13-40', '--api-endpoint', standin.url, '--data', dataDir]);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toBe('shoplab: --from must be a date as YYYY-MM-DD, got "2026-13-40"');
    expect(standin.requests.length).toBe(before);
    expect(leftovers()).toEqual([]);
  }, 120_000);

  test('--dry-run prints days, rows and tables and sends nothing', async () => {
    const before = standin.requests.length;
    const run = await shoplab(['export', 'bigquery', '--project', 'shop-project', '--dataset', 'd1', '--dry-run', '--api-endpoint', standin.url, '--data', dataDir]);
    expect(run.code).toBe(0);
    for (const [day, n] of localCounts) expect(run.stdout).toContain(`d1.events_${day}  ${n} rows`);
    expect(run.stdout).toContain(`${localCounts.size} days`);
    expect(standin.requests.length).toBe(before);
  }, 120_000);

  test('an unknown dataset that cannot be created: one line quoting BigQuery, nothing written', async () => {
    const denying = await BigQueryStandin.start(0, { allowDatasetCreate: false });
    try {
      const run = await shoplab(['export', 'bigquery', '--project', 'shop-project', '--dataset', 'nope', '--api-endpoint', denying.url, '--data', dataDir]);
      expect(run.code).toBe(1);
      expect(oneLine(run)).toBe(
        'shoplab: dataset shop-project:nope does not exist and could not be created: Access Denied: Project shop-project: User does not have bigquery.datasets.create permission in project shop-project.',
      );
      expect(denying.hasDataset('nope')).toBe(false);
      expect(leftovers()).toEqual([]);
    } finally {
      await denying.close();
    }
  }, 120_000);

  test('no Google credentials and no --api-endpoint: one line saying how to provide them', async () => {
    const home = path.join(root, 'home');
    mkdirSync(home, { recursive: true });
    const run = await shoplab(['export', 'bigquery', '--project', 'shop-project', '--dataset', 'd1', '--data', dataDir], {
      env: { GOOGLE_APPLICATION_CREDENTIALS: undefined, HOME: home, CLOUDSDK_CONFIG: path.join(home, 'gcloud'), METADATA_SERVER_DETECTION: 'none' },
    });
    expect(run.code).toBe(1);
    expect(oneLine(run)).toMatch(/^shoplab: no Google credentials \(Application Default Credentials\): run `gcloud auth application-default login`/);
    expect(leftovers()).toEqual([]);
  }, 120_000);

  test('an unreachable endpoint: one line naming the dataset and the network error', async () => {
    const gone = await BigQueryStandin.start();
    const url = gone.url;
    await gone.close();
    const run = await shoplab(['export', 'bigquery', '--project', 'shop-project', '--dataset', 'd1', '--api-endpoint', url, '--data', dataDir]);
    expect(run.code).toBe(1);
    expect(oneLine(run)).toMatch(/^shoplab: dataset shop-project:d1: cannot reach BigQuery \(ECONNREFUSED\)/);
    expect(leftovers()).toEqual([]);
  }, 120_000);

  test('killed during the second day, a re-run completes every day without duplicates', async () => {
    const days = [...localCounts.keys()];
    const second = `events_${days[1]}`;
    let kill: (() => void) | undefined;
    const watcher = await BigQueryStandin.start(0, {
      onRequest: (call, detail) => {
        if (call === 'load' && detail.table === second) kill?.();
      },
    });
    try {
      const args = ['export', 'bigquery', '--project', 'shop-project', '--dataset', 'killed', '--api-endpoint', watcher.url, '--data', dataDir];
      const killed = await shoplab(args, { onSpawn: (k) => (kill = k) });
      expect(killed.signal ?? killed.code).not.toBe(0);
      expect(watcher.tableIds('killed')).not.toContain(`pseudonymous_users_${days.at(-1)}`);
      // The process removed its temporary Parquet files on SIGTERM.
      expect(leftovers()).toEqual([]);
      kill = undefined;
      const again = await shoplab(args);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`over ${days.length} days`);
      for (const [day, n] of localCounts) expect(await watcher.rows('killed', `events_${day}`)).toHaveLength(n);
    } finally {
      await watcher.close();
    }
  }, 180_000);
});
