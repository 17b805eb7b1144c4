/**
 * The analysis models: sessions, users and what later stages build on them, as BigQuery SQL over the GA4 export,
 * one query per file in analysis/models/. A model names the export as `{{ source('events') }}` and another model
 * as `{{ ref('name') }}`, the way the GA4 community's dbt package does; `modelSql` composes a model with what it
 * refers to into one query, for BigQuery (the export's own engine) or, translated, for the local DuckDB warehouse.
 * Every consumer (summary, benches, transform, models, dashboard) reads these instead of sessionizing on its own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { translateBigQuery } from '../warehouse/bigquery/translate-bigquery';
import { BIGQUERY_SESSION_SETUP } from '../warehouse/bigquery/query-bigquery';
import type { JsonValue, Warehouse } from '../warehouse/warehouse';

/** Every model, in an order where each comes after what it refers to. */
export const MODELS = ['stg_events', 'sessions', 'users', 'item_events', 'pseudonymous_users', 'interactions', 'items', 'experiment_users'] as const;
export type ModelName = (typeof MODELS)[number];

export const MODELS_DIR = join(import.meta.dirname, 'models');

/** Days of the export to read, inclusive, as `YYYY-MM-DD` or `YYYYMMDD`. Default: all. */
export interface DateRange {
  from?: string;
  to?: string;
}

export interface ModelSqlOptions extends DateRange {
  /**
   * Where the query runs. `bigquery`: BigQuery SQL naming `` `project.dataset.events_*` `` (give `table`).
   * `duckdb`: translated for the local warehouse of `dataset`. Default `duckdb`.
   */
  target?: 'bigquery' | 'duckdb';
  /** duckdb: the warehouse's schema (`Warehouse.dataset`). Default `analytics_shoplab`. */
  dataset?: string;
  /** bigquery: the wildcard table, e.g. `my-project.analytics_123456.events_*`. */
  table?: string;
  /**
   * Models the caller has already computed into a table over the same range, by the table's name (a plain name,
   * e.g. a TEMP table): such a model is read from its table instead of being composed in again, and what only it
   * refers to is left out. For work that reads several models built on the same one (the transform's sessions and
   * users), so that it is computed once; the model's SQL is still this stage's.
   */
  materialized?: Partial<Readonly<Record<ModelName, string>>>;
}

const REF = /\{\{\s*ref\('([a-z_]+)'\)\s*\}\}/g;
const SOURCE = /\{\{\s*source\('events'\)\s*\}\}/g;
const DATE_FILTER = /\{\{\s*date_filter\s*\}\}/g;

const texts = new Map<ModelName, string>();

function isModel(name: string): name is ModelName {
  return (MODELS as readonly string[]).includes(name);
}

/** A model's file as written (BigQuery SQL with `{{ }}` references). */
export function modelText(name: ModelName): string {
  let text = texts.get(name);
  if (text === undefined) {
    text = readFileSync(join(MODELS_DIR, `${name}.sql`), 'utf8');
    texts.set(name, text);
  }
  return text;
}

/** The models a model refers to, directly. */
export function modelRefs(name: ModelName): ModelName[] {
  const refs: ModelName[] = [];
  for (const m of modelText(name).matchAll(REF)) {
    const ref = m[1] ?? '';
    if (!isModel(ref)) throw new Error(`analysis/models/${name}.sql refers to unknown model '${ref}'`);
    if (!refs.includes(ref)) refs.push(ref);
  }
  return refs;
}

/** `YYYYMMDD` of a day given as `YYYY-MM-DD` or `YYYYMMDD`; anything else is an error (it becomes SQL text). */
export function suffixOf(day: string, what: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(day);
  const date = m ? new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`) : undefined;
  if (!m || !date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== `${m[1]}-${m[2]}-${m[3]}`) {
    throw new Error(`${what} must be a date as YYYY-MM-DD, got "${day}"`);
  }
  return `${m[1]}${m[2]}${m[3]}`;
}

function dateFilter(range: DateRange): string {
  const from = range.from === undefined ? undefined : suffixOf(range.from, '--from');
  const to = range.to === undefined ? undefined : suffixOf(range.to, '--to');
  if (from && to && from > to) throw new Error(`--from ${range.from} is after --to ${range.to}`);
  return `${from ? ` AND _TABLE_SUFFIX >= '${from}'` : ''}${to ? ` AND _TABLE_SUFFIX <= '${to}'` : ''}`;
}

function body(name: ModelName, source: string, filter: string): string {
  return modelText(name)
    .replace(SOURCE, source)
    .replace(DATE_FILTER, filter)
    .replace(REF, (_, ref: string) => ref)
    .trim()
    .replace(/;$/, '');
}

/** Everything a model needs, each once, dependencies first; what a materialized model refers to is not needed. */
function closure(name: ModelName, materialized: ModelSqlOptions['materialized'] = {}, seen: ModelName[] = []): ModelName[] {
  if (materialized[name] === undefined) {
    for (const ref of modelRefs(name)) if (!seen.includes(ref)) closure(ref, materialized, seen);
  }
  if (!seen.includes(name)) seen.push(name);
  return seen;
}

/** The models a model is built on, directly or through others, dependencies first. */
export function modelDependencies(name: ModelName): ModelName[] {
  return closure(name).filter((m) => m !== name);
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One query for `name`: the models it refers to become WITH clauses named after them, then the model itself, so
 * that the result can be wrapped (`SELECT … FROM (<sql>) WHERE run_id = ?`) or streamed as it is.
 */
export function modelSql(name: ModelName, options: ModelSqlOptions = {}): string {
  const target = options.target ?? 'duckdb';
  if (target === 'bigquery' && !options.table) throw new Error('modelSql: target bigquery needs the table (project.dataset.events_*)');
  const source = target === 'bigquery' ? `\`${options.table}\`` : '`events_*`';
  const filter = dateFilter(options);
  const materialized = options.materialized ?? {};
  for (const [model, table] of Object.entries(materialized)) {
    if (!isModel(model)) throw new Error(`modelSql: materialized names unknown model '${model}'`);
    if (table === undefined || !TABLE_NAME.test(table)) throw new Error(`modelSql: the table of materialized model ${model} must be a plain name, got ${JSON.stringify(table)}`);
  }
  const sqlOf = (m: ModelName): string => {
    const table = materialized[m];
    return table === undefined ? body(m, source, filter) : `SELECT * FROM ${table}`;
  };
  const deps = closure(name, materialized).filter((m) => m !== name);
  const withs = deps.map((m) => `${m} AS (\n${sqlOf(m)}\n)`);
  const own = sqlOf(name);
  const sql = withs.length === 0 ? own : `WITH ${withs.join(',\n')},\n${name}__model AS (\n${own}\n)\nSELECT * FROM ${name}__model`;
  if (target === 'bigquery') return sql;
  return translateBigQuery(sql, { dataset: options.dataset ?? 'analytics_shoplab' });
}

/**
 * Rows of a model on the local warehouse; `where` (DuckDB SQL over the model's columns, with `?` parameters bound
 * from `params`) filters them, e.g. `run_id = ?`.
 */
export async function queryModel(
  wh: Warehouse,
  name: ModelName,
  options: DateRange & { where?: string; params?: readonly unknown[]; orderBy?: string } = {},
): Promise<Record<string, JsonValue>[]> {
  const sql = modelSql(name, { ...options, dataset: wh.dataset });
  const where = options.where ? ` WHERE ${options.where}` : '';
  const order = options.orderBy ? ` ORDER BY ${options.orderBy}` : '';
  return wh.query(`${BIGQUERY_SESSION_SETUP};\nSELECT * FROM (\n${sql}\n) AS ${name}${where}${order}`, options.params ?? []);
}
