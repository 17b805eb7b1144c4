import { Option, type Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { QueryRequest } from '../../collector/query-api';
import { BigQueryExecutionError, readQueryBigQuery } from '../../warehouse/bigquery/query-bigquery';
import { translateBigQuery } from '../../warehouse/bigquery/translate-bigquery';
import { formatRows } from '../../warehouse/format';
import { DEFAULT_QUERY_TIMEOUT_MS, DEFAULT_ROW_LIMIT } from '../../warehouse/read-query';
import { WAREHOUSE_FILE, Warehouse, WarehouseInUseError, type ReadQueryResult } from '../../warehouse/warehouse';
import { callApi, clientToken, serverHolding, TOKEN_ENV } from '../api-client';
import { dataOption, parsePositiveInt } from '../options';

interface SqlOptions {
  format: 'table' | 'json' | 'csv';
  dialect: 'bigquery' | 'duckdb';
  dataset?: string;
  printTranslation?: boolean;
  file?: string;
  url?: string;
  token?: string;
  limit: number;
  timeout: number;
  data: string;
}

/** The dataset `shoplab sql` reads: the CLI's warehouse uses the default property. */
const LOCAL_DATASET = 'analytics_shoplab';

/**
 * The query text: the argument, or `-f FILE` / `-f -` (stdin). An argument that looks like a mistyped option
 * (`--formt`, one word) is reported as one; SQL that begins with a `--` comment has a space or a line after it.
 */
function queryText(query: string | undefined, o: SqlOptions): string {
  if (query !== undefined && o.file !== undefined) throw new Error('give the query either as an argument or with -f, not both');
  if (o.file !== undefined) {
    const text = o.file === '-' ? readFileSync(0, 'utf8') : readFileSync(o.file, 'utf8');
    if (text.trim() === '') throw new Error(`${o.file === '-' ? 'stdin' : o.file} holds no query`);
    return text;
  }
  if (query === undefined || query.trim() === '') throw new Error('give a query, e.g. shoplab sql "SELECT count(*) FROM analytics_shoplab.events", or -f FILE');
  if (/^-\S*$/.test(query)) throw new Error(`unknown option '${query}'`);
  return query;
}

/** Runs the query through the private API of the server at `url`. */
async function viaServer(url: string, sql: string, o: SqlOptions): Promise<ReadQueryResult> {
  const token = clientToken(o.token, o.data, url);
  const request: QueryRequest = { sql, dialect: o.dialect, limit: o.limit, timeoutMs: o.timeout * 1000, ...(o.dataset !== undefined ? { dataset: o.dataset } : {}) };
  // The server interrupts the query at its timeout; the HTTP call waits a little longer for that answer.
  return callApi<ReadQueryResult>(url, token, '/api/query', request, o.timeout * 1000 + 30_000);
}

async function locally(sql: string, o: SqlOptions): Promise<ReadQueryResult> {
  const file = join(o.data, WAREHOUSE_FILE);
  if (!existsSync(file)) throw new Error(`no warehouse at ${file} (run \`shoplab simulate\` or \`shoplab serve\` first, or pass --data)`);
  let wh: Warehouse;
  try {
    wh = await Warehouse.open({ dataDir: o.data, readOnly: true });
  } catch (error) {
    // A server that left no server.json (one that started before this version): say how to reach it.
    if (error instanceof WarehouseInUseError) throw new Error(`${error.message}; query it through the server with --url and --token`, { cause: error });
    throw error;
  }
  try {
    const read = { limit: o.limit, timeoutMs: o.timeout * 1000 };
    return o.dialect === 'bigquery' ? await readQueryBigQuery(wh, sql, { ...read, ...(o.dataset !== undefined ? { sourceDataset: o.dataset } : {}) }) : await wh.readQuery(sql, read);
  } finally {
    await wh.close();
  }
}

export function registerSql(program: Command): void {
  program
    .command('sql')
    .description(
      'run a read-only query (SELECT / WITH) on the warehouse: BigQuery SQL as written for the GA4 export (default), or DuckDB SQL. ' +
        'While `shoplab serve` holds the data directory, the query goes through that server (its <data>/server.json and token); --url queries a remote one',
    )
    .argument('[query]', 'the SQL query (or -f FILE); a query may begin with a -- comment')
    .option('-f, --file <file>', 'read the query from FILE (- for stdin)')
    .addOption(
      new Option('--dialect <dialect>', 'bigquery: GA4 export queries run unchanged (`project.dataset.events_*`, _TABLE_SUFFIX, UNNEST, …; see docs/sql.md); duckdb: DuckDB SQL on the local tables')
        .choices(['bigquery', 'duckdb'])
        .default('bigquery'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .addOption(
      new Option('--dataset <name>', 'bigquery dialect: the only dataset name queries may use (e.g. analytics_123456); it maps to the local dataset (default: any dataset name maps)'),
    )
    .option('--limit <rows>', 'most rows returned; a note on stderr says when there were more', parsePositiveInt('--limit'), DEFAULT_ROW_LIMIT)
    .option('--timeout <seconds>', 'interrupt the query after this many seconds', parsePositiveInt('--timeout'), DEFAULT_QUERY_TIMEOUT_MS / 1000)
    .option('--url <url>', 'query the warehouse of the ShopLab server at this URL (e.g. http://127.0.0.1:8000)')
    .option('--token <token>', `the server's private API token (default env ${TOKEN_ENV}, else <data>/token)`)
    .option('--print-translation', 'bigquery dialect: print the DuckDB SQL the query translates to, and run nothing')
    .addOption(dataOption())
    // A query that begins with a `--` comment looks like an option to commander; queryText tells the two apart.
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (query: string | undefined, o: SqlOptions, command: Command) => {
      const extra = command.args.slice(1);
      if (extra.length > 0) {
        const option = command.args.find((a) => /^-\S*$/.test(a));
        throw new Error(option !== undefined ? `unknown option '${option}'` : `one query at a time: quote it as one argument (got ${command.args.length})`);
      }
      const sql = queryText(query, o);
      const translateOptions = o.dataset === undefined ? {} : { sourceDataset: o.dataset };
      if (o.printTranslation) {
        if (o.dialect !== 'bigquery') throw new Error('--print-translation needs --dialect bigquery');
        process.stdout.write(`${translateBigQuery(sql, { ...translateOptions, dataset: LOCAL_DATASET })}\n`);
        return;
      }
      const server = o.url ?? serverHolding(o.data);
      const result = await (server !== null ? viaServer(server, sql, o) : locally(sql, o)).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof BigQueryExecutionError || message.startsWith('DuckDB rejected the translated query')) throw new Error(`${message} (see it with --print-translation)`, { cause: error });
        throw error;
      });
      process.stdout.write(`${formatRows(result.rows, o.format)}\n`);
      if (result.truncated) process.stderr.write(`shoplab: showing the first ${o.limit} rows; there are more (raise --limit)\n`);
    });
}
