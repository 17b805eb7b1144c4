/**
 * The local warehouse: GA4 export rows in an embedded DuckDB file, laid out like the BigQuery export
 * (dataset `analytics_<property>`, one `events` table, a view `events_YYYYMMDD` per day). See README.md.
 */

import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, realpathSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import {
  DuckDBInstance,
  listValue,
  type DuckDBConnection,
  type DuckDBResult,
  type DuckDBValue,
} from '@duckdb/node-api';
import { EXPORT_SCHEMA } from '../ga4/export-schema';
import { checkRow, columnDefinitions, ExportRowError, jsonValueConverter, quoteIdent, sqlString, type JsonValue } from './duckdb-types';
import type { ExportRow } from './export-row';
import { RecentIds } from './recent-ids';
import { checkRunId } from '../ga4/run-id';
import { runReadQuery, type ReadQueryOptions, type ReadQueryResult } from './read-query';
import { rowLine } from './row-line';
import { committedRows, splitLines, type CommitListener, type CommittedPart, type RowText } from './committed-rows';

export type * from './export-row';
export { ExportRowError, type JsonValue } from './duckdb-types';
export { rowLine } from './row-line';
export { committedLines, splitLines, type CommitListener, type CommittedRows, type RowText } from './committed-rows';
export { digestRow, packDigest, type EventDigest } from './row-digest';
export { ReadQueryError, type ReadQueryOptions, type ReadQueryResult } from './read-query';

/** The file name inside `dataDir`; one file holds every property's dataset plus the ground-truth schema. */
export const WAREHOUSE_FILE = 'shoplab.duckdb';
export const EVENTS_TABLE = 'events';
/**
 * Rows from several waiting `insertEvents` calls are committed together, up to this many per transaction. Large
 * groups amortize DuckDB's fixed cost per INSERT and per COMMIT, which dominates at small batch sizes.
 */
const MAX_ROWS_PER_TRANSACTION = 20_000;
/**
 * WAL size at which a commit also checkpoints (DuckDB's default is 16 MB). Each checkpoint rewrites the table's
 * last, partly filled row group, so at the default the ingest spent about as much CPU in checkpoints as in the
 * inserts themselves, and the commits that ran one stalled ingest. The price is a longer WAL replay when the
 * collector restarts after a crash (kill -9). Figures: warehouse/README.md, "Checkpoints".
 */
const CHECKPOINT_THRESHOLD = '256MB';
/** Stored event ids kept in memory by default (`WarehouseOptions.recentIds`). */
const DEFAULT_RECENT_IDS = 250_000;
/** Bookkeeping of the collector beside the export dataset: stored event ids (dedupe) and refused events. */
export const INGEST_SCHEMA = 'ingest';
/**
 * Scratch files beside the warehouse file that carry a group of rows, their ids and rejects to DuckDB:
 * one set per open Warehouse (two handles on one file in one process must not share one), named by process id and
 * a counter.
 */
const BATCH_FILE = /^\.shoplab-ingest-(\d+)-\d+(?:-[ab])?(?:\.ids|\.rejects)?\.ndjson$/;
let batchFileCounter = 0;

/** A group's rows and ids on their way to DuckDB, and the SQL that reads each into its table. */
interface GroupFiles {
  rows: ScratchFile;
  ids: ScratchFile;
  insertRows: string;
  insertIds: string;
  /**
   * The batches whose rows and ids the files hold, in queue order, each written as it was queued; null when the
   * files hold anything else (they then get the group's text when it commits).
   */
  holds: PendingBatch[] | null;
}

/**
 * The writer's scratch files: two sets of group files, taken in turn, and one rejects file. While DuckDB reads
 * one set, each batch queued meanwhile is written into the other as it arrives, so the next group's files are
 * ready when its turn comes instead of being written on the writer's serial path (warehouse/README.md has the cost).
 */
interface IngestFiles {
  sets: readonly [GroupFiles, GroupFiles];
  /** The set that takes the batches being queued, and the next group. */
  filling: 0 | 1;
  rejects: ScratchFile;
  insertRejects: string;
}

function scratchFilesOf(files: IngestFiles): ScratchFile[] {
  return [...files.sets.flatMap((set) => [set.rows, set.ids]), files.rejects];
}

/**
 * A stored event's dedupe identity with the parts that the purge of a simulated run matches on, kept as columns of
 * `ingest.event_ids` so that nothing ever has to take the key apart again. A plain string is a key without parts
 * (such an event is never purged by run).
 */
export interface EventId {
  /** The dedupe key: equal keys are one event. */
  key: string;
  clientId: string;
  /** The event's timestamp (µs) that the key holds. */
  micros: number;
  /** The simulated run that sent it (`shoplab_run_id`), or null. */
  runId: string | null;
}

function keyOf(id: string | EventId): string {
  return typeof id === 'string' ? id : id.key;
}

/** An id's line in the ids file. */
function idLine(id: string | EventId): string {
  if (typeof id === 'string') return `{"event_id":${JSON.stringify(id)}}`;
  return `{"event_id":${JSON.stringify(id.key)},"client_id":${JSON.stringify(id.clientId)},"event_micros":${id.micros},"run_id":${id.runId === null ? 'null' : JSON.stringify(id.runId)}}`;
}

/**
 * A scratch file kept open, whose whole content each group replaces: written over in place from the start, then
 * cut to the new length. Replacing it with writeFileSync truncated it to zero first, and on ext4 a file truncated
 * to zero and written again is flushed to disk when closed (auto_da_alloc): a flush on the writer's serial path
 * between two DuckDB calls, and disk writes beside the WAL's, for every group (warehouse/README.md).
 */
class ScratchFile {
  private readonly fd: number;
  /** Bytes of the current content. */
  private length = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w+');
  }

  get empty(): boolean {
    return this.length === 0;
  }

  /** Starts new content (the old bytes stay until `seal`). */
  reset(): void {
    this.length = 0;
  }

  /** Writes text (or its UTF-8 bytes) after the current content. */
  append(text: RowText): void {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at, bytes.length - at, this.length + at);
    this.length += bytes.length;
  }

  /** Replaces the content with the parts joined by `\n`. */
  replaceLines(parts: readonly RowText[]): void {
    this.reset();
    parts.forEach((part, i) => {
      if (i > 0) this.append('\n');
      this.append(part);
    });
    this.seal();
  }

  /** Cuts off what is left of older, longer content, so that the file holds exactly the current content. */
  seal(): void {
    ftruncateSync(this.fd, this.length);
  }

  replace(text: string): void {
    this.replaceLines([text]);
  }

  remove(): void {
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes scratch files left by processes that died (kill -9) while holding the file. */
function removeStaleBatchFiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = BATCH_FILE.exec(name)?.[1];
    if (pid !== undefined && Number(pid) !== process.pid && !processAlive(Number(pid))) rmSync(path.join(dir, name), { force: true });
  }
}
const EVENT_DATE = /^\d{8}$/;
const PROPERTY = /^[A-Za-z0-9_]{1,64}$/;

export interface WarehouseOptions {
  /** Folder that holds `shoplab.duckdb`; created if missing (unless `readOnly`). */
  dataDir: string;
  /** GA4 property id; the dataset is `analytics_<property>`. Letters, digits and `_` only. Default `'shoplab'`. */
  property?: string;
  /**
   * Open without write access, so that several readers can share the file. DuckDB still refuses while another
   * process has it open for writing (a running collector). Default `false`.
   */
  readOnly?: boolean;
  /**
   * DuckDB worker threads of this process's instance of the file (a setting of the whole instance, so it also
   * applies to queries). Default: DuckDB's own, one per core.
   */
  threads?: number;
  /**
   * How many stored event ids the writer keeps in memory to skip retried rows without asking DuckDB: the most
   * recent ones. Beyond them `ingest.event_ids` is the truth, read for the ids of each group that memory does not
   * hold, so a bigger value saves those reads at the cost of memory (warehouse/README.md). Default 250,000.
   */
  recentIds?: number;
  /**
   * DuckDB's memory limit for this process's instance, as DuckDB spells sizes (`'256MB'`, `'1GiB'`). DuckDB's
   * own default is 80 % of the machine's RAM, which a long ingest fills with cached blocks and never gives back;
   * beyond the limit DuckDB evicts to its temp folder. Default: DuckDB's.
   */
  memoryLimit?: string;
  /**
   * WAL size at which a commit also checkpoints, as DuckDB spells sizes. Until a checkpoint DuckDB holds the rows
   * appended since the last one in memory (about 1.6 KB each against ~0.9 KB of WAL), so this bounds that memory;
   * a smaller value checkpoints more often, each rewriting the table's last, partly filled row group. Default
   * CHECKPOINT_THRESHOLD.
   */
  checkpointThreshold?: string;
}

/** A DuckDB size setting: digits, an optional fraction, a unit. */
const DUCKDB_SIZE = /^\d+(?:\.\d+)?\s*(?:[KMGT]i?B)$/i;

/** Bytes of a size as DuckDB reads it (KB, MB… are powers of 1000; KiB, MiB… of 1024). */
export function duckdbSizeBytes(size: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT])(i?)B$/i.exec(size);
  if (!match?.[1] || !match[2]) throw new Error(`not a DuckDB size: ${JSON.stringify(size)}`);
  const power = 'KMGT'.indexOf(match[2].toUpperCase()) + 1;
  return Number(match[1]) * (match[3] ? 1024 : 1000) ** power;
}

/** The smallest memory limit that holds the rows of a full WAL (about twice its bytes) and 64 MB for the rest. */
export function minimumMemoryLimit(checkpointThreshold: string): number {
  return 2 * duckdbSizeBytes(checkpointThreshold) + 64e6;
}
/** Queries on one connection of their own (`Warehouse.session`). */
export interface WarehouseSession {
  /** As `Warehouse.query`, on the session's connection, after the session's earlier queries. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, JsonValue>[]>;
  /** Waits for the last query, then closes the connection (its temp tables go with it). Safe more than once. */
  close(): Promise<void>;
}

/** Rows of a query as objects of JSON values (see `Warehouse.query`). */
async function queryRows(connection: DuckDBConnection, sql: string, values: readonly DuckDBValue[]): Promise<Record<string, JsonValue>[]> {
  const reader = await connection.runAndReadAll(sql, values.length > 0 ? [...values] : undefined);
  return reader.convertRowObjects(jsonValueConverter).map((row) => {
    // The converter only returns null for SQL NULL; the library's type allows it at the top level too.
    const out: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(row)) out[key] = value ?? null;
    return out;
  });
}

/** A streaming query result (`Warehouse.stream`). */
export interface QueryStream {
  /** Result columns, with DuckDB's type names (`VARCHAR`, `BIGINT`, `DOUBLE`, `BOOLEAN`, `STRUCT(…)`, …). */
  columns: { name: string; type: string }[];
  /** The rows of each chunk as arrays in column order; ends the query when the loop ends or breaks. */
  chunks: AsyncIterable<JsonValue[][]>;
  /** Stops the query and frees its connection (also safe after the iteration ended). */
  close(): void;
}

/** Thrown by `Warehouse.open` when another process holds the DuckDB file lock. */
export class WarehouseInUseError extends Error {
  constructor(
    readonly file: string,
    options?: ErrorOptions,
  ) {
    super(`warehouse ${file} is in use by another process (is \`shoplab serve\` running?)`, options);
    this.name = 'WarehouseInUseError';
  }
}

/** One refused event (or request), as the collector records it in `ingest.rejects`. */
export interface RejectRow {
  received_at_micros: number;
  endpoint: string;
  measurement_id: string | null;
  stream_id: string | null;
  client_id: string | null;
  /** Index of the event in its request; null when the whole request was refused before its events were read. */
  event_index: number | null;
  event_name: string | null;
  field_path: string;
  validation_code: string;
  description: string;
  /** The event (or, for a request-level refusal, the body) as sent, truncated to 130 KiB; never the api_secret. */
  payload: string | null;
}

export interface InsertOptions {
  /**
   * A stable id per row (same order as `rows`), for idempotent retries: a row whose id is already stored, or
   * repeated within the call, is skipped. `null` means the row has no stable identity and is always stored.
   */
  ids?: readonly (string | EventId | null)[];
  /** Refused events to record in the same transaction, so that they are committed when the call resolves. */
  rejects?: readonly RejectRow[];
}

export interface InsertResult {
  /** Rows written now. */
  stored: number;
  /** Rows skipped because their id was already stored. */
  duplicates: number;
}

/**
 * Rows already turned into JSON lines (what COPY FROM reads), e.g. by a worker thread: `text` is `rowLine` of each row joined by
 * `\n`, as a string or as its UTF-8 bytes, and `dates` holds each row's `event_date`, in the same order. Bytes are
 * what a worker thread should send: their buffer moves to the main thread without a copy and stays outside V8's
 * heap until it is written to the scratch file (collector/README.md, "Memory under sustained ingest").
 */
export interface SerializedRows {
  text: RowText;
  dates: readonly string[];
  /**
   * `packDigest(digestRow(row))` of each row joined by `\n`, in the same order: handed to the commit listeners
   * (CommittedRows.digests) so that they need not read the lines. Default: digested from the lines when asked.
   */
  digests?: string;
}

const NEWLINE = 0x0a;

/** Rows in the text: one more than its newlines, none when it is empty. */
function countLines(text: RowText): number {
  if (text.length === 0) return 0;
  let lines = 1;
  if (typeof text === 'string') {
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  } else {
    for (let at = text.indexOf(NEWLINE); at !== -1; at = text.indexOf(NEWLINE, at + 1)) lines++;
  }
  return lines;
}

interface PendingBatch {
  /** The rows as JSON lines (rowLine, joined by `\n`), written when the call was made. */
  text: RowText;
  /** `event_date` of each row (so also the number of rows). */
  dates: readonly string[];
  /** SerializedRows.digests, if given. */
  digests: string | undefined;
  ids: readonly (string | EventId | null)[] | undefined;
  rejects: readonly RejectRow[];
  resolve: (result: InsertResult) => void;
  reject: (error: unknown) => void;
}

/** Always checked, whoever built the row: the date becomes part of a view's SQL text. */
function checkEventDate(date: string, row: number): void {
  if (!EVENT_DATE.test(date)) throw new ExportRowError(`row ${row}: event_date`, `expected YYYYMMDD, got ${JSON.stringify(date)}`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toQueryParam(value: unknown, index: number): DuckDBValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`query parameter $${index + 1} must be a finite number, got ${value}`);
    return value;
  }
  throw new Error(
    `query parameter $${index + 1} must be a string, number, boolean, bigint or null, got ${Array.isArray(value) ? 'an array' : typeof value}`,
  );
}

export class Warehouse {
  /** Absolute path of the DuckDB file. */
  readonly file: string;
  /** The schema that plays the BigQuery dataset: `analytics_<property>`. */
  readonly dataset: string;
  readonly readOnly: boolean;

  private readonly knownDates = new Set<string>();
  /**
   * Ids of the most recently stored rows that have one (the newest on open). The writer is the only process, so
   * while nothing has been evicted this holds every stored id.
   */
  private readonly storedIds: RecentIds;
  /**
   * Whether `ingest.event_ids` may hold ids without their `event_micros` (stored before that column existed, or
   * given as plain strings): only then must a lookup read every row rather than the rows of its time range.
   */
  private idsWithoutMicros = true;
  private pendingRowCount = 0;
  private readonly pending: PendingBatch[] = [];
  private readonly activeQueries = new Set<Promise<unknown>>();
  private readonly sessions = new Set<WarehouseSession>();
  private readonly commitListeners = new Set<CommitListener>();
  private draining: Promise<void> | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    file: string,
    dataset: string,
    readOnly: boolean,
    private readonly instance: DuckDBInstance,
    /** The only connection that writes events; `drain` is its only user, so statements never interleave. */
    private readonly writer: DuckDBConnection | null,
    /** Scratch files that carry each group to DuckDB; null when read-only. */
    private readonly ingestFiles: IngestFiles | null,
    recentIds = DEFAULT_RECENT_IDS,
  ) {
    this.storedIds = new RecentIds(recentIds);
    this.file = file;
    this.dataset = dataset;
    this.readOnly = readOnly;
  }

  /** Opens (and on first use creates) the warehouse file and the `analytics_<property>.events` table. */
  static async open(opts: WarehouseOptions): Promise<Warehouse> {
    const property = opts.property ?? 'shoplab';
    if (!PROPERTY.test(property)) {
      throw new Error(`warehouse property ${JSON.stringify(property)} is invalid: use 1–64 letters, digits or _`);
    }
    const recentIds = opts.recentIds ?? DEFAULT_RECENT_IDS;
    if (!Number.isInteger(recentIds) || recentIds < 1) throw new Error(`warehouse recentIds must be a positive integer, got ${recentIds}`);
    if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1)) {
      throw new Error(`warehouse threads must be a positive integer, got ${opts.threads}`);
    }
    if (opts.memoryLimit !== undefined && !DUCKDB_SIZE.test(opts.memoryLimit)) {
      throw new Error(`warehouse memoryLimit must be a size such as 256MB or 1GiB, got ${JSON.stringify(opts.memoryLimit)}`);
    }
    if (opts.checkpointThreshold !== undefined && !DUCKDB_SIZE.test(opts.checkpointThreshold)) {
      throw new Error(`warehouse checkpointThreshold must be a size such as 64MB, got ${JSON.stringify(opts.checkpointThreshold)}`);
    }
    if (opts.memoryLimit !== undefined && !opts.readOnly) {
      // DuckDB cannot evict the rows appended since the last checkpoint, which take about twice the WAL's bytes: a
      // limit below that fails writes once the WAL grows (measured: every request answered 5xx under load).
      const threshold = opts.checkpointThreshold ?? CHECKPOINT_THRESHOLD;
      const needed = minimumMemoryLimit(threshold);
      if (duckdbSizeBytes(opts.memoryLimit) < needed) {
        throw new Error(
          `warehouse memoryLimit ${opts.memoryLimit} is too small for a checkpoint threshold of ${threshold}: DuckDB keeps the rows written since the last checkpoint (about twice the WAL) in memory; give at least ${Math.ceil(needed / 1e6)}MB or a smaller threshold`,
        );
      }
    }
    const readOnly = opts.readOnly ?? false;
    const dataset = `analytics_${property}`;
    const dir = path.resolve(opts.dataDir);
    if (readOnly) {
      if (!existsSync(path.join(dir, WAREHOUSE_FILE))) {
        throw new Error(`warehouse ${path.join(dir, WAREHOUSE_FILE)} does not exist yet (start \`shoplab serve\` and collect some events first)`);
      }
    } else {
      mkdirSync(dir, { recursive: true });
    }
    // One canonical path, so that DuckDB's per-process instance cache shares one database per file: two separate
    // instances on one file in one process would not see each other's locks and could corrupt it.
    const file = path.join(realpathSync(dir), WAREHOUSE_FILE);

    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.fromCache(file, readOnly ? { access_mode: 'READ_ONLY' } : {});
    } catch (error) {
      const message = errorMessage(error);
      if (message.includes('Could not set lock on file')) throw new WarehouseInUseError(file, { cause: error });
      if (message.includes('different configuration')) {
        throw new Error(`warehouse ${file} is already open in this process with a different readOnly setting; share that Warehouse instead`, {
          cause: error,
        });
      }
      throw new Error(`could not open warehouse ${file}: ${message}`, { cause: error });
    }

    try {
      if (opts.threads !== undefined || opts.memoryLimit !== undefined) {
        const setup = await instance.connect();
        try {
          if (opts.threads !== undefined) await setup.run(`SET threads = ${opts.threads}`);
          if (opts.memoryLimit !== undefined) {
            await setup.run(`SET memory_limit = '${opts.memoryLimit}'`);
            // Freed memory goes back to the system once a task's peak passes this, rather than at 128 MB.
            await setup.run(`SET allocator_flush_threshold = '32MB'`);
            await setup.run('SET allocator_background_threads = true');
          }
        } finally {
          setup.closeSync();
        }
      }
      if (readOnly) {
        const reader = await instance.connect();
        try {
          await verifyEventsTable(reader, dataset, file, false);
        } finally {
          reader.closeSync();
        }
        return new Warehouse(file, dataset, true, instance, null, null);
      }
      const writer = await instance.connect();
      let ingestFiles: IngestFiles | null = null;
      try {
        await verifyEventsTable(writer, dataset, file, true);
        await writer.run(`SET checkpoint_threshold = '${opts.checkpointThreshold ?? CHECKPOINT_THRESHOLD}'`);
        // Rows reach DuckDB as newline-delimited JSON in scratch files that DuckDB parses and converts on its own
        // side (COPY FROM for the events, read_json for the ids and rejects), which beat casting one large JSON
        // parameter (warehouse/README.md). A whole group is thus one multi-statement call (see commit).
        // The files are only transport: durability comes from the transaction's COMMIT, and leftovers are
        // overwritten (or removed on the next open, if their process died).
        removeStaleBatchFiles(path.dirname(file));
        const base = path.join(path.dirname(file), `.shoplab-ingest-${process.pid}-${++batchFileCounter}`);
        const readJson = (scratch: string, columns: string): string =>
          `read_json(${sqlString(scratch)}, format = 'newline_delimited', auto_detect = false, columns = ${columns})`;
        const rejectColumns = `{${REJECT_COLUMNS.map(([n, t]) => `'${n}': '${t}'`).join(', ')}}`;
        const groupFiles = (name: string): GroupFiles => ({
          rows: new ScratchFile(`${name}.ndjson`),
          ids: new ScratchFile(`${name}.ids.ndjson`),
          // COPY FROM takes the table's own column types; read_json with a `columns` argument parsed the 127-leaf
          // type text again on every group, on DuckDB's serial turn, whatever the group's size.
          insertRows: `COPY ${quoteIdent(dataset)}.${EVENTS_TABLE} FROM ${sqlString(`${name}.ndjson`)} (FORMAT json, ARRAY false)`,
          // The dataset name is checked against PROPERTY above, so it is safe inside SQL text.
          insertIds: `INSERT INTO ${INGEST_SCHEMA}.event_ids BY NAME SELECT '${dataset}' AS dataset, * FROM ${readJson(`${name}.ids.ndjson`, ID_COLUMNS)}`,
          holds: [],
        });
        ingestFiles = {
          sets: [groupFiles(`${base}-a`), groupFiles(`${base}-b`)],
          filling: 0,
          rejects: new ScratchFile(`${base}.rejects.ndjson`),
          insertRejects: `INSERT INTO ${INGEST_SCHEMA}.rejects BY NAME SELECT * FROM ${readJson(`${base}.rejects.ndjson`, rejectColumns)}`,
        };
        await writer.run(`CREATE SCHEMA IF NOT EXISTS ${INGEST_SCHEMA}`);
        await writer.run(`CREATE TABLE IF NOT EXISTS ${INGEST_SCHEMA}.event_ids (dataset VARCHAR NOT NULL, event_id VARCHAR NOT NULL)`);
        // The key's parts, for the purge of a run's events (ids stored before these columns keep NULL parts).
        for (const [name, type] of [['client_id', 'VARCHAR'], ['event_micros', 'BIGINT'], ['run_id', 'VARCHAR']]) {
          await writer.run(`ALTER TABLE ${INGEST_SCHEMA}.event_ids ADD COLUMN IF NOT EXISTS ${name} ${type}`);
        }
        await writer.run(`CREATE TABLE IF NOT EXISTS ${INGEST_SCHEMA}.rejects (${REJECT_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})`);
        const warehouse = new Warehouse(file, dataset, false, instance, writer, ingestFiles, recentIds);
        // The newest ids (rowid follows insertion), oldest first, so that eviction order stays insertion order.
        const ids = await writer.runAndReadAll(
          `SELECT event_id FROM (SELECT event_id, rowid AS r FROM ${INGEST_SCHEMA}.event_ids WHERE dataset = $1 ORDER BY r DESC LIMIT ${recentIds + 1}) ORDER BY r`,
          [dataset],
        );
        for (const [id] of ids.getRowsJson()) if (typeof id === 'string') warehouse.storedIds.add(id);
        const unknownTimes = await writer.runAndReadAll(`SELECT EXISTS (SELECT 1 FROM ${INGEST_SCHEMA}.event_ids WHERE dataset = $1 AND event_micros IS NULL)`, [dataset]);
        warehouse.idsWithoutMicros = unknownTimes.getRowsJson()[0]?.[0] !== false;
        const views = await writer.runAndReadAll(
          `SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = $1`,
          [dataset],
        );
        for (const [name] of views.getRowsJson()) {
          const match = typeof name === 'string' ? /^events_(\d{8})$/.exec(name) : null;
          if (match?.[1] !== undefined) warehouse.knownDates.add(match[1]);
        }
        return warehouse;
      } catch (error) {
        writer.closeSync();
        if (ingestFiles) for (const scratch of scratchFilesOf(ingestFiles)) scratch.remove();
        throw error;
      }
    } catch (error) {
      instance.closeSync();
      throw error;
    }
  }

  /**
   * Stores rows atomically: all of them or none. Resolves only after the transaction has committed. Rows of
   * calls that wait while a write is running are committed together in one transaction; if that shared
   * transaction fails, each call is retried alone, so one bad call never fails another.
   * Throws an ExportRowError (naming the field) before anything is stored when a row does not fit the schema.
   */
  async insertEvents(rows: ExportRow[], options: InsertOptions = {}): Promise<InsertResult> {
    this.assertWritable();
    rows.forEach((row, i) => {
      try {
        checkRow(EXPORT_SCHEMA, row);
      } catch (error) {
        if (error instanceof ExportRowError) throw new ExportRowError(`row ${i}: ${error.path}`, error.problem);
        throw error;
      }
      checkEventDate(row.event_date, i);
    });
    // Serialized now, on the caller's turn, rather than in the writer: the text of the next group is then ready
    // while DuckDB still inserts and commits the current one, and the writer's turn is shorter.
    return this.enqueue('insertEvents', { text: rows.map(rowLine).join('\n'), dates: rows.map((r) => r.event_date) }, options);
  }

  /**
   * `insertEvents` for rows that the caller has already turned into text with `rowLine` (the collector does that
   * in its worker thread). The rows are not checked against the schema: only for rows built typed from validated
   * input. Each `event_date` is still checked, and the text must hold one line per date.
   */
  async insertSerializedEvents(rows: SerializedRows, options: InsertOptions = {}): Promise<InsertResult> {
    this.assertWritable();
    const count = rows.dates.length;
    rows.dates.forEach(checkEventDate);
    const lines = countLines(rows.text);
    if (lines !== count) throw new Error(`insertSerializedEvents: ${lines} lines of text for ${count} dates; give one line and one date per row`);
    if (rows.digests !== undefined) {
      const digests = countLines(rows.digests);
      if (digests !== count) throw new Error(`insertSerializedEvents: ${digests} digests for ${count} rows; give one digest line per row`);
    }
    return this.enqueue('insertSerializedEvents', rows, options);
  }

  private assertWritable(): void {
    if (this.readOnly) throw new Error(`warehouse ${this.file} is open read-only; cannot insert events`);
    if (this.closing) throw new Error(`warehouse ${this.file} is closed; cannot insert events`);
  }

  /** The checks both insert calls share, then the rows join the write queue. */
  private enqueue(caller: string, { text, dates, digests }: SerializedRows, options: InsertOptions): Promise<InsertResult> {
    const { ids } = options;
    if (ids !== undefined && ids.length !== dates.length) {
      throw new Error(`${caller}: ${ids.length} ids for ${dates.length} rows; give one id (or null) per row`);
    }
    const rejects = options.rejects ?? [];
    if (dates.length === 0 && rejects.length === 0) return Promise.resolve({ stored: 0, duplicates: 0 });
    this.pendingRowCount += dates.length;
    return new Promise<InsertResult>((resolve, reject) => {
      const batch: PendingBatch = { text, dates, digests, ids, rejects, resolve, reject };
      this.pending.push(batch);
      this.prewrite(batch);
      this.startDraining();
    });
  }

  /**
   * Writes a batch just queued into the filling set of group files, after the batches queued before it, while
   * DuckDB may still be reading the other set. If this fails (or the set holds something else), the group's
   * text is written when it commits instead, which reports any error.
   */
  private prewrite(batch: PendingBatch): void {
    const set = this.ingestFiles?.sets[this.ingestFiles.filling];
    if (!set?.holds) return;
    try {
      if (batch.dates.length > 0) {
        if (!set.rows.empty) set.rows.append('\n');
        set.rows.append(batch.text);
      }
      let lines = '';
      for (const id of batch.ids ?? []) if (id !== null) lines += lines === '' && set.ids.empty ? idLine(id) : `\n${idLine(id)}`;
      if (lines !== '') set.ids.append(lines);
      set.holds.push(batch);
    } catch {
      set.holds = null;
    }
  }

  /** Resolves once every write queued so far has committed or failed. */
  async settled(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Rows handed to `insertEvents` and not yet committed (or failed): the depth of the write queue. */
  get queuedRows(): number {
    return this.pendingRowCount;
  }

  /**
   * Runs one SQL statement (or several separated by `;`, returning the last result) on a fresh connection in
   * autocommit mode, so a long query never blocks event writes. Parameters bind to `$1`, `$2`, … or `?`.
   * BIGINT/HUGEINT/DECIMAL come back as numbers when exact, else as strings; STRUCT → object, LIST → array.
   * `after` runs on the same connection once the query is done, whether it succeeded or not (it undoes what a
   * script created there: temp macros, variables); its own failure never hides the query's outcome.
   */
  async query(sql: string, params: readonly unknown[] = [], after?: string): Promise<Record<string, JsonValue>[]> {
    if (this.closing) throw new Error(`warehouse ${this.file} is closed; cannot run a query`);
    const values = params.map(toQueryParam);
    const run = (async () => {
      const connection = await this.instance.connect();
      try {
        return await queryRows(connection, sql, values);
      } finally {
        if (after !== undefined) await connection.run(after).catch(() => undefined);
        connection.closeSync();
      }
    })();
    this.activeQueries.add(run);
    try {
      return await run;
    } finally {
      this.activeQueries.delete(run);
    }
  }

  /**
   * One connection kept open for a series of queries, for work whose later statements read what earlier ones left
   * on the connection (TEMP tables, which live and die with it). Queries run one at a time, as `query` runs them;
   * `close` ends the connection and its temp tables. `Warehouse.close` closes the sessions still open, after their
   * last query.
   */
  async session(): Promise<WarehouseSession> {
    if (this.closing) throw new Error(`warehouse ${this.file} is closed; cannot open a session`);
    const connection = await this.instance.connect();
    let open = true;
    let last: Promise<unknown> = Promise.resolve();
    const file = this.file;
    const session: WarehouseSession = {
      query: (sql, params = []) => {
        if (!open) return Promise.reject(new Error(`warehouse session on ${file} is closed; cannot run a query`));
        const values = params.map(toQueryParam);
        // Statements of one connection must not interleave: each waits for the one before it, failed or not.
        const run = last.catch(() => undefined).then(() => queryRows(connection, sql, values));
        last = run;
        return run;
      },
      close: async () => {
        if (!open) return;
        open = false;
        this.sessions.delete(session);
        await last.catch(() => undefined);
        connection.closeSync();
      },
    };
    this.sessions.add(session);
    return session;
  }

  /**
   * Streams a query's result one DuckDB chunk (≤ 2,048 rows) at a time: DuckDB produces rows as they are pulled, so
   * a result of any size never sits in memory whole, and a consumer that stops pulling (backpressure) pauses the
   * query. Runs on its own connection like `query` (several statements separated by `;` are allowed; the last one
   * streams). Values are converted as by `query`; rows come as arrays in `columns` order. The connection closes
   * when the iteration ends, breaks or throws, or on `close()`.
   */
  async stream(sql: string, params: readonly unknown[] = []): Promise<QueryStream> {
    if (this.closing) throw new Error(`warehouse ${this.file} is closed; cannot run a query`);
    const values = params.map(toQueryParam);
    const connection = await this.instance.connect();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    this.activeQueries.add(done);
    let open = true;
    let result: DuckDBResult | undefined;
    let finished = false;
    const close = (): void => {
      if (!open) return;
      open = false;
      if (result && !finished) {
        // A streaming result that was not read to its end keeps the database (and its file lock) alive after the
        // connection closes; interrupted, it ends at the next fetch, which lets the native side let go.
        const pending = result;
        connection.interrupt();
        void (async () => {
          try {
            while ((await pending.fetchChunk())?.rowCount) {
              /* the interrupted query yields nothing more */
            }
          } catch {
            /* "Interrupted": the expected end */
          }
        })().finally(() => {
          connection.closeSync();
          this.activeQueries.delete(done);
          release();
        });
        return;
      }
      connection.closeSync();
      this.activeQueries.delete(done);
      release();
    };
    try {
      const streamed = await connection.stream(sql, values.length > 0 ? values : undefined);
      result = streamed;
      const names = streamed.columnNames();
      const columns = streamed.columnTypes().map((type, i) => ({ name: names[i] ?? `column${i}`, type: type.toString() }));
      async function* chunks(): AsyncGenerator<JsonValue[][]> {
        try {
          for (;;) {
            if (!open) return;
            const chunk = await streamed.fetchChunk();
            if (!chunk || chunk.rowCount === 0) {
              finished = true;
              return;
            }
            yield chunk.convertRows(jsonValueConverter).map((row) => row.map((value) => value ?? null));
          }
        } finally {
          close();
        }
      }
      return { columns, chunks: chunks(), close };
    } catch (error) {
      close();
      throw error;
    }
  }

  /**
   * Deletes a simulated run's events of the given clients from the given time on, and forgets their dedupe ids,
   * so that re-running those sessions stores their (identical) events again instead of taking them for retries.
   * Used when a runner retries or resumes a session whose events may already be stored.
   */
  async purgeRunEvents(runId: string, targets: readonly { clientId: string; sinceMicros: number }[]): Promise<void> {
    checkRunId(runId);
    if (targets.length === 0) return;
    if (this.readOnly) throw new Error(`warehouse ${this.file} is open read-only; cannot delete events`);
    const json = JSON.stringify(targets.map((t) => ({ c: t.clientId, t: t.sinceMicros })));
    const targetsSql = `(SELECT unnest(from_json($1::JSON, '[{"c":"VARCHAR","t":"BIGINT"}]'), recursive := true))`;
    const connection = await this.instance.connect();
    try {
      await connection.run('BEGIN TRANSACTION');
      await connection.run(
        `DELETE FROM ${quoteIdent(this.dataset)}.${EVENTS_TABLE} AS e USING ${targetsSql} AS r
          WHERE e.user_pseudo_id = r.c AND e.event_timestamp >= r.t
            AND list_filter(e.event_params, p -> p.key = 'shoplab_run_id')[1].value.string_value = $2`,
        [json, runId],
      );
      // Equality on the key's stored parts: a run id is data here, never a pattern.
      const forgotten = await connection.runAndReadAll(
        `DELETE FROM ${INGEST_SCHEMA}.event_ids AS i USING ${targetsSql} AS r
          WHERE i.dataset = $3 AND i.run_id = $2 AND i.client_id = r.c AND i.event_micros >= r.t
          RETURNING i.event_id`,
        [json, runId, this.dataset],
      );
      await connection.run('COMMIT');
      for (const [key] of forgotten.getRowsJson()) if (typeof key === 'string') this.storedIds.delete(key);
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      connection.closeSync();
    }
  }

  /**
   * A read-only query with a row limit and a timeout, for SQL that someone else wrote (`shoplab sql`, the server's
   * query API): see ReadQueryOptions. Runs on a fresh connection inside a READ ONLY transaction, so it never blocks
   * the event writer, and anything but SELECT is refused before it runs.
   */
  async readQuery(sql: string, options: ReadQueryOptions = {}): Promise<ReadQueryResult> {
    if (this.closing) throw new Error(`warehouse ${this.file} is closed; cannot run a query`);
    const run = (async () => {
      const connection = await this.instance.connect();
      try {
        return await runReadQuery(connection, sql, options);
      } finally {
        connection.closeSync();
      }
    })();
    this.activeQueries.add(run);
    try {
      return await run;
    } finally {
      this.activeQueries.delete(run);
    }
  }

  /**
   * Writes what the WAL holds into the file, which lets DuckDB drop the in-memory state of the rows appended
   * since the last checkpoint. For an idle writer (the collector calls it after a pause in ingest): it runs as
   * the writer's turn, after the queued writes, and writes that arrive meanwhile wait for it.
   */
  async checkpoint(): Promise<void> {
    this.assertWritable();
    const writer = this.writer;
    if (!writer) return;
    while (this.draining) await this.draining;
    this.draining = writer
      .run('CHECKPOINT')
      .then(() => undefined)
      .finally(() => {
        this.draining = null;
        if (this.pending.length > 0) this.startDraining();
      });
    await this.draining;
  }

  /**
   * Calls `listener` after each commit of export rows with the rows stored, duplicates skipped (CommittedRows: their
   * JSON lines, rowLine's GA4 export field names with NULLs left out, and their digests). It runs on a later turn of
   * the event loop, after the callers of that commit have been answered; a throw is caught (see `onCommitError`).
   * Returns a function that removes it.
   */
  onCommit(listener: CommitListener): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** Where a commit listener's throw goes. Default: ignored (the collector logs it). */
  onCommitError: (error: unknown, listener: CommitListener) => void = () => undefined;

  private notifyCommit(parts: readonly CommittedPart[]): void {
    if (this.commitListeners.size === 0 || parts.length === 0) return;
    const listeners = [...this.commitListeners];
    setImmediate(() => {
      const committed = committedRows(parts);
      for (const listener of listeners) {
        try {
          listener(committed);
        } catch (error) {
          this.onCommitError(error, listener);
        }
      }
    });
  }

  /** Waits for queued writes and running queries, then closes the file. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.draining) await this.draining;
      await Promise.allSettled([...this.activeQueries, ...[...this.sessions].map((session) => session.close())]);
      this.writer?.closeSync();
      this.instance.closeSync();
      const files = this.ingestFiles;
      if (files) for (const scratch of scratchFilesOf(files)) scratch.remove();
    })();
    return this.closing;
  }

  private startDraining(): void {
    if (this.draining) return;
    // The first group waits one turn of the event loop, so that it takes every request already received rather
    // than only the one that woke the writer: a group has a fixed cost in DuckDB whatever its size.
    this.draining = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain()).finally(() => {
      this.draining = null;
      if (this.pending.length > 0) this.startDraining();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const group: PendingBatch[] = [];
      let count = 0;
      while (this.pending.length > 0) {
        const next = this.pending[0];
        if (next === undefined || (group.length > 0 && count + next.dates.length > MAX_ROWS_PER_TRANSACTION)) break;
        group.push(next);
        count += next.dates.length;
        this.pending.shift();
      }
      try {
        const { results, parts } = await this.commit(group);
        group.forEach((b, i) => b.resolve(results[i] ?? { stored: 0, duplicates: 0 }));
        this.notifyCommit(parts);
      } catch (error) {
        if (group.length === 1) {
          group[0]?.reject(error);
        } else {
          for (const b of group) {
            try {
              const { results, parts } = await this.commit([b]);
              b.resolve(results[0] ?? { stored: 0, duplicates: 0 });
              this.notifyCommit(parts);
            } catch (alone) {
              b.reject(alone);
            }
          }
        }
      } finally {
        this.pendingRowCount -= count;
      }
    }
  }

  /** Ids held in memory for dedupe: at most `recentIds`. */
  get rememberedIds(): number {
    return this.storedIds.size;
  }

  /**
   * The batches' ids that `ingest.event_ids` holds: one read of the table for the ids whose hash memory holds (a
   * retried event, or two keys that share a hash) and, once memory no longer holds every stored id, for the ids it
   * does not hold either; no read at all when neither kind is in the group (the usual case).
   */
  private async storedBeyondMemory(writer: DuckDBConnection, batches: readonly PendingBatch[]): Promise<Set<string>> {
    const found = new Set<string>();
    const complete = this.storedIds.complete;
    const unknown = new Set<string>();
    // An id's key holds its timestamp, so a stored row with the same key has the same event_micros: reading only
    // the rows of the group's time range lets DuckDB skip the row groups outside it by their min/max, where reading
    // every id cost 0.4–1.4 s a group once the table held 2,000,000 (warehouse/README.md, "Dedupe beyond memory").
    let lo = Infinity;
    let hi = -Infinity;
    let timed = !this.idsWithoutMicros;
    for (const b of batches) {
      for (const id of b.ids ?? []) {
        if (id === null || (complete && !this.storedIds.mayHave(keyOf(id)))) continue;
        unknown.add(keyOf(id));
        if (typeof id === 'string') timed = false;
        else {
          lo = Math.min(lo, id.micros);
          hi = Math.max(hi, id.micros);
        }
      }
    }
    if (unknown.size === 0) return found;
    const reader = timed
      ? await writer.runAndReadAll(
          `SELECT event_id FROM ${INGEST_SCHEMA}.event_ids WHERE dataset = $1 AND event_micros BETWEEN $3 AND $4 AND event_id IN (SELECT unnest($2))`,
          [this.dataset, listValue([...unknown]), BigInt(Math.floor(lo)), BigInt(Math.ceil(hi))],
        )
      : await writer.runAndReadAll(
          `SELECT event_id FROM ${INGEST_SCHEMA}.event_ids WHERE dataset = $1 AND event_id IN (SELECT unnest($2))`,
          [this.dataset, listValue([...unknown])],
        );
    for (const [id] of reader.getRowsJson()) if (typeof id === 'string') found.add(id);
    return found;
  }

  /**
   * Writes the batches in one transaction; returns, per batch, how many rows were stored and skipped, and the rows
   * stored (each batch's `\n`-joined lines and digests, for the commit listeners).
   */
  private async commit(batches: readonly PendingBatch[]): Promise<{ results: InsertResult[]; parts: CommittedPart[] }> {
    const writer = this.writer;
    const files = this.ingestFiles;
    if (!writer || !files) throw new Error(`warehouse ${this.file} is open read-only; cannot insert events`);
    /** The rows to store: whole batches when none of their rows is a duplicate (the usual case). */
    const parts: CommittedPart[] = [];
    let stored = 0;
    const dates = new Set<string>();
    const newIds: (string | EventId)[] = [];
    const fresh = new Set<string>();
    const rejects: RejectRow[] = [];
    const storedEarlier = await this.storedBeyondMemory(writer, batches);
    const results = batches.map((b) => {
      const count = b.dates.length;
      let keep: boolean[] | null = null;
      for (let i = 0; i < count; i++) {
        const id = b.ids?.[i] ?? null;
        if (id !== null) {
          const key = keyOf(id);
          if (fresh.has(key) || storedEarlier.has(key)) {
            keep ??= new Array<boolean>(count).fill(true);
            keep[i] = false;
            continue;
          }
          fresh.add(key);
          newIds.push(id);
        }
        const date = b.dates[i];
        if (date !== undefined) dates.add(date);
      }
      for (const r of b.rejects) rejects.push(r);
      if (keep === null) {
        if (count > 0) parts.push({ text: b.text, digests: b.digests });
        stored += count;
        return { stored: count, duplicates: 0 };
      }
      const kept = splitLines(b.text).filter((_, i) => keep[i]);
      // Digests are one a line too.
      if (kept.length > 0) parts.push({ text: kept.join('\n'), digests: b.digests?.split('\n').filter((_, i) => keep[i]).join('\n') });
      stored += kept.length;
      return { stored: kept.length, duplicates: count - kept.length };
    });
    const newDates = [...dates].filter((d) => !this.knownDates.has(d));
    // This group takes the filling set; the batches queued from now on go into the other one.
    const set = files.sets[files.filling];
    files.filling = files.filling === 0 ? 1 : 0;
    const next = files.sets[files.filling];
    next.rows.reset();
    next.ids.reset();
    next.holds = this.pending.length === 0 ? [] : null;
    // The usual case: the set already holds exactly this group, written as its batches were queued, and none of
    // its rows is a duplicate (a duplicate's line must be left out).
    const ready = set.holds !== null && set.holds.length === batches.length && set.holds.every((b, i) => b === batches[i]) && results.every((r) => r.duplicates === 0);
    // The whole group is one call with several statements: each separate call costs a turn of the event loop,
    // which under load waits behind the HTTP requests being parsed, while DuckDB would sit idle.
    const statements = ['BEGIN TRANSACTION'];
    // The dates were checked against /^\d{8}$/ when queued, so they are safe inside SQL text.
    for (const date of newDates) {
      statements.push(`CREATE VIEW IF NOT EXISTS ${quoteIdent(this.dataset)}.events_${date} AS SELECT * FROM ${quoteIdent(this.dataset)}.${EVENTS_TABLE} WHERE event_date = '${date}'`);
    }
    try {
      // Written synchronously: a couple of MB into the page cache, cheaper than another turn of the event loop.
      if (ready) {
        set.rows.seal();
        set.ids.seal();
      } else {
        if (stored > 0) set.rows.replaceLines(parts.map((p) => p.text));
        if (newIds.length > 0) set.ids.replace(newIds.map(idLine).join('\n'));
      }
      set.holds = null;
      if (stored > 0) statements.push(set.insertRows);
      if (newIds.length > 0) statements.push(set.insertIds);
      if (rejects.length > 0) {
        files.rejects.replace(rejects.map((r) => JSON.stringify(r)).join('\n'));
        statements.push(files.insertRejects);
      }
      statements.push('COMMIT');
      await writer.run(statements.join(';\n'));
    } catch (error) {
      try {
        await writer.run('ROLLBACK');
      } catch {
        // Nothing to roll back: the transaction never began, or DuckDB already rolled back one that failed on
        // commit. The first error is the one to report.
      }
      throw new Error(`could not store ${stored} event(s) in ${this.file}: ${errorMessage(error)}`, { cause: error });
    }
    for (const date of newDates) this.knownDates.add(date);
    for (const id of newIds) {
      this.storedIds.add(keyOf(id));
      if (typeof id === 'string') this.idsWithoutMicros = true;
    }
    return { results, parts };
  }
}

/** Columns of the ids file (idLine); absent parts read as NULL. */
const ID_COLUMNS = "{'event_id': 'VARCHAR', 'client_id': 'VARCHAR', 'event_micros': 'BIGINT', 'run_id': 'VARCHAR'}";

/** Columns of `ingest.rejects`; see RejectRow. */
const REJECT_COLUMNS = [
  ['received_at_micros', 'BIGINT'],
  ['endpoint', 'VARCHAR'],
  ['measurement_id', 'VARCHAR'],
  ['stream_id', 'VARCHAR'],
  ['client_id', 'VARCHAR'],
  ['event_index', 'INTEGER'],
  ['event_name', 'VARCHAR'],
  ['field_path', 'VARCHAR'],
  ['validation_code', 'VARCHAR'],
  ['description', 'VARCHAR'],
  ['payload', 'VARCHAR'],
] as const satisfies readonly (readonly [keyof RejectRow, string])[];

/**
 * Creates the dataset and events table if allowed and missing, and refuses a table whose columns differ from
 * EXPORT_SCHEMA (a file written by another ShopLab version): writing into it would misplace values.
 */
async function verifyEventsTable(connection: DuckDBConnection, dataset: string, file: string, create: boolean): Promise<void> {
  const table = `${quoteIdent(dataset)}.${EVENTS_TABLE}`;
  const ddl = columnDefinitions(EXPORT_SCHEMA);
  if (create) {
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(dataset)}`);
    await connection.run(`CREATE TABLE IF NOT EXISTS ${table} (\n  ${ddl}\n)`);
  }
  const columnsOf = async (database: string, schema: string, name: string): Promise<string[]> => {
    const result = await connection.runAndReadAll(
      `SELECT column_name || ' ' || data_type FROM duckdb_columns()
       WHERE database_name = $1 AND schema_name = $2 AND table_name = $3 ORDER BY column_index`,
      [database, schema, name],
    );
    return result.getRowsJson().map(([c]) => (typeof c === 'string' ? c : JSON.stringify(c)));
  };
  const database = (await connection.runAndReadAll('SELECT current_database()')).getRowsJson()[0]?.[0];
  if (typeof database !== 'string') throw new Error(`warehouse ${file}: DuckDB did not name its current database`);
  const actual = await columnsOf(database, dataset, EVENTS_TABLE);
  if (actual.length === 0) return; // read-only on a file without this dataset: queries will say what is missing
  // Let DuckDB spell the expected types itself (quoting, nesting), by creating the same table in memory.
  await connection.run(`CREATE OR REPLACE TEMP TABLE shoplab_expected_events (\n  ${ddl}\n)`);
  const expected = await columnsOf('temp', 'main', 'shoplab_expected_events');
  await connection.run('DROP TABLE temp.main.shoplab_expected_events');
  const firstDifference = expected.findIndex((column, i) => actual[i] !== column);
  if (firstDifference !== -1 || actual.length !== expected.length) {
    const at = firstDifference === -1 ? expected.length : firstDifference;
    throw new Error(
      `warehouse ${file}: table ${dataset}.${EVENTS_TABLE} does not match the GA4 export schema at column ${at + 1} ` +
        `(expected ${expected[at] ?? 'no more columns'}, found ${actual[at] ?? 'no column'}); it was written by another ShopLab version — move the file away to start afresh`,
    );
  }
}
