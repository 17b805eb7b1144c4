/**
 * Read-only queries while the server holds the warehouse, a private route: `POST /api/query` with
 * `{"sql", "dialect"?: "bigquery" | "duckdb", "dataset"?, "limit"?, "timeoutMs"?}` answers
 * `{"columns", "rows", "truncated"}`. The SQL text is the only request string that becomes SQL; everything else
 * is checked data. It runs on its own connection in a READ ONLY transaction (warehouse/read-query.ts), so it
 * never blocks ingest, and a few at a time, so that queries never take every thread the writer needs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { BigQuerySyntaxError, BigQueryUnsupportedError } from '../warehouse/bigquery/bigquery-errors';
import { BigQueryExecutionError, readQueryBigQuery } from '../warehouse/bigquery/query-bigquery';
import { MAX_QUERY_TIMEOUT_MS, MAX_ROW_LIMIT } from '../warehouse/read-query';
import { ReadQueryError, type Warehouse } from '../warehouse/warehouse';
import { ApiError, readJsonBody, sendApiJson, type Route } from './api-http';

/** Queries running at once at most; more wait for none of them but get 503 and retry. */
export const MAX_CONCURRENT_QUERIES = 2;
const MAX_SQL_BYTES = 1024 * 1024;

export const queryRequestSchema = z.strictObject({
  sql: z.string().min(1).max(MAX_SQL_BYTES),
  dialect: z.enum(['bigquery', 'duckdb']).default('bigquery'),
  /** bigquery dialect: the only BigQuery dataset name the query may use. */
  dataset: z.string().regex(/^[A-Za-z0-9_]{1,1024}$/).optional(),
  limit: z.number().int().min(1).max(MAX_ROW_LIMIT).optional(),
  timeoutMs: z.number().int().min(1).max(MAX_QUERY_TIMEOUT_MS).optional(),
});
export type QueryRequest = z.input<typeof queryRequestSchema>;

const STATUS = { refused: 403, invalid: 400, timeout: 408, aborted: 499 } as const;

export function queryRoute(warehouse: Warehouse): Route {
  let running = 0;
  return {
    prefix: '/api/query',
    async handle(req: IncomingMessage, res: ServerResponse, url: URL) {
      if (url.pathname !== '/api/query') throw new ApiError(404, `not found: ${url.pathname}`);
      if (req.method !== 'POST') throw new ApiError(405, 'use POST for /api/query', { allow: 'POST' });
      const parsed = queryRequestSchema.safeParse(await readJsonBody(req, MAX_SQL_BYTES + 4096));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ApiError(400, `invalid query request: ${issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid'}`);
      }
      if (running >= MAX_CONCURRENT_QUERIES) throw new ApiError(503, `${running} queries are running; retry shortly`, { 'retry-after': '1' });
      const { sql, dialect, dataset, limit, timeoutMs } = parsed.data;
      const gone = new AbortController();
      const onClose = (): void => {
        if (!res.writableFinished) gone.abort();
      };
      res.once('close', onClose);
      running++;
      try {
        const read = { signal: gone.signal, ...(limit !== undefined ? { limit } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
        const result = dialect === 'bigquery' ? await readQueryBigQuery(warehouse, sql, { ...read, ...(dataset !== undefined ? { sourceDataset: dataset } : {}) }) : await warehouse.readQuery(sql, read);
        sendApiJson(res, 200, result);
      } catch (error) {
        if (error instanceof ReadQueryError) throw new ApiError(STATUS[error.kind], error.message);
        if (error instanceof BigQuerySyntaxError || error instanceof BigQueryUnsupportedError || error instanceof BigQueryExecutionError) throw new ApiError(400, error.message);
        throw error;
      } finally {
        running--;
        res.off('close', onClose);
      }
    },
  };
}
