/**
 * How the BigQuery-style EXPORT_SCHEMA maps onto DuckDB, in both directions: DDL types for storing, a row check
 * that runs before anything is stored, and a value converter that turns query results into plain JSON values.
 */

import {
  DuckDBDecimalValue,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  type DuckDBValueConverter,
} from '@duckdb/node-api';
import type { BqField, BqType } from '../ga4/export-schema';

/** A value as `Warehouse.query` returns it: what JSON can hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const SCALAR_TYPES = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  BOOL: 'BOOLEAN',
} as const satisfies Record<Exclude<BqType, 'RECORD'>, string>;

/** Double-quotes an identifier, so that column names such as `key` or `value` never clash with SQL keywords. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Single-quotes a string literal (file paths, translated literals), doubling the quotes inside. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The DuckDB type of one export field: RECORD → STRUCT(...), REPEATED → a LIST of it (`T[]`). */
export function duckdbType(field: BqField): string {
  let type: string;
  if (field.type === 'RECORD') {
    const children = field.fields ?? [];
    if (children.length === 0) throw new Error(`export field ${field.name} is a RECORD without fields`);
    type = `STRUCT(${children.map((c) => `${quoteIdent(c.name)} ${duckdbType(c)}`).join(', ')})`;
  } else {
    type = SCALAR_TYPES[field.type];
  }
  return field.mode === 'REPEATED' ? `${type}[]` : type;
}

/** The column list of a CREATE TABLE for these top-level fields, in schema order. */
export function columnDefinitions(schema: readonly BqField[]): string {
  return schema.map((f) => `${quoteIdent(f.name)} ${duckdbType(f)}`).join(',\n  ');
}

/** Thrown when a row does not fit EXPORT_SCHEMA; `path` names the offending field (e.g. `items[0].quantity`). */
export class ExportRowError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'ExportRowError';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** With the `u` flag a proper surrogate pair is one code point, so this matches only unpaired halves. */
export const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function checkScalar(type: Exclude<BqType, 'RECORD'>, value: unknown, path: string): void {
  // DuckDB's JSON cast would quietly coerce (1.5 → 2 for BIGINT, 5 → '5' for VARCHAR), so types are checked here.
  switch (type) {
    case 'STRING':
      if (typeof value !== 'string') throw new ExportRowError(path, `expected a string (STRING), got ${describe(value)}`);
      // DuckDB's JSON reader rejects a lone surrogate, which would fail the whole transaction it is part of.
      if (LONE_SURROGATE.test(value)) throw new ExportRowError(path, 'expected a well-formed string (lone UTF-16 surrogate)');
      return;
    case 'INT64':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        throw new ExportRowError(path, `expected a safe integer (INT64), got ${describe(value)}`);
      }
      return;
    case 'FLOAT64':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ExportRowError(path, `expected a finite number (FLOAT64), got ${describe(value)}`);
      }
      return;
    case 'BOOL':
      if (typeof value !== 'boolean') throw new ExportRowError(path, `expected a boolean (BOOL), got ${describe(value)}`);
      return;
  }
}

function checkValue(field: BqField, value: unknown, path: string): void {
  if (value === null) return;
  if (field.type === 'RECORD') {
    if (!isPlainObject(value)) throw new ExportRowError(path, `expected an object (RECORD) or null, got ${describe(value)}`);
    checkFields(field.fields ?? [], value, path);
  } else {
    checkScalar(field.type, value, path);
  }
}

function checkFields(fields: readonly BqField[], record: Record<string, unknown>, path: string): void {
  const prefix = path === '' ? '' : `${path}.`;
  for (const field of fields) {
    const value = record[field.name];
    const fieldPath = `${prefix}${field.name}`;
    if (value === undefined) throw new ExportRowError(fieldPath, 'missing (use null for an empty value)');
    if (field.mode === 'REPEATED') {
      if (!Array.isArray(value)) throw new ExportRowError(fieldPath, `expected an array (REPEATED), got ${describe(value)}`);
      value.forEach((element: unknown, i) => {
        if (element === null) throw new ExportRowError(`${fieldPath}[${i}]`, 'a REPEATED field cannot hold null');
        checkValue(field, element, `${fieldPath}[${i}]`);
      });
    } else {
      checkValue(field, value, fieldPath);
    }
  }
  if (Object.keys(record).length !== fields.length) {
    const known = new Set(fields.map((f) => f.name));
    const extra = Object.keys(record).filter((k) => !known.has(k));
    throw new ExportRowError(path === '' ? '(row)' : path, `unknown field(s) ${extra.join(', ')} not in the export schema`);
  }
}

/**
 * Checks that `row` fits `schema` exactly: every field present (null where empty), no unknown fields, scalars of
 * the right JS type, REPEATED fields as arrays. Throws an ExportRowError naming the first bad field.
 */
export function checkRow(schema: readonly BqField[], row: unknown): void {
  if (!isPlainObject(row)) throw new ExportRowError('(row)', `expected an object, got ${describe(row)}`);
  checkFields(schema, row, '');
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function safeIntegerJson(value: bigint): number | string {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
}

/**
 * DuckDB values → JSON values. Like the library's JSON converter (nested STRUCT → object, LIST → array, dates and
 * timestamps → strings), except that 64- and 128-bit integers and decimals become numbers whenever a JS number
 * holds them exactly (SUM over BIGINT yields HUGEINT, so counts would otherwise all come back as strings).
 */
export const jsonValueConverter: DuckDBValueConverter<JsonValue> = (value, type, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      if (typeof value === 'bigint') return safeIntegerJson(value);
      break;
    case DuckDBTypeId.DECIMAL:
      if (value instanceof DuckDBDecimalValue) {
        // Up to 15 significant digits a double holds the decimal's digits exactly, so the number reads back as typed.
        const digits = value.value < 0n ? -value.value : value.value;
        return digits <= 999_999_999_999_999n ? Number(value.toString()) : value.toString();
      }
      break;
    default:
      break;
  }
  return JsonDuckDBValueConverter(value, type, converter);
};
