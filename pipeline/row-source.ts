/** What a transform reads from: the local DuckDB warehouse or BigQuery, behind one interface. */
import type { DateRange } from '../analysis/models';
import type { JsonValue } from '../warehouse/warehouse';
import type { DatasetColumn, DatasetName } from './datasets';
import type { FileFormat } from './sinks';

/** What a source that writes a dataset's file itself reports about it. */
export interface WrittenDataset {
  rows: number;
  columns: DatasetColumn[];
}

/** One dataset's rows as they stream out of the source. */
export interface RowStream {
  columns: DatasetColumn[];
  /** Rows in batches (DuckDB: one result chunk; BigQuery: one page), each row an array in `columns` order. */
  batches: AsyncIterable<JsonValue[][]>;
  /** Stops the query early (after an error downstream); safe after the end. */
  close(): void;
}

export interface RowSource {
  readonly kind: 'duckdb' | 'bigquery';
  /** Where the data comes from, for the manifest (a file path or `project.dataset`). */
  readonly location: string;
  /** Export rows (events) in the range, for the progress bar and the manifest. */
  countEvents(range: DateRange): Promise<number>;
  /** False when the source holds no ground truth: the label files are then left out, and the manifest says so. */
  hasGroundTruth(): Promise<boolean>;
  open(dataset: DatasetName, range: DateRange): Promise<RowStream>;
  /**
   * Writes one dataset's whole file at `file` (which must not exist yet) in the source's own engine, rows never
   * passing through JavaScript; the same columns, types and row order as `open` gives. Only where the engine can
   * write the files (DuckDB's COPY); without it, `open`'s rows go through the JavaScript writers.
   */
  writeFile?(dataset: DatasetName, range: DateRange, format: FileFormat, file: string): Promise<WrittenDataset>;
  /**
   * Frees what the source kept between one transform's datasets (DuckDB: `writeFile`'s connection and the models
   * computed once on it); the source stays usable. Called at the end of every transform, whatever its outcome.
   */
  finish?(): Promise<void>;
  close(): Promise<void>;
}
