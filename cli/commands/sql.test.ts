import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollectorProcess, type CollectorProcess } from '../../collector/collector-process';
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

const dirs: string[] = [];
afterAll(() => [data, ...dirs].forEach((d) => rmSync(d, { recursive: true, force: true })));

const sql = (...args: string[]): Promise<{ stdout: string; stderr: string }> => run(process.execPath, [BIN, 'sql', '--data', data, ...args], { timeout: 300_000 });
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

/** Runs the CLI with `input` on its stdin. */
function withStdin(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

// The machine may be busy: a CLI start through tsx has taken over 15 s.
describe('shoplab sql: where the query comes from', { timeout: 600_000 }, () => {
  it('reads the query from -f FILE and from -f - (stdin), and takes a query that begins with a -- comment', async () => {
    const file = join(data, 'query.sql');
    writeFileSync(file, '-- events by name\nSELECT count(*) AS n\nFROM `p.d.events_*`;\n');
    const [fromFile, fromStdin, commented, mistyped, both] = await Promise.all([
      sql('--format', 'csv', '-f', file),
      withStdin(['sql', '--data', data, '--format', 'csv', '--dialect', 'duckdb', '-f', '-'], '-- from stdin\nSELECT count(*) AS n FROM analytics_shoplab.events'),
      sql('--format', 'csv', '-- the whole export\nSELECT count(*) AS n FROM `p.d.events_*`'),
      failure('--formt', 'csv', 'SELECT 1'),
      failure('-f', file, 'SELECT 1'),
    ]);
    const expected = ['n', String(rows.length)];
    expect(fromFile.stdout.trim().split(/\r?\n/)).toEqual(expected);
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout.trim().split(/\r?\n/)).toEqual(expected);
    expect(commented.stdout.trim().split(/\r?\n/)).toEqual(expected);
    expect(mistyped.stderr).toMatch(/^shoplab: unknown option '--formt'$/m);
    expect(both.stderr).toMatch(/either as an argument or with -f, not both/);
  });

  it('refuses a write statement and stops at --limit, locally too', async () => {
    const [write, limited] = await Promise.all([failure('--dialect', 'duckdb', 'DELETE FROM analytics_shoplab.events'), sql('--dialect', 'duckdb', '--format', 'csv', '--limit', '2', 'SELECT * FROM range(10)')]);
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(/^shoplab: only SELECT queries \(WITH … SELECT included\) may run here; this is a DELETE statement$/m);
    expect(limited.stdout.trim().split(/\r?\n/)).toEqual(['range', '0', '1']);
    expect(limited.stderr).toMatch(/showing the first 2 rows; there are more/);
  });
});

describe('shoplab sql while shoplab serve holds the warehouse', { timeout: 600_000 }, () => {
  let served: string;
  let server: CollectorProcess;
  const rowsServed = sampleExport({ users: 3 });

  beforeAll(async () => {
    served = mkdtempSync(join(tmpdir(), 'shoplab-sql-served-'));
    dirs.push(served);
    const wh = await Warehouse.open({ dataDir: served });
    await wh.insertEvents(rowsServed);
    await wh.close();
    server = await startCollectorProcess(served);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
  });

  const run2 = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    run(process.execPath, [BIN, 'sql', ...args], { timeout: 300_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('answers through the server (its server.json and token), refuses writes, and says 401 for a wrong token', async () => {
    const [count, write, wrongToken, byUrl, bigquery] = await Promise.all([
      run2('--data', served, '--format', 'csv', 'SELECT count(*) AS n FROM analytics_shoplab.events'),
      run2('--data', served, '--dialect', 'duckdb', 'DROP TABLE analytics_shoplab.events'),
      run2('--url', server.url, '--token', 'not-the-token-0123456789', 'SELECT 1'),
      run2('--url', server.url, '--token', server.token, '--data', join(served, 'elsewhere'), '--format', 'json', '--dialect', 'duckdb', 'SELECT 7 AS seven'),
      run2('--data', served, '--format', 'csv', "SELECT COUNTIF(event_name = 'purchase') AS p FROM `x.analytics_9.events_*`"),
    ]);
    expect(count.stderr).toBe('');
    expect(count.stdout.trim().split(/\r?\n/)).toEqual(['n', String(rowsServed.length)]);
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(/^shoplab: only SELECT queries .* this is a DROP statement$/m);
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/refused the token \(401\)/);
    expect(JSON.parse(byUrl.stdout)).toEqual([{ seven: 7 }]);
    expect(bigquery.stdout.trim().split(/\r?\n/)).toEqual(['p', String(rowsServed.filter((r) => r.event_name === 'purchase').length)]);
    // The raw API without a token: 401 and nothing else.
    const raw = await fetch(`${server.url}/api/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT 1' }) });
    expect(raw.status).toBe(401);
    expect(Object.keys((await raw.json()) as object)).toEqual(['error']);
  });
});
