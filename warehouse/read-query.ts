/**
 * Read-only queries for SQL that someone else wrote: `shoplab sql` and the server's query API. DuckDB itself says
 * what a statement is (its prepared statement's type, not a pattern over the text), and the statement runs inside
 * a READ ONLY transaction, so a write is refused twice over. Results stop at a row limit, and a query that runs
 * past its time is interrupted.
 */
import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { jsonValueConverter, type JsonValue } from './duckdb-types';

/** Rows a read query returns unless told otherwise. */
export const DEFAULT_ROW_LIMIT = 10_000;
/** Most rows one read query may return, whatever it asks for. */
export const MAX_ROW_LIMIT = 1_000_000;
/** Time a read query may run unless told otherwise. */
export const DEFAULT_QUERY_TIMEOUT_MS = 60_000;
/** Longest time a read query may be given. */
export const MAX_QUERY_TIMEOUT_MS = 60 * 60_000;

export interface ReadQueryOptions {
  /** Most rows returned; more are left unread and `truncated` says so. 1 .. MAX_ROW_LIMIT. Default DEFAULT_ROW_LIMIT. */
  limit?: number;
  /** Milliseconds before the query is interrupted. 1 .. MAX_QUERY_TIMEOUT_MS. Default DEFAULT_QUERY_TIMEOUT_MS. */
  timeoutMs?: number;
  /**
   * Session settings run first on the query's connection; our own SQL only (e.g. BIGQUERY_SESSION_SETUP), never
   * text from a request. Default none.
   */
  setup?: readonly string[];
  /** Interrupts the query when aborted (e.g. the client went away). */
  signal?: AbortSignal;
}

export interface ReadQueryResult {
  /** Column names and DuckDB types, in order. */
  columns: { name: string; type: string }[];
  /** At most `limit` rows; BIGINT/HUGEINT/DECIMAL as numbers when exact, else strings; STRUCT → object, LIST → array. */
  rows: Record<string, JsonValue>[];
  /** True when the query had more rows than the limit. */
  truncated: boolean;
}

/**
 * Why a read query did not run: `refused` (not a single SELECT), `invalid` (DuckDB could not parse, bind or run
 * it), `timeout` (interrupted after its time), `aborted` (its signal fired).
 */
export class ReadQueryError extends Error {
  constructor(
    readonly kind: 'refused' | 'invalid' | 'timeout' | 'aborted',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ReadQueryError';
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

function bounded(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new ReadQueryError('invalid', `${name} must be an integer from 1 to ${max}, got ${value}`);
  return value;
}

/** Prepares the one statement of `sql`, refusing anything DuckDB does not call a SELECT (WITH … SELECT is one). */
async function prepareSelect(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  let prepared: DuckDBPreparedStatement;
  try {
    const statements = await connection.extractStatements(sql);
    if (statements.count === 0) throw new ReadQueryError('invalid', 'the query is empty');
    if (statements.count > 1) throw new ReadQueryError('refused', `the query holds ${statements.count} statements; send one SELECT at a time`);
    prepared = await statements.prepare(0);
  } catch (error) {
    if (error instanceof ReadQueryError) throw error;
    throw new ReadQueryError('invalid', `DuckDB rejected the query: ${firstLine(error)}`, { cause: error });
  }
  if (prepared.statementType !== StatementType.SELECT) {
    const kind = StatementType[prepared.statementType] ?? String(prepared.statementType);
    prepared.destroySync();
    throw new ReadQueryError('refused', `only SELECT queries (WITH … SELECT included) may run here; this is a ${kind} statement`);
  }
  return prepared;
}

/** Runs one read-only query on `connection` (which the caller owns and closes). */
export async function runReadQuery(connection: DuckDBConnection, sql: string, options: ReadQueryOptions = {}): Promise<ReadQueryResult> {
  const limit = bounded('the row limit', options.limit, DEFAULT_ROW_LIMIT, MAX_ROW_LIMIT);
  const timeoutMs = bounded('the timeout (ms)', options.timeoutMs, DEFAULT_QUERY_TIMEOUT_MS, MAX_QUERY_TIMEOUT_MS);
  if (options.signal?.aborted) throw new ReadQueryError('aborted', 'the query was cancelled');
  for (const statement of options.setup ?? []) await connection.run(statement);
  const prepared = await prepareSelect(connection, sql);
  let stopped: 'timeout' | 'aborted' | null = null;
  const stop = (why: 'timeout' | 'aborted'): void => {
    stopped ??= why;
    connection.interrupt();
  };
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  const onAbort = (): void => stop('aborted');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  await connection.run('BEGIN TRANSACTION READ ONLY');
  try {
    // One row past the limit tells whether there were more; DuckDB reads whole chunks and stops there.
    const reader = await prepared.streamAndReadUntil(limit + 1);
    if (stopped) throw new ReadQueryError(stopped, stopped === 'timeout' ? `the query ran longer than ${timeoutMs} ms and was interrupted` : 'the query was cancelled');
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const all = reader.convertRowObjects(jsonValueConverter);
    const rows = all.slice(0, limit).map((row) => {
      const out: Record<string, JsonValue> = {};
      for (const [key, value] of Object.entries(row)) out[key] = value ?? null;
      return out;
    });
    return { columns: names.map((name, i) => ({ name, type: types[i]?.toString() ?? 'UNKNOWN' })), rows, truncated: all.length > limit || !reader.done };
  } catch (error) {
    if (error instanceof ReadQueryError) throw error;
    if (stopped === 'timeout') throw new ReadQueryError('timeout', `the query ran longer than ${timeoutMs} ms and was interrupted`, { cause: error });
    if (stopped === 'aborted') throw new ReadQueryError('aborted', 'the query was cancelled', { cause: error });
    const message = firstLine(error);
    // The READ ONLY transaction is the second guard: DuckDB may only find a write while running (e.g. nextval).
    if (/read-only/i.test(message)) throw new ReadQueryError('refused', `the query tried to write: ${message}`, { cause: error });
    throw new ReadQueryError('invalid', `DuckDB rejected the query: ${message}`, { cause: error });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    prepared.destroySync();
    await connection.run('ROLLBACK').catch(() => undefined);
  }
}
