import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleExport } from '../../warehouse/bigquery/sample-export';
import { Warehouse } from '../../warehouse/warehouse';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'shoplab.js');
let data: string;
const rows = sampleExport({ users: 8 });

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'shoplab-sql-cli-'));
  const wh = await Warehouse.open({ dataDir: data });
  await wh.insertEvents(rows);
  await wh.close(); // the CLI opens the file read-only in its own process
});

afterAll(() => rmSync(data, { recursive: true, force: true }));

const sql = (...args: string[]): Promise<{ stdout: string; stderr: string }> => run(process.execPath, [BIN, 'sql', '--data', data, ...args], { timeout: 60_000 });
async function failure(...args: string[]): Promise<{ code: number; stderr: string }> {
  return sql(...args).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => e,
  );
}

// Each test starts the CLI through tsx, which takes seconds on a busy machine.
describe('shoplab sql', { timeout: 120_000 }, () => {
  it('runs BigQuery SQL written for the GA4 export by default', async () => {
    const { stdout } = await sql(
      '--format',
      'json',
      "SELECT event_name, COUNTIF(event_name = 'purchase') AS purchases, COUNT(*) AS n, FROM `my-project.analytics_123.events_*`, UNNEST(items) AS item WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130' AND event_name = 'purchase' GROUP BY 1",
    );
    const purchases = rows.filter((r) => r.event_name === 'purchase' && r.event_date >= '20261101');
    expect(JSON.parse(stdout)).toEqual([{ event_name: 'purchase', purchases: purchases.reduce((n, r) => n + r.items.length, 0), n: purchases.reduce((n, r) => n + r.items.length, 0) }]);
  });

  it('runs DuckDB SQL with --dialect duckdb', async () => {
    const { stdout } = await sql('--dialect', 'duckdb', '--format', 'csv', 'SELECT count(*) AS n FROM analytics_shoplab.events, unnest(event_params) AS t(p) WHERE p.key = \'ga_session_id\'');
    expect(stdout.trim().split(/\r?\n/)).toEqual(['n', String(rows.length)]);
  });

  it('prints the DuckDB translation with --print-translation, without a warehouse', async () => {
    const { stdout } = await run(process.execPath, [BIN, 'sql', '--data', join(data, 'missing'), '--print-translation', 'SELECT COUNTIF(x) FROM `p.d.events_*`'], { timeout: 60_000 });
    expect(stdout.trim()).toBe('SELECT count_if(x) FROM (SELECT *, event_date AS _TABLE_SUFFIX FROM "analytics_shoplab".events)');
  });

  it('fails in one line naming an unsupported BigQuery feature, a refused dataset, or what DuckDB rejected', async () => {
    // Three CLI processes at once: each spends seconds starting tsx.
    const [ml, dataset, rejected] = await Promise.all([
      failure('SELECT * FROM ML.PREDICT(MODEL `p.d.m`, TABLE t)'),
      failure('--dataset', 'analytics_1', 'SELECT 1 FROM `p.analytics_2.events_*`'),
      failure('SELECT no_such_column FROM `p.d.events_*`'),
    ]);
    expect(ml.code).toBe(1);
    expect(ml.stderr).toMatch(/^shoplab: BigQuery feature not supported locally: table-valued function ML\.PREDICT\(…\)/);
    expect(ml.stderr.trim().split('\n')).toHaveLength(1);
    expect(dataset.stderr).toMatch(/^shoplab: BigQuery feature not supported locally: dataset analytics_2/);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/^shoplab: DuckDB rejected the translated query: .*no_such_column.*\(see it with --print-translation\)$/m);
    expect(rejected.stderr.trim().split('\n')).toHaveLength(1);
  });
});
