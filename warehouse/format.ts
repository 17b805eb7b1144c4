/** Renders query results for people (an aligned table) and for programs (JSON, CSV). */

import type { JsonValue } from './duckdb-types';

export const OUTPUT_FORMATS = ['table', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Column names in first-seen order; query rows all share one key set, but hand-built rows may not. */
function columnsOf(rows: readonly Record<string, JsonValue>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** A cell as text: strings as they are, nested values as compact JSON, SQL NULL as empty (`nullText`). */
function cellText(value: JsonValue | undefined, nullText: string): string {
  if (value === null || value === undefined) return nullText;
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Width as a terminal shows it, counting code points so that emoji and accents don't skew the columns. */
function width(text: string): number {
  return [...text].length;
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Control characters would break the grid, so they are shown escaped, as in JSON. */
function escape(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? (SHORT_ESCAPES[ch] ?? `\\u${code.toString(16).padStart(4, '0')}`) : ch;
  }
  return out;
}

function formatTable(rows: readonly Record<string, JsonValue>[]): string {
  const columns = columnsOf(rows);
  const footer = `(${rows.length} row${rows.length === 1 ? '' : 's'})`;
  if (columns.length === 0) return footer;
  const header = columns.map(escape);
  const body = rows.map((row) => columns.map((c) => escape(cellText(row[c], 'NULL'))));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((row) => typeof row[c] === 'number' || row[c] === null || row[c] === undefined));
  const widths = columns.map((_, i) => Math.max(width(header[i] ?? ''), ...body.map((cells) => width(cells[i] ?? ''))));
  const pad = (text: string, i: number): string => {
    const fill = ' '.repeat((widths[i] ?? 0) - width(text));
    return numeric[i] ? fill + text : text + fill;
  };
  const line = (cells: readonly string[]): string => cells.map(pad).join(' | ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [line(header), rule, ...body.map(line), footer].join('\n');
}

/** RFC 4180: CRLF line ends; a field is quoted when it holds a comma, quote, CR or LF, with quotes doubled. */
function formatCsv(rows: readonly Record<string, JsonValue>[]): string {
  const columns = columnsOf(rows);
  if (columns.length === 0) return '';
  const field = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const lines = [columns.map(field).join(','), ...rows.map((row) => columns.map((c) => field(cellText(row[c], ''))).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** A JSON array with one row per line: valid JSON for programs, and still greppable line by line. */
function formatJson(rows: readonly Record<string, JsonValue>[]): string {
  if (rows.length === 0) return '[]';
  return `[\n${rows.map((row) => JSON.stringify(row)).join(',\n')}\n]`;
}

/**
 * Renders rows as `table` (aligned text; nested values as compact JSON; numbers right-aligned; NULL shown as
 * `NULL`; ends with a row count), `json` (a JSON array) or `csv` (RFC 4180 with a header; NULL as an empty field).
 */
export function formatRows(rows: readonly Record<string, JsonValue>[], format: OutputFormat): string {
  switch (format) {
    case 'table':
      return formatTable(rows);
    case 'json':
      return formatJson(rows);
    case 'csv':
      return formatCsv(rows);
    default: {
      const unknown: never = format;
      throw new Error(`unknown output format ${JSON.stringify(unknown)}: use ${OUTPUT_FORMATS.join(', ')}`);
    }
  }
}
