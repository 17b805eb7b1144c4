/**
 * One export row as a line of JSON for DuckDB's read_json, without its null fields. Separate from warehouse.ts so
 * that a worker thread (the collector's) can build the lines without loading DuckDB.
 */

import { EXPORT_SCHEMA, type BqField } from '../ga4/export-schema';
import type { ExportRow } from './export-row';

type LineWriter = (row: ExportRow) => string;

/** Characters that JSON.stringify escapes in a string (quote, backslash, controls, any surrogate to be safe). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON must escape
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Compiles a writer for rows of `schema`: JavaScript source with one statement per field, so that a row costs one
 * pass over its fields and no function call per key. JSON.stringify with a replacer that drops nulls, the earlier
 * way, calls the replacer for every key and value of the row and was a large share of the collector's mapping
 * thread; this writer is several times cheaper (figures in warehouse/README.md). Strings without anything to
 * escape are quoted as they are. The source is built only from
 * the field names of the schema (a constant of ours), never from data.
 */
export function compileLineWriter(schema: readonly BqField[]): LineWriter {
  const functions: string[] = [];
  let counter = 0;
  /** The expression that writes a non-null value `v` of `field` (scalars, records, lists). */
  const valueExpr = (field: BqField, v: string, repeated: boolean): string => {
    if (repeated) {
      const name = `list${counter++}`;
      const element = valueExpr(field, 'e', false);
      functions.push(
        `function ${name}(a) {\n  if (!Array.isArray(a)) return J(a);\n  let o = '';\n  for (let i = 0; i < a.length; i++) {\n    const e = a[i];\n    o += (i === 0 ? '' : ',') + (e == null ? 'null' : ${element});\n  }\n  return '[' + o + ']';\n}`,
      );
      return `${name}(${v})`;
    }
    if (field.type === 'RECORD') {
      const name = `record${counter++}`;
      const body = (field.fields ?? [])
        .map((child, i) => {
          const key = JSON.stringify(child.name);
          return `  const v${i} = r[${key}];\n  if (v${i} != null) o += ${JSON.stringify(`,${JSON.stringify(child.name)}:`)} + ${valueExpr(child, `v${i}`, child.mode === 'REPEATED')};`;
        })
        .join('\n');
      functions.push(`function ${name}(r) {\n  if (typeof r !== 'object') return J(r);\n  let o = '';\n${body}\n  return o === '' ? '{}' : '{' + o.slice(1) + '}';\n}`);
      return `${name}(${v})`;
    }
    // Numbers as JSON.stringify writes them (NaN and ±Infinity become null); strings escaped by JSON.stringify.
    if (field.type === 'INT64' || field.type === 'FLOAT64') return `(typeof ${v} === 'number' ? (Number.isFinite(${v}) ? '' + ${v} : 'null') : J(${v}))`;
    if (field.type === 'BOOL') return `(${v} === true ? 'true' : ${v} === false ? 'false' : J(${v}))`;
    return `(typeof ${v} === 'string' && !NEEDS_ESCAPE.test(${v}) ? '"' + ${v} + '"' : J(${v}))`;
  };
  const top = valueExpr({ name: 'row', type: 'RECORD', fields: schema }, 'row', false);
  const source = `${functions.join('\n')}\nreturn (row) => ${top};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a compiled writer from our own schema constant; see above
  const build = new Function('J', 'NEEDS_ESCAPE', source) as (stringify: (value: unknown) => string, needsEscape: RegExp) => LineWriter;
  return build((value) => JSON.stringify(value) ?? 'null', NEEDS_ESCAPE);
}

const writeExportRow = compileLineWriter(EXPORT_SCHEMA);

/**
 * Most fields of a GA4 export row are empty (an item alone has 26 fields): leaving the nulls out about halves the
 * text (warehouse/README.md), and with it both the time to write it and DuckDB's time to parse it. COPY FROM
 * (FORMAT json, as read_json with explicit `columns`) reads a missing key as NULL, so the stored row is the same;
 * empty lists stay `[]`. Keys come in schema order. The text never holds a raw newline (JSON escapes them).
 */
export function rowLine(row: ExportRow): string {
  return writeExportRow(row);
}
