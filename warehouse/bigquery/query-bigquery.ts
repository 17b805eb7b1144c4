/** Runs a BigQuery-dialect query on a Warehouse: translate, then let DuckDB run the translation. */

import type { JsonValue, Warehouse } from '../warehouse';
import { translateBigQueryScript, type TranslateOptions } from './translate-bigquery';

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
 * against the warehouse's dataset: one query, or a script (DECLARE, SET, CREATE TEMP FUNCTION) whose last
 * statement is the query. Throws BigQueryUnsupportedError / BigQuerySyntaxError before running anything when the
 * SQL cannot be translated, and BigQueryExecutionError when DuckDB rejects the translation.
 */
export async function queryBigQuery(warehouse: Warehouse, sql: string, options: QueryBigQueryOptions = {}): Promise<Record<string, JsonValue>[]> {
  const { setup, query, teardown } = translateBigQueryScript(sql, { ...options, dataset: warehouse.dataset });
  const duckdbSql = [...setup, query].join(';\n');
  try {
    // Warehouse.query runs each call on a fresh connection, so the session setting, the script's variables and
    // its macros belong to this query alone; the teardown drops them all the same, on that connection.
    return await warehouse.query(`${BIGQUERY_SESSION_SETUP};\n${duckdbSql}`, [], teardown.length > 0 ? teardown.join(';\n') : undefined);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new BigQueryExecutionError(`DuckDB rejected the translated query: ${message.split('\n')[0] ?? message}`, duckdbSql, { cause: error });
  }
}
