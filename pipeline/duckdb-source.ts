/**
 * The local warehouse as a transform source: each dataset is one query (an analysis model, or a ground-truth
 * table) whose result DuckDB streams chunk by chunk (`Warehouse.stream`), so memory stays flat whatever the size.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelDependencies, modelSql, suffixOf, type DateRange, type ModelName } from '../analysis/models';
import { BIGQUERY_SESSION_SETUP } from '../warehouse/bigquery/query-bigquery';
import { quoteIdent, sqlString } from '../warehouse/duckdb-types';
import { WAREHOUSE_FILE, Warehouse, type WarehouseSession } from '../warehouse/warehouse';
import { DATASET_SPECS, LABEL_COLUMNS, type ColumnType, type DatasetColumn, type DatasetName, type LabelColumn } from './datasets';
import type { RowSource, RowStream, WrittenDataset } from './row-source';
import type { FileFormat } from './sinks';

/** DuckDB's type names → the files' column types. Nested types never reach a dataset (the models flatten them). */
export function columnTypeOfDuckdb(type: string): ColumnType {
  if (/^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|UHUGEINT)$/.test(type)) return 'int64';
  if (/^(DOUBLE|FLOAT|REAL|DECIMAL)/.test(type)) return 'double';
  if (type === 'BOOLEAN') return 'boolean';
  if (type === 'VARCHAR' || type === 'JSON' || type === 'DATE' || type.startsWith('TIMESTAMP') || type === 'UUID') return 'string';
  throw new Error(`a dataset column of DuckDB type ${type} has no flat file type (models must flatten nested values)`);
}

/** The DuckDB type each file column type is written as. */
const DUCKDB_TYPE: Readonly<Record<ColumnType, string>> = { string: 'VARCHAR', int64: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN' };

function labelExpr(c: LabelColumn): string {
  const col = quoteIdent(c.column);
  if (c.read === 'json') return `CAST(${col} AS VARCHAR) AS ${quoteIdent(c.as)}`;
  if (c.read === 'millis') return `epoch_ms(${col}) AS ${quoteIdent(c.as)}`;
  return `${col} AS ${quoteIdent(c.as)}`;
}

/**
 * DuckDB's memory for a transform: enough for the two lanes' COPYs at once over a million events (at 192MB one
 * Parquet run in eight ran out of memory), small enough that the whole process (Node, DuckDB, the writers) stays
 * under half a GiB (443–496 MiB in five runs at 224MB; 456–516 at 256MB; pipeline/README.md, "Measured").
 */
export const TRANSFORM_MEMORY_LIMIT = '224MB';

/**
 * DuckDB's threads for a transform: one. The transform runs two COPYs at once (the events file beside the others,
 * transform.ts), each on a thread of its own; two threads on one COPY cost about twice the CPU of one for little
 * less wall time, and two COPYs of two threads each did not fit the memory limit (pipeline/README.md, "Measured").
 */
export const TRANSFORM_THREADS = 1;

/**
 * The models `writeFile` computes once per transform into a TEMP table of its connection and reads from there:
 * sessions, which the sessions and users datasets both need (composed as one query each, users computed every
 * session again). stg_events is not among them: a million events' worth of table costs more to store (it spills
 * at the memory limit) than the second parameter lookup it would save (pipeline/README.md, "Measured").
 */
const MATERIALIZED: Readonly<Partial<Record<ModelName, string>>> = { sessions: 'shoplab_transform_sessions' };

export interface DuckdbSourceOptions {
  /** DuckDB's memory_limit (e.g. `256MB`). */
  memoryLimit?: string;
  /** DuckDB worker threads; default TRANSFORM_THREADS. */
  threads?: number;
}

/**
 * Row groups of 16,384 rows instead of DuckDB's 122,880: the writer holds a row group in memory until it is full, and
 * the events' row group beside the other lane's COPY ran out of the memory limit.
 */
const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 16384';

export class DuckdbSource implements RowSource {
  readonly kind = 'duckdb';
  /** `writeFile`'s connection, which holds the MATERIALIZED tables; opened on first use. */
  private session: WarehouseSession | null = null;
  /** The range the MATERIALIZED tables were computed over (JSON), per model. */
  private readonly computed = new Map<ModelName, string>();

  private constructor(
    private readonly wh: Warehouse,
    /** DuckDB's spill folder, removed on close; null when the warehouse belongs to the caller. */
    private readonly spill: string | null = null,
  ) {}

  get location(): string {
    return this.wh.file;
  }

  /**
   * Opens `<dataDir>/shoplab.duckdb` read-only (so a transform never changes the data it reads), with DuckDB's
   * memory bounded (`memoryLimit`, default TRANSFORM_MEMORY_LIMIT) and a spill folder of its own: the models' sorts
   * and aggregations over millions of events then spill to disk instead of growing the process without bound.
   */
  static async open(dataDir: string, options: DuckdbSourceOptions = {}): Promise<DuckdbSource> {
    const file = join(dataDir, WAREHOUSE_FILE);
    if (!existsSync(file)) throw new Error(`no warehouse at ${file} (run \`shoplab simulate\` or \`shoplab serve\` first, or pass --data)`);
    const wh = await Warehouse.open({
      dataDir,
      readOnly: true,
      memoryLimit: options.memoryLimit ?? TRANSFORM_MEMORY_LIMIT,
      threads: options.threads ?? TRANSFORM_THREADS,
    });
    const spill = mkdtempSync(join(tmpdir(), 'shoplab-transform-spill-'));
    try {
      // Global settings of this process's instance of the file: every connection (one per query) inherits them.
      // Row order comes from each dataset's ORDER BY, so the scans need not keep insertion order (which costs memory).
      // Filter pushdown is off because the translated `FROM events, UNNEST(items) AS item … WHERE …` is a LATERAL
      // subquery: with a WHERE pushed into it, DuckDB no longer turns it into a plain UNNEST and instead
      // materializes every event and hash-joins it back to its own items, many times the cost of the whole
      // model (pipeline/README.md, "Measured"). The only filters left above the scans are the day range's, which
      // then read the whole events table once per dataset: a scan, cheap next to the models themselves.
      await wh.query(
        `SET GLOBAL temp_directory = ${sqlString(spill)}; SET GLOBAL preserve_insertion_order = false; SET GLOBAL disabled_optimizers = 'filter_pushdown'`,
      );
    } catch (error) {
      await wh.close();
      rmSync(spill, { recursive: true, force: true });
      throw error;
    }
    return new DuckdbSource(wh, spill);
  }

  /** Reads a warehouse that is already open in this process (tests, and `serve`'s own handle). */
  static of(wh: Warehouse): DuckdbSource {
    return new DuckdbSource(wh);
  }

  private eventFilter(range: DateRange): string {
    const from = range.from === undefined ? undefined : suffixOf(range.from, '--from');
    const to = range.to === undefined ? undefined : suffixOf(range.to, '--to');
    return `${from ? ` AND event_date >= '${from}'` : ''}${to ? ` AND event_date <= '${to}'` : ''}`;
  }

  async countEvents(range: DateRange): Promise<number> {
    const [row] = await this.wh.query(`SELECT count(*) AS n FROM ${quoteIdent(this.wh.dataset)}.events WHERE TRUE${this.eventFilter(range)}`);
    return Number(row?.n ?? 0);
  }

  async hasGroundTruth(): Promise<boolean> {
    const rows = await this.wh.query(
      `SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'ground_truth' AND table_name IN ('sim_users', 'sim_sessions')`,
    );
    return Number(rows[0]?.n ?? 0) === 2;
  }

  /**
   * One dataset's query in parts: the session setup the translated models need, the SELECT without its order, and
   * the row order in the result's own column names (so that a query wrapped around the SELECT can sort by it).
   */
  private parts(
    dataset: DatasetName,
    range: DateRange,
    materialized: Partial<Record<ModelName, string>> = {},
  ): { setup: string; select: string; orderBy: string } {
    const spec = DATASET_SPECS[dataset];
    if (spec.kind === 'model') {
      return {
        setup: `${BIGQUERY_SESSION_SETUP};\n`,
        select: modelSql(spec.model, { ...range, dataset: this.wh.dataset, materialized }),
        orderBy: spec.orderBy,
      };
    }
    // Labels of the clients (and sessions) that have events in the range, so that they match the other files.
    const events = `${quoteIdent(this.wh.dataset)}.events`;
    const columns = LABEL_COLUMNS[spec.table].map(labelExpr).join(', ');
    const select = `SELECT ${columns} FROM ground_truth.${spec.table}
      WHERE client_id IN (SELECT user_pseudo_id FROM ${events} WHERE TRUE${this.eventFilter(range)})`;
    // started_at_ms is started_at in whole ms, as stored (the runner records milliseconds).
    return { setup: '', select, orderBy: spec.table === 'sim_users' ? 'run_id, user_pseudo_id' : 'started_at_ms, run_id, session_index' };
  }

  /** The DuckDB SQL of one dataset over a date range. */
  sql(dataset: DatasetName, range: DateRange): string {
    const { setup, select, orderBy } = this.parts(dataset, range);
    return `${setup}SELECT * FROM (\n${select}\n) AS d ORDER BY ${orderBy}`;
  }

  async open(dataset: DatasetName, range: DateRange): Promise<RowStream> {
    const stream = await this.wh.stream(this.sql(dataset, range));
    const columns = stream.columns.map((c) => ({ name: c.name, type: columnTypeOfDuckdb(c.type) }));
    return { columns, batches: stream.chunks, close: () => stream.close() };
  }

  /**
   * DuckDB writes the file itself (`COPY (query) TO file`), with its own CSV writer (RFC 4180: fields holding the
   * delimiter, a quote or a line break are quoted, quotes doubled; NULL an empty field, an empty string `""`) or
   * Parquet writer (snappy). Every column is cast to the type the manifest names, so that Parquet's physical types
   * are exactly int64 / double / boolean / string whatever the model's DuckDB type (INTEGER, DECIMAL, …), and
   * the CSV prints the same numbers Parquet holds. Rows follow the dataset's ORDER BY, as from `open`.
   */
  async writeFile(dataset: DatasetName, range: DateRange, format: FileFormat, file: string): Promise<WrittenDataset> {
    // A dataset built on a MATERIALIZED model runs on the session that holds its table; any other on connections
    // of its own, so that it can be written at the same time as those (the transform's lanes).
    const needed = this.materializedFor(dataset);
    let run: (sql: string) => Promise<Record<string, unknown>[]> = (sql) => this.wh.query(sql);
    let materialized: Partial<Record<ModelName, string>> = {};
    if (needed.length > 0) {
      this.session ??= await this.wh.session();
      const session = this.session;
      materialized = await this.materialize(session, needed, range);
      run = (sql) => session.query(sql);
    }
    const { setup, select, orderBy } = this.parts(dataset, range, materialized);
    const described = await run(`${setup}DESCRIBE (\n${select}\n)`);
    const columns: DatasetColumn[] = described.map((c) => {
      if (typeof c.column_name !== 'string' || typeof c.column_type !== 'string') throw new Error(`DESCRIBE of ${dataset} gave no column name and type`);
      return { name: c.column_name, type: columnTypeOfDuckdb(c.column_type) };
    });
    const casts = columns.map((c) => `CAST(${quoteIdent(c.name)} AS ${DUCKDB_TYPE[c.type]}) AS ${quoteIdent(c.name)}`).join(', ');
    const options = format === 'csv' ? "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NEW_LINE '\\n'" : PARQUET_OPTIONS;
    const [result] = await run(
      `${setup}COPY (SELECT ${casts} FROM (\n${select}\n) AS d ORDER BY ${orderBy}) TO ${sqlString(file)} (${options})`,
    );
    return { rows: Number(result?.Count ?? 0), columns };
  }

  /** The MATERIALIZED models a dataset is built on, dependencies first, each with its table's name. */
  private materializedFor(dataset: DatasetName): [ModelName, string][] {
    const spec = DATASET_SPECS[dataset];
    if (spec.kind !== 'model') return [];
    return [...modelDependencies(spec.model), spec.model].flatMap((model): [ModelName, string][] => {
      const table = MATERIALIZED[model];
      return table === undefined ? [] : [[model, table]];
    });
  }

  /**
   * The `needed` MATERIALIZED models, each computed over `range` into its TEMP table on the session the first time a
   * dataset needs it (again if the range changed), by table name for `modelSql`.
   */
  private async materialize(session: WarehouseSession, needed: readonly [ModelName, string][], range: DateRange): Promise<Partial<Record<ModelName, string>>> {
    const key = JSON.stringify([range.from ?? null, range.to ?? null]);
    const tables: Partial<Record<ModelName, string>> = {};
    for (const [model, table] of needed) {
      if (this.computed.get(model) !== key) {
        this.computed.delete(model);
        // Built over what is already materialized, so each model is computed once.
        const select = modelSql(model, { ...range, dataset: this.wh.dataset, materialized: tables });
        await session.query(`${BIGQUERY_SESSION_SETUP};\nCREATE OR REPLACE TEMP TABLE ${quoteIdent(table)} AS\n${select}`);
        this.computed.set(model, key);
      }
      tables[model] = table;
    }
    return tables;
  }

  async finish(): Promise<void> {
    const session = this.session;
    this.session = null;
    this.computed.clear();
    await session?.close();
  }

  async close(): Promise<void> {
    try {
      await this.finish();
      await this.wh.close();
    } finally {
      if (this.spill) rmSync(this.spill, { recursive: true, force: true });
    }
  }
}
