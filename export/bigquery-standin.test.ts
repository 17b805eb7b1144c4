import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sampleExport } from '../warehouse/bigquery/sample-export';
import { rowLine } from '../warehouse/row-line';
import { bigQueryClient } from './bigquery-client';
import { EVENTS_TABLE_SCHEMA, type TableField } from './bigquery-schema';
import { BigQueryStandin } from './bigquery-standin';

let standin: BigQueryStandin;
let dir: string;
const rows = sampleExport({ users: 3 }).filter((r) => r.event_date === '20261101');

beforeAll(async () => {
  // Pages of two rows, so that every query of a few rows spans several pages.
  standin = await BigQueryStandin.start(0, { pageRows: 2 });
  dir = mkdtempSync(path.join(tmpdir(), 'standin-'));
  const bq = bigQueryClient({ projectId: 'p-project', apiEndpoint: standin.url });
  await bq.createDataset('ds');
  const file = path.join(dir, 'day.ndjson');
  writeFileSync(file, rows.map(rowLine).join('\n'));
  await bq.dataset('ds').table('events_20261101').load(file, { sourceFormat: 'NEWLINE_DELIMITED_JSON', schema: { fields: [...EVENTS_TABLE_SCHEMA] }, writeDisposition: 'WRITE_TRUNCATE' });
});

afterAll(async () => {
  await standin.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a GA4 table with a schema that differs from GA4\'s is refused with a BigQuery-shaped 400 naming the field', async () => {
  const bq = bigQueryClient({ projectId: 'p-project', apiEndpoint: standin.url });
  const wrong = structuredClone(EVENTS_TABLE_SCHEMA) as TableField[];
  const ts = wrong.find((f) => f.name === 'event_timestamp');
  if (ts) ts.type = 'STRING';
  await expect(bq.dataset('ds').createTable('events_20261102', { schema: { fields: wrong } })).rejects.toMatchObject({
    code: 400,
    message: "Table p-project:ds.events_20261102 does not have GA4's export schema: event_timestamp: type STRING, expected INTEGER",
  });
  const res = await fetch(`${standin.url}/bigquery/v2/projects/p-project/datasets/nowhere`);
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({
    error: { code: 404, message: 'Not found: Dataset p-project:nowhere', errors: [{ reason: 'notFound', message: 'Not found: Dataset p-project:nowhere', domain: 'global' }], status: 'NOT_FOUND' },
  });
});

test('a Parquet load of a schema with REPEATED fields must ask for list inference', async () => {
  const bq = bigQueryClient({ projectId: 'p-project', apiEndpoint: standin.url });
  const file = path.join(dir, 'x.parquet');
  writeFileSync(file, 'not read: the job is refused first');
  await expect(bq.dataset('ds').table('events_20261103').load(file, { sourceFormat: 'PARQUET', schema: { fields: [...EVENTS_TABLE_SCHEMA] } })).rejects.toThrow(
    'needs parquetOptions.enableListInference = true',
  );
});

test('query results come in pages of {f:[{v}]} rows that the client streams row by row', async () => {
  const bq = bigQueryClient({ projectId: 'p-project', apiEndpoint: standin.url });
  const streamed: unknown[] = [];
  await new Promise<void>((resolve, reject) => {
    bq.createQueryStream({ query: 'SELECT event_name, event_timestamp, items FROM `p-project.ds.events_*` ORDER BY event_timestamp' })
      .on('data', (row: unknown) => streamed.push(row))
      .on('error', reject)
      .on('end', () => resolve());
  });
  expect(streamed).toEqual(
    [...rows].sort((a, b) => a.event_timestamp - b.event_timestamp).map((r) => ({ event_name: r.event_name, event_timestamp: r.event_timestamp, items: r.items })),
  );
  expect(standin.requests.filter((r) => r.path.startsWith('/bigquery/v2/projects/p-project/queries/')).length).toBeGreaterThan(0);
});

test('an injected 5xx is answered as BigQuery answers one, and the client retries it', async () => {
  const bq = bigQueryClient({ projectId: 'p-project', apiEndpoint: standin.url });
  standin.fault({ on: 'datasets.get', how: 503 });
  const [exists] = await bq.dataset('ds').exists();
  expect(exists).toBe(true);
  expect(standin.requests.filter((r) => r.call === 'datasets.get' && r.path.endsWith('/datasets/ds'))).toHaveLength(2);
});
