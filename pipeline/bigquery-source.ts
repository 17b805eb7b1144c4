/**
 * BigQuery as a transform source: the same analysis models, run on BigQuery as written (the export's own engine,
 * `project.dataset.events_*`), read with the official client's `createQueryStream`, which pages through the
 * result as the consumer reads (a paused consumer stops the paging). Column names and types come from the
 * model itself, described on an empty local copy of the export schema, so that both sources write identical
 * file layouts.
 */
import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import { DuckDBInstance } from '@duckdb/node-api';
import { PassThroughClient } from 'google-auth-library';
import { checkCredentials } from '../export/bigquery-client';
import { EXPORT_SCHEMA } from '../ga4/export-schema';
import { modelSql, suffixOf, type DateRange } from '../analysis/models';
import { columnDefinitions } from '../warehouse/duckdb-types';
import type { JsonValue } from '../warehouse/warehouse';
import { DATASET_SPECS, LABEL_COLUMNS, type DatasetColumn, type DatasetName, type LabelColumn } from './datasets';
import { columnTypeOfDuckdb } from './duckdb-source';
import type { RowSource, RowStream } from './row-source';

export interface BigQuerySourceOptions {
  projectId: string;
  /** The GA4 export dataset, e.g. `analytics_123456`; ground truth is read from `<dataset>_ground_truth`. */
  dataset: string;
  /** The ground truth's dataset. Default `<dataset>_ground_truth`. */
  groundTruthDataset?: string;
  location?: string;
  /** Another endpoint (an emulator or a stand-in, `http://127.0.0.1:PORT`); then no Google credentials are used. */
  apiEndpoint?: string;
}

const NAME = /^[A-Za-z0-9_-]{1,1024}$/;
/** Rows per batch handed downstream (a batch is only a unit of progress; the client pages on its own). */
const BATCH = 1024;

/** Column names and types of a model, from DuckDB describing its local translation over an empty export table. */
async function describeModel(model: Parameters<typeof modelSql>[0]): Promise<DatasetColumn[]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    await con.run(`CREATE SCHEMA analytics_shoplab; CREATE TABLE analytics_shoplab.events (${columnDefinitions(EXPORT_SCHEMA)})`);
    const result = await con.runAndReadAll(`DESCRIBE ${modelSql(model, { dataset: 'analytics_shoplab' })}`);
    return result.getRows().map(([name, type]) => ({ name: String(name as string), type: columnTypeOfDuckdb(String(type as string)) }));
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

function plain(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  // BigQueryTimestamp, BigQueryDate, Big (NUMERIC) and friends carry their text in `value` or print as it.
  if (typeof value === 'object' && 'value' in value) return plain(value.value);
  return JSON.stringify(value);
}

function labelExpr(c: LabelColumn): string {
  // `shoplab export bigquery` loads the ground truth's JSON columns as STRING (their JSON text), so they read as is.
  if (c.read === 'json') return `${c.column} AS ${c.as}`;
  // Times travel as STRING too (`YYYY-MM-DD HH:MM:SS[.ffffff]`, UTC), which TIMESTAMP() reads back.
  if (c.read === 'millis') return `UNIX_MILLIS(TIMESTAMP(${c.column})) AS ${c.as}`;
  return `${c.column} AS ${c.as}`;
}

export class BigQuerySource implements RowSource {
  readonly kind = 'bigquery';
  readonly location: string;
  private readonly table: string;
  private readonly truth: string;

  private constructor(
    private readonly bq: BigQuery,
    private readonly options: BigQuerySourceOptions,
  ) {
    this.location = `${options.projectId}.${options.dataset}`;
    this.table = `${options.projectId}.${options.dataset}.events_*`;
    this.truth = `${options.projectId}.${options.groundTruthDataset ?? `${options.dataset}_ground_truth`}`;
  }

  static async open(options: BigQuerySourceOptions): Promise<BigQuerySource> {
    for (const [what, value] of [['--project', options.projectId], ['--dataset', options.dataset]] as const) {
      if (!NAME.test(value)) throw new Error(`${what} "${value}" is not a BigQuery name (letters, digits, _ and -)`);
    }
    // Without credentials the client would wander through the metadata server first; say what to do instead.
    await checkCredentials({ projectId: options.projectId, ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}) });
    const config: BigQueryOptions = { projectId: options.projectId, ...(options.location ? { location: options.location } : {}) };
    if (options.apiEndpoint) {
      config.apiEndpoint = options.apiEndpoint;
      // A stand-in or emulator needs no credentials: the client still runs its auth layer, which passes through.
      config.authClient = new PassThroughClient();
    }
    return new BigQuerySource(new BigQuery(config), options);
  }

  private rangeFilter(range: DateRange): string {
    const from = range.from === undefined ? undefined : suffixOf(range.from, '--from');
    const to = range.to === undefined ? undefined : suffixOf(range.to, '--to');
    return `${from ? ` AND _TABLE_SUFFIX >= '${from}'` : ''}${to ? ` AND _TABLE_SUFFIX <= '${to}'` : ''}`;
  }

  private async queryAll(sql: string): Promise<Record<string, unknown>[]> {
    try {
      const [rows] = (await this.bq.query({ query: sql, ...(this.options.location ? { location: this.options.location } : {}) })) as [Record<string, unknown>[], ...unknown[]];
      return rows;
    } catch (error) {
      throw new Error(`BigQuery: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
    }
  }

  async countEvents(range: DateRange): Promise<number> {
    const [row] = await this.queryAll(`SELECT COUNT(*) AS n FROM \`${this.table}\` WHERE _TABLE_SUFFIX NOT LIKE 'intraday%'${this.rangeFilter(range)}`);
    return Number(plain(row?.n) ?? 0);
  }

  async hasGroundTruth(): Promise<boolean> {
    const [datasetId] = this.truth.split('.').slice(1);
    const dataset = this.bq.dataset(datasetId ?? '');
    const [users] = await dataset.table('sim_users').exists();
    const [sessions] = await dataset.table('sim_sessions').exists();
    return users && sessions;
  }

  /** The BigQuery SQL of one dataset. */
  sql(dataset: DatasetName, range: DateRange): string {
    const spec = DATASET_SPECS[dataset];
    if (spec.kind === 'model') {
      return `SELECT * FROM (\n${modelSql(spec.model, { ...range, target: 'bigquery', table: this.table })}\n) ORDER BY ${spec.orderBy}`;
    }
    const columns = LABEL_COLUMNS[spec.table].map(labelExpr).join(', ');
    const clients = `SELECT user_pseudo_id FROM \`${this.table}\` WHERE _TABLE_SUFFIX NOT LIKE 'intraday%'${this.rangeFilter(range)}`;
    const order = spec.table === 'sim_users' ? 'run_id, client_id' : 'started_at, run_id, session_index';
    return `SELECT ${columns} FROM \`${this.truth}.${spec.table}\` WHERE client_id IN (${clients}) ORDER BY ${order}`;
  }

  async open(dataset: DatasetName, range: DateRange): Promise<RowStream> {
    const spec = DATASET_SPECS[dataset];
    const columns =
      spec.kind === 'model' ? await describeModel(spec.model) : LABEL_COLUMNS[spec.table].map((c) => ({ name: c.as, type: c.type }));
    const stream = this.bq.createQueryStream({ query: this.sql(dataset, range), ...(this.options.location ? { location: this.options.location } : {}) });
    async function* batches(): AsyncGenerator<JsonValue[][]> {
      let batch: JsonValue[][] = [];
      try {
        for await (const row of stream as AsyncIterable<Record<string, unknown>>) {
          batch.push(columns.map((c) => plain(row[c.name])));
          if (batch.length >= BATCH) {
            yield batch;
            batch = [];
          }
        }
      } catch (error) {
        throw new Error(`BigQuery: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
      }
      if (batch.length > 0) yield batch;
    }
    return { columns, batches: batches(), close: () => void stream.destroy() };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
