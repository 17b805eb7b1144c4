/**
 * `shoplab export bigquery`: the local warehouse into BigQuery, laid out as GA4's own export — one
 * `events_YYYYMMDD` and one `pseudonymous_users_YYYYMMDD` table per day, the ground truth in a dataset of its own.
 * Every table is written by one load job with WRITE_TRUNCATE: BigQuery commits a load job completely or not at
 * all, so a day is either replaced whole or left as it was, and re-running an export (after an interruption, or
 * to refresh) gives the same tables, without duplicates.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BigQuery, Table } from '@google-cloud/bigquery';
import { queryModel, suffixOf } from '../analysis/models';
import { quoteIdent, sqlString, type JsonValue } from '../warehouse/duckdb-types';
import { Warehouse } from '../warehouse/warehouse';
import { apiCode, bigQueryClient, checkCredentials, describeApiError } from './bigquery-client';
import { EVENTS_TABLE_SCHEMA, PSEUDONYMOUS_USERS_TABLE_SCHEMA, type TableField } from './bigquery-schema';

export interface ExportOptions {
  /** Folder of the warehouse (`--data`). */
  dataDir: string;
  projectId: string;
  /** The export dataset (GA4 names it `analytics_<property id>`). */
  dataset: string;
  /** Dataset for the ground truth. Default `<dataset>_ground_truth`. */
  truthDataset?: string;
  /** First and last day (inclusive), `YYYY-MM-DD` or `YYYYMMDD`. Default: every day in the warehouse. */
  from?: string;
  to?: string;
  /** Location of datasets created and of the load jobs. Default: BigQuery's (US). */
  location?: string;
  /** A stand-in or emulator (no Google credentials then). Default: Google, with Application Default Credentials. */
  apiEndpoint?: string;
  /** File format of the load jobs. Default `parquet` (written by DuckDB; typed, compressed). */
  format?: 'parquet' | 'ndjson';
}

export interface PlanDay {
  /** `YYYYMMDD`. */
  day: string;
  events: number;
  users: number;
}

export interface ExportPlan {
  project: string;
  dataset: string;
  truthDataset: string;
  days: PlanDay[];
  /** Ground-truth tables and their rows (empty when the warehouse holds none). */
  truth: { table: string; rows: number }[];
}

export interface ExportHooks {
  /** After each table is loaded; `events` counts the events of the days finished so far. */
  onTable?: (table: string, dayIndex: number, eventsDone: number) => void;
}

/** An export failure: names the table (or dataset) and quotes BigQuery's message. */
export class ExportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExportError';
  }
}

/** A query result's value as text (the columns read here are strings or numbers). */
function text(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/** DuckDB's memory_limit during an export. */
const EXPORT_MEMORY_LIMIT = '256MB';

const DATASET_ID = /^[A-Za-z0-9_]{1,1024}$/;
// Project ids: 6–30 lowercase letters, digits, hyphens (plus the older domain-scoped `example.com:project`).
const PROJECT_ID = /^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

function checkIds(options: ExportOptions): { truthDataset: string; from?: string; to?: string } {
  if (!PROJECT_ID.test(options.projectId)) throw new ExportError(`--project "${options.projectId}" is not a BigQuery project id (6–30 lowercase letters, digits and hyphens)`);
  const truthDataset = options.truthDataset ?? `${options.dataset}_ground_truth`;
  for (const [flag, id] of [['--dataset', options.dataset], ['--truth-dataset', truthDataset]] as const) {
    if (!DATASET_ID.test(id)) throw new ExportError(`${flag} "${id}" is not a BigQuery dataset id (letters, digits and _ only)`);
  }
  if (truthDataset === options.dataset) throw new ExportError('the ground truth needs its own dataset: --truth-dataset must differ from --dataset');
  const from = options.from === undefined ? undefined : suffixOf(options.from, '--from');
  const to = options.to === undefined ? undefined : suffixOf(options.to, '--to');
  if (from !== undefined && to !== undefined && from > to) throw new ExportError(`--from ${options.from} is after --to ${options.to}`);
  return { truthDataset, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/** The days (with event and user counts) and ground-truth tables an export would write. */
export async function planExport(wh: Warehouse, options: ExportOptions): Promise<ExportPlan> {
  const { truthDataset, from, to } = checkIds(options);
  const rows = await wh.query(
    `SELECT event_date AS day, count(*) AS events, count(DISTINCT user_pseudo_id) AS users FROM ${quoteIdent(wh.dataset)}.events
      WHERE event_date >= $1 AND event_date <= $2 GROUP BY event_date ORDER BY event_date`,
    [from ?? '00000000', to ?? '99999999'],
  );
  const truth: ExportPlan['truth'] = [];
  for (const t of await truthTables(wh)) {
    const [count] = await wh.query(`SELECT count(*) AS n FROM ground_truth.${quoteIdent(t.table)}`);
    truth.push({ table: t.table, rows: Number(count?.n ?? 0) });
  }
  return {
    project: options.projectId,
    dataset: options.dataset,
    truthDataset,
    days: rows.map((r) => ({ day: text(r.day), events: Number(r.events), users: Number(r.users) })),
    truth,
  };
}

/** The plan as lines for `--dry-run`. */
export function formatPlan(plan: ExportPlan): string {
  const lines = [`export to BigQuery project ${plan.project}: dataset ${plan.dataset}, ground truth in ${plan.truthDataset}`];
  if (plan.days.length === 0) lines.push('no events in the range: nothing to export');
  for (const d of plan.days) {
    lines.push(`  ${plan.dataset}.events_${d.day}  ${d.events} rows   ${plan.dataset}.pseudonymous_users_${d.day}  ${d.users} rows`);
  }
  for (const t of plan.truth) lines.push(`  ${plan.truthDataset}.${t.table}  ${t.rows} rows`);
  const events = plan.days.reduce((n, d) => n + d.events, 0);
  lines.push(`${plan.days.length} days, ${events} events, ${plan.days.length * 2 + plan.truth.length} tables; each table replaced by one load job (WRITE_TRUNCATE)`);
  return lines.join('\n');
}

/** Ground-truth tables and their columns with BigQuery types (JSON columns travel as STRING). */
async function truthTables(wh: Warehouse): Promise<{ table: string; columns: { name: string; type: string }[] }[]> {
  const rows = await wh.query(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
      WHERE table_schema = 'ground_truth' AND table_catalog = current_database() ORDER BY table_name, ordinal_position`,
  );
  const tables = new Map<string, { name: string; type: string }[]>();
  for (const r of rows) {
    const list = tables.get(text(r.table_name)) ?? [];
    list.push({ name: text(r.column_name), type: text(r.data_type) });
    tables.set(text(r.table_name), list);
  }
  return [...tables].map(([table, columns]) => ({ table, columns }));
}

function bigQueryTypeOf(duckdb: string): string {
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(duckdb)) return 'INTEGER';
  if (/^(FLOAT|DOUBLE|REAL)$/.test(duckdb) || duckdb.startsWith('DECIMAL')) return 'FLOAT';
  if (duckdb === 'BOOLEAN') return 'BOOLEAN';
  return 'STRING';
}

export interface ExportResult {
  plan: ExportPlan;
  /** Rows each table holds after its load job, as BigQuery reported them. */
  loaded: { table: string; rows: number }[];
}

/**
 * Writes the plan's tables with load jobs. Stops at the first failure with an ExportError naming the table; tables
 * loaded before it are complete, the failed one is as it was before (a load job is atomic), and temporary files
 * are removed either way.
 */
export async function exportToBigQuery(options: ExportOptions, hooks: ExportHooks = {}): Promise<ExportResult> {
  checkIds(options);
  const clientOptions = {
    projectId: options.projectId,
    ...(options.location === undefined ? {} : { location: options.location }),
    ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }),
  };
  // DuckDB's memory bounded, its spill files in the scratch folder (removed with it): the models behind the user
  // tables aggregate every event up to the day exported.
  const wh = await Warehouse.open({ dataDir: options.dataDir, readOnly: true, memoryLimit: EXPORT_MEMORY_LIMIT });
  removeDeadScratch();
  const scratch = mkdtempSync(path.join(tmpdir(), `shoplab-export-${process.pid}-`));
  const removeScratch = (): void => rmSync(scratch, { recursive: true, force: true });
  // A Ctrl-C or kill (SIGTERM) between two days must not leave a day's Parquet file behind in the temp folder.
  const onSignal = (signal: NodeJS.Signals): void => {
    removeScratch();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await wh.query(`SET GLOBAL temp_directory = ${sqlString(path.join(scratch, 'duckdb-spill'))}`);
    const plan = await planExport(wh, options);
    await checkCredentials(clientOptions);
    const bq = bigQueryClient(clientOptions);
    const loaded: ExportResult['loaded'] = [];
    if (plan.days.length > 0) await ensureDataset(bq, plan.project, plan.dataset, options.location);
    let eventsDone = 0;
    for (const [index, d] of plan.days.entries()) {
      const eventsTable = `events_${d.day}`;
      const file = path.join(scratch, `${eventsTable}.${options.format === 'ndjson' ? 'ndjson' : 'parquet'}`);
      const select = `SELECT * FROM ${quoteIdent(wh.dataset)}.events WHERE event_date = ${sqlString(d.day)}`;
      await wh.query(`COPY (${select}) TO ${sqlString(file)} (FORMAT ${options.format === 'ndjson' ? 'json' : 'parquet'})`);
      const rows = await load(bq.dataset(plan.dataset).table(eventsTable), plan, plan.dataset, eventsTable, file, EVENTS_TABLE_SCHEMA, options.format ?? 'parquet', d.events);
      rmSync(file, { force: true });
      loaded.push({ table: `${plan.dataset}.${eventsTable}`, rows });
      eventsDone += d.events;
      hooks.onTable?.(`${plan.dataset}.${eventsTable}`, index, eventsDone);

      const usersTable = `pseudonymous_users_${d.day}`;
      const dayUsers = await userRowsOfDay(wh, d.day);
      const usersFile = path.join(scratch, `${usersTable}.ndjson`);
      writeFileSync(usersFile, dayUsers.map((u) => JSON.stringify(u)).join('\n'));
      const userRows = await load(bq.dataset(plan.dataset).table(usersTable), plan, plan.dataset, usersTable, usersFile, PSEUDONYMOUS_USERS_TABLE_SCHEMA, 'ndjson', dayUsers.length);
      rmSync(usersFile, { force: true });
      loaded.push({ table: `${plan.dataset}.${usersTable}`, rows: userRows });
      hooks.onTable?.(`${plan.dataset}.${usersTable}`, index, eventsDone);
    }
    if (plan.truth.length > 0) {
      await ensureDataset(bq, plan.project, plan.truthDataset, options.location);
      for (const t of await truthTables(wh)) {
        const schema: TableField[] = t.columns.map((c) => ({ name: c.name, type: bigQueryTypeOf(c.type), mode: 'NULLABLE' }));
        const columns = t.columns.map((c) => (bigQueryTypeOf(c.type) === 'STRING' && c.type !== 'VARCHAR' ? `CAST(${quoteIdent(c.name)} AS VARCHAR) AS ${quoteIdent(c.name)}` : quoteIdent(c.name)));
        const file = path.join(scratch, `truth_${t.table}.ndjson`);
        await wh.query(`COPY (SELECT ${columns.join(', ')} FROM ground_truth.${quoteIdent(t.table)}) TO ${sqlString(file)} (FORMAT json)`);
        const expected = plan.truth.find((x) => x.table === t.table)?.rows ?? 0;
        const rows = await load(bq.dataset(plan.truthDataset).table(t.table), plan, plan.truthDataset, t.table, file, schema, 'ndjson', expected);
        rmSync(file, { force: true });
        loaded.push({ table: `${plan.truthDataset}.${t.table}`, rows });
        hooks.onTable?.(`${plan.truthDataset}.${t.table}`, plan.days.length, eventsDone);
      }
    }
    return { plan, loaded };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    removeScratch();
    await wh.close();
  }
}

/** Removes the temp folders of exports whose process was killed outright (kill -9 runs no cleanup). */
function removeDeadScratch(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = /^shoplab-export-(\d+)-/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') rmSync(path.join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

/** Uses the dataset, creating it when missing; a refusal (no permission, bad name) names the dataset and quotes BigQuery. */
async function ensureDataset(bq: BigQuery, project: string, dataset: string, location: string | undefined): Promise<void> {
  try {
    await bq.dataset(dataset).get();
    return;
  } catch (error) {
    if (apiCode(error) !== 404) throw new ExportError(`dataset ${project}:${dataset}: ${describeApiError(error)}`, { cause: error });
  }
  try {
    await bq.createDataset(dataset, location === undefined ? {} : { location });
  } catch (error) {
    if (apiCode(error) === 409) return;
    throw new ExportError(`dataset ${project}:${dataset} does not exist and could not be created: ${describeApiError(error)}`, { cause: error });
  }
}


/** One load job replacing the table; returns the rows BigQuery reports loaded, which must be the rows sent. */
async function load(
  table: Table,
  plan: ExportPlan,
  dataset: string,
  tableId: string,
  file: string,
  schema: readonly TableField[],
  format: 'parquet' | 'ndjson',
  expected: number,
): Promise<number> {
  const name = `${plan.project}:${dataset}.${tableId}`;
  try {
    const [job] = await table.load(file, {
      sourceFormat: format === 'parquet' ? 'PARQUET' : 'NEWLINE_DELIMITED_JSON',
      schema: { fields: schema.map((f) => ({ ...f })) },
      writeDisposition: 'WRITE_TRUNCATE',
      createDisposition: 'CREATE_IF_NEEDED',
      // DuckDB writes REPEATED fields as Parquet LISTs; without list inference BigQuery would read each as a record
      // holding `list.element` rather than as a REPEATED field.
      ...(format === 'parquet' ? { parquetOptions: { enableListInference: true } } : {}),
      jobPrefix: `shoplab_${tableId}_`,
    });
    const rows = Number(job.statistics?.load?.outputRows ?? NaN);
    if (rows !== expected) throw new ExportError(`table ${name}: BigQuery loaded ${rows} rows, ${expected} were sent`);
    return rows;
  } catch (error) {
    if (error instanceof ExportError) throw error;
    throw new ExportError(`table ${name}: ${describeApiError(error)}`, { cause: error });
  }
}

/**
 * One day's pseudonymous_users rows in GA4's nested layout, from the analysis model run over the export up to and
 * including that day (`to`): the lifetime values need every earlier day, never a later one. One query per day
 * keeps each result to one day's users; the whole model over every day at once, kept until the last table was
 * loaded, was what made a 1M-event export slow.
 */
async function userRowsOfDay(wh: Warehouse, day: string): Promise<Record<string, JsonValue>[]> {
  const rows = await queryModel(wh, 'pseudonymous_users', {
    to: day,
    where: 'occurrence_date = ?',
    params: [day],
    orderBy: 'pseudo_user_id',
  });
  const out: Record<string, JsonValue>[] = [];
  const int = (v: JsonValue | undefined): number | null => (v === null || v === undefined || v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : null);
  for (const r of rows) {
    out.push({
      pseudo_user_id: r.pseudo_user_id ?? null,
      stream_id: int(r.stream_id),
      user_properties: [],
      audiences: [],
      user_info: {
        last_active_timestamp_micros: int(r.last_active_timestamp_micros),
        user_first_touch_timestamp_micros: int(r.user_first_touch_timestamp_micros),
        first_purchase_date: r.first_purchase_date ?? null,
      },
      device: { operating_system: r.operating_system ?? null, category: r.device_category ?? null, mobile_brand_name: null, mobile_model_name: null, unified_screen_name: null },
      geo: { city: r.city ?? null, country: r.country ?? null, continent: null, region: r.region ?? null },
      user_ltv: {
        revenue_in_usd: r.ltv_revenue ?? null,
        sessions: int(r.ltv_sessions),
        engagement_time_millis: int(r.ltv_engagement_time_millis),
        purchases: int(r.ltv_purchases),
        engaged_sessions: int(r.ltv_engaged_sessions),
        session_duration_micros: int(r.ltv_session_duration_micros),
      },
      predictions: null,
      privacy_info: null,
      occurrence_date: day,
      last_updated_date: r.last_updated_date ?? day,
    });
  }
  return out;
}
