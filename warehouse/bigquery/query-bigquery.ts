/** Runs a BigQuery-dialect query on a Warehouse: translate, then let DuckDB run the translation. */

import { ReadQueryError, type JsonValue, type ReadQueryOptions, type ReadQueryResult, type Warehouse } from '../warehouse';
import { translateBigQuery, type TranslateOptions } from './translate-bigquery';

export type QueryBigQueryOptions = Omit<TranslateOptions, 'dataset'>;

/**
 * Session settings that make DuckDB behave like BigQuery where a setting can: NULLs sort first in ascending and
 * last in descending order (DuckDB's default is last in both). Run before every translated query.
 */
export const BIGQUERY_SESSION_SETUP = `SET SESSION default_null_order = 'nulls_first_on_asc_last_on_desc'`;

/** DuckDB refused the translation of a BigQuery query; `duckdbSql` is what it was given. */
export class BigQueryExecutionError extends Error {
  constructor(
    message: string,
    readonly duckdbSql: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'BigQueryExecutionError';
  }
}

/**
 * Runs BigQuery SQL written for the GA4 export (`project.dataset.events_*`, `_TABLE_SUFFIX`, UNNEST, COUNTIF, …)
 * against the warehouse's dataset. Throws BigQueryUnsupportedError / BigQuerySyntaxError before running anything
 * when the query cannot be translated, and BigQueryExecutionError when DuckDB rejects the translation.
 */
export async function queryBigQuery(warehouse: Warehouse, sql: string, options: QueryBigQueryOptions = {}): Promise<Record<string, JsonValue>[]> {
  const duckdbSql = translateBigQuery(sql, { ...options, dataset: warehouse.dataset });
  try {
    // Warehouse.query runs each call on a fresh connection, so the session setting applies to this query only.
    return await warehouse.query(`${BIGQUERY_SESSION_SETUP};\n${duckdbSql}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new BigQueryExecutionError(`DuckDB rejected the translated query: ${message.split('\n')[0] ?? message}`, duckdbSql, { cause: error });
  }
}

/**
 * `Warehouse.readQuery` for BigQuery SQL: translated first (throwing BigQueryUnsupportedError / BigQuerySyntaxError
 * before anything runs), then run read-only with the row limit and timeout of `options`, in BigQuery's NULL order.
 */
export async function readQueryBigQuery(warehouse: Warehouse, sql: string, options: QueryBigQueryOptions & ReadQueryOptions = {}): Promise<ReadQueryResult> {
  const { limit, timeoutMs, setup, signal, ...translate } = options;
  const duckdbSql = translateBigQuery(sql, { ...translate, dataset: warehouse.dataset });
  const read: ReadQueryOptions = { setup: [BIGQUERY_SESSION_SETUP, ...(setup ?? [])] };
  if (limit !== undefined) read.limit = limit;
  if (timeoutMs !== undefined) read.timeoutMs = timeoutMs;
  if (signal !== undefined) read.signal = signal;
  try {
    return await warehouse.readQuery(duckdbSql, read);
  } catch (error) {
    if (error instanceof ReadQueryError && error.kind === 'invalid') throw new BigQueryExecutionError(error.message.replace(/^DuckDB rejected the query/, 'DuckDB rejected the translated query'), duckdbSql, { cause: error });
    throw error;
  }
}
