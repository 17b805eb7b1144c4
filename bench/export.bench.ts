/**
 * Export of 1,000,000 events (bench/fixtures-1m.ts) to the BigQuery stand-in through the official client: the whole
 * `shoplab export bigquery` path — a Parquet file per day written by DuckDB, one multipart load job per table, the
 * pseudonymous_users tables from the analysis model, job polling — in this process, with the stand-in loading
 * each day into its own DuckDB file. The stand-in's work is part of the figure, so BigQuery itself would differ.
 */
import type { Figure } from './figure';
import { BigQueryStandin } from '../export/bigquery-standin';
import { exportToBigQuery } from '../export/export-bigquery';
import { ensureMillionEventWarehouse } from './fixtures-1m';

export async function run(): Promise<Figure[]> {
  const fixture = await ensureMillionEventWarehouse();
  const standin = await BigQueryStandin.start();
  try {
    const started = performance.now();
    const result = await exportToBigQuery({ dataDir: fixture.dataDir, projectId: 'bench-project', dataset: 'analytics_bench', apiEndpoint: standin.url });
    const seconds = (performance.now() - started) / 1000;
    const events = result.plan.days.reduce((n, d) => n + d.events, 0);
    if (events !== fixture.events) throw new Error(`exported ${events} events, the fixture holds ${fixture.events}`);
    return [
      { name: 'export.bigquery_events_per_s', value: events / seconds, unit: 'events/s' },
      { name: 'export.bigquery_seconds_1m', value: seconds, unit: 's' },
    ];
  } finally {
    await standin.close();
  }
}
