/**
 * The local warehouse as a transform source: each dataset is one query (an analysis model, or a ground-truth
 * table) whose result DuckDB streams chunk by chunk (`Warehouse.stream`), so memory stays flat whatever the size.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { modelSql, suffixOf, type DateRange } from '../analysis/models';
import { BIGQUERY_SESSION_SETUP } from '../warehouse/bigquery/query-bigquery';
import { quoteIdent } from '../warehouse/duckdb-types';
import { WAREHOUSE_FILE, Warehouse } from '../warehouse/warehouse';
import { DATASET_SPECS, LABEL_COLUMNS, type ColumnType, type DatasetName, type LabelColumn } from './datasets';
import type { RowSource, RowStream } from './row-source';

/** DuckDB's type names → the files' column types. Nested types never reach a dataset (the models flatten them). */
export function columnTypeOfDuckdb(type: string): ColumnType {
  if (/^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|UHUGEINT)$/.test(type)) return 'int64';
  if (/^(DOUBLE|FLOAT|REAL|DECIMAL)/.test(type)) return 'double';
  if (type === 'BOOLEAN') return 'boolean';
  if (type === 'VARCHAR' || type === 'JSON' || type === 'DATE' || type.startsWith('TIMESTAMP') || type === 'UUID') return 'string';
  throw new Error(`a dataset column of DuckDB type ${type} has no flat file type (models must flatten nested values)`);
}

function labelExpr(c: LabelColumn): string {
  const col = quoteIdent(c.column);
  if (c.read === 'json') return `CAST(${col} AS VARCHAR) AS ${quoteIdent(c.as)}`;
  if (c.read === 'millis') return `epoch_ms(${col}) AS ${quoteIdent(c.as)}`;
  return `${col} AS ${quoteIdent(c.as)}`;
}

export class DuckdbSource implements RowSource {
  readonly kind = 'duckdb';

  private constructor(private readonly wh: Warehouse) {}

  get location(): string {
    return this.wh.file;
  }

  /** Opens `<dataDir>/shoplab.duckdb` read-only (so a transform never changes the data it reads). */
  static async open(dataDir: string): Promise<DuckdbSource> {
    const file = join(dataDir, WAREHOUSE_FILE);
    if (!existsSync(file)) throw new Error(`no warehouse at ${file} (run \`shoplab simulate\` or \`shoplab serve\` first, or pass --data)`);
    return new DuckdbSource(await Warehouse.open({ dataDir, readOnly: true }));
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

  /** The DuckDB SQL of one dataset over a date range. */
  sql(dataset: DatasetName, range: DateRange): string {
    const spec = DATASET_SPECS[dataset];
    if (spec.kind === 'model') {
      const sql = modelSql(spec.model, { ...range, dataset: this.wh.dataset });
      return `${BIGQUERY_SESSION_SETUP};\nSELECT * FROM (\n${sql}\n) AS ${spec.model} ORDER BY ${spec.orderBy}`;
    }
    // Labels of the clients (and sessions) that have events in the range, so that they match the other files.
    const events = `${quoteIdent(this.wh.dataset)}.events`;
    const columns = LABEL_COLUMNS[spec.table].map(labelExpr).join(', ');
    const filter = this.eventFilter(range);
    if (spec.table === 'sim_users') {
      return `SELECT ${columns} FROM ground_truth.sim_users
        WHERE client_id IN (SELECT user_pseudo_id FROM ${events} WHERE TRUE${filter})
        ORDER BY run_id, client_id`;
    }
    return `SELECT ${columns} FROM ground_truth.sim_sessions
      WHERE client_id IN (SELECT user_pseudo_id FROM ${events} WHERE TRUE${filter})
      ORDER BY started_at, run_id, session_index`;
  }

  async open(dataset: DatasetName, range: DateRange): Promise<RowStream> {
    const stream = await this.wh.stream(this.sql(dataset, range));
    const columns = stream.columns.map((c) => ({ name: c.name, type: columnTypeOfDuckdb(c.type) }));
    return { columns, batches: stream.chunks, close: () => stream.close() };
  }

  async close(): Promise<void> {
    await this.wh.close();
  }
}
