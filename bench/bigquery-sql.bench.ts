/**
 * The BigQuery dialect's cost: translation time, and each GA4 analysis run as translated BigQuery SQL against
 * its hand-written DuckDB twin, side by side on the same warehouse (alternating, so that load affects both).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GA4_ANALYSES } from '../warehouse/bigquery/ga4-analyses';
import { queryBigQuery } from '../warehouse/bigquery/query-bigquery';
import { sampleExport } from '../warehouse/bigquery/sample-export';
import { translateBigQuery } from '../warehouse/bigquery/translate-bigquery';
import { Warehouse } from '../warehouse/warehouse';
import type { Figure } from './figure';

const USERS = 3000;
const RUNS = 7;

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export async function run(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const analyses = Object.entries(GA4_ANALYSES);

  const translations: number[] = [];
  for (let i = 0; i < 200; i++) {
    for (const [, a] of analyses) {
      const start = performance.now();
      translateBigQuery(a.bigquery, { dataset: 'analytics_123456' });
      translations.push(performance.now() - start);
    }
  }
  figures.push({ name: 'bigquery_translate_median', value: median(translations) * 1000, unit: 'µs/query' });

  const dir = mkdtempSync(path.join(tmpdir(), 'shoplab-bench-bq-'));
  const warehouse = await Warehouse.open({ dataDir: dir, property: '123456' });
  try {
    const rows = sampleExport({ users: USERS, seed: 11 });
    for (let i = 0; i < rows.length; i += 5000) await warehouse.insertEvents(rows.slice(i, i + 5000));
    figures.push({ name: 'bigquery_bench_rows', value: rows.length, unit: 'rows' });
    for (const [name, a] of analyses) {
      const bq: number[] = [];
      const duck: number[] = [];
      await queryBigQuery(warehouse, a.bigquery); // warm-up
      await warehouse.query(a.duckdb);
      for (let i = 0; i < RUNS; i++) {
        bq.push(await time(() => queryBigQuery(warehouse, a.bigquery)));
        duck.push(await time(() => warehouse.query(a.duckdb)));
      }
      figures.push({ name: `bigquery_${name}_median`, value: median(bq), unit: 'ms' });
      figures.push({ name: `duckdb_${name}_median`, value: median(duck), unit: 'ms' });
      figures.push({ name: `bigquery_vs_duckdb_${name}`, value: median(bq) / median(duck), unit: 'x' });
    }
  } finally {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
