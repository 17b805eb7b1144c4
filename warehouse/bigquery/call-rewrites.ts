/**
 * BigQuery function calls that DuckDB spells differently: renamed functions, swapped argument orders, date parts
 * written as bare words, format strings, and constructs with their own inner syntax (CAST … AS, EXTRACT … FROM,
 * ARRAY_AGG … LIMIT, STRUCT(x AS name)). Calls not listed here are passed through unchanged: most aggregate,
 * window, string and math functions have the same name and meaning in both.
 */

import { quoteIdent, sqlString } from '../duckdb-types';
import { BigQuerySyntaxError } from './bigquery-errors';
import { findWord, isOp, isTok, rawText, splitArgs, word, type Node } from './bigquery-tree';
import { TokenKind } from './lex-bigquery';

/** One translated call argument, with what the rewrites need to know about its source. */
export interface Arg {
  /** The argument as DuckDB SQL. */
  sql: string;
  /** The decoded value when the argument is a single string literal. */
  literal?: string;
  /** The upper-cased word when the argument is a bare word (a date part such as `DAY` or `WEEK(MONDAY)`). */
  word?: string;
  /** The value when the argument is a non-negative integer literal. */
  integer?: number;
}

export interface CallContext {
  /** The function name, upper case. */
  name: string;
  /** The nodes between the call's parentheses. */
  items: Node[];
  /** The comma-separated arguments, translated. */
  args(): Arg[];
  /** Translates a run of nodes. */
  seq(nodes: readonly Node[]): string;
  fail(feature: string, detail?: string): never;
}

type Rewrite = (c: CallContext) => string;

function arity(c: CallContext, min: number, max = min): Arg[] {
  const args = c.args();
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new BigQuerySyntaxError(`${c.name} takes ${want} argument(s), got ${args.length}`);
  }
  return args;
}

/** The i-th argument's SQL; `arity` has checked that it exists. */
const at = (args: Arg[], i: number): string => args[i]?.sql ?? 'NULL';

const rename =
  (to: string): Rewrite =>
  (c) =>
    `${to}(${c.seq(c.items)})`;

/** BigQuery format elements that DuckDB's strftime/strptime spell differently. */
const FORMAT_ELEMENTS: Record<string, string> = {
  '%F': '%Y-%m-%d',
  '%T': '%H:%M:%S',
  '%D': '%m/%d/%y',
  '%R': '%H:%M',
  '%e': '%-d',
  '%k': '%-H',
  '%l': '%-I',
  '%h': '%b',
  '%E3S': '%S.%g',
  '%E6S': '%S.%f',
  '%E*S': '%S.%f',
};

function formatString(c: CallContext, arg: Arg | undefined): string {
  if (arg?.literal === undefined) return arg?.sql ?? 'NULL'; // a computed format is passed as is (docs/sql.md)
  const translated = arg.literal.replace(/%(E[0-9*]S|E[0-9*]?[A-Za-z]|[A-Za-z%])/g, (element) => {
    if (element === '%Q' || element === '%C' || /^%E/.test(element)) {
      if (FORMAT_ELEMENTS[element] === undefined) c.fail(`format element ${element} in ${c.name}`);
    }
    return FORMAT_ELEMENTS[element] ?? element;
  });
  return sqlString(translated);
}

/** BigQuery's naive DATETIME and our TIMESTAMP (µs UTC, no zone) seen in a time zone. */
const inZone = (x: string, tz: string): string => `timezone(${tz}, timezone('UTC', ${x}))`;

type Part = 'microsecond' | 'millisecond' | 'second' | 'minute' | 'hour' | 'day' | 'week' | 'isoweek' | 'month' | 'quarter' | 'year' | 'isoyear';

function datePart(c: CallContext, arg: Arg | undefined): Part {
  const w = arg?.word;
  switch (w) {
    case 'MICROSECOND':
    case 'MILLISECOND':
    case 'SECOND':
    case 'MINUTE':
    case 'HOUR':
    case 'DAY':
    case 'MONTH':
    case 'QUARTER':
    case 'YEAR':
    case 'ISOYEAR':
    case 'ISOWEEK':
      return w.toLowerCase() as Part;
    case 'WEEK':
    case 'WEEK(SUNDAY)':
      return 'week';
    case 'WEEK(MONDAY)':
      return 'isoweek';
    default:
      if (w?.startsWith('WEEK(')) return c.fail(`${w} in ${c.name}`, 'only WEEK, WEEK(SUNDAY), WEEK(MONDAY) and ISOWEEK');
      throw new BigQuerySyntaxError(`${c.name} needs a date part (DAY, WEEK, MONTH, …) as its last argument, got ${arg?.sql ?? 'nothing'}`);
  }
}

/** Start of the part containing x. BigQuery's WEEK starts on Sunday; DuckDB's 'week' is the ISO (Monday) week. */
function truncate(x: string, part: Part): string {
  if (part === 'week') return `(date_trunc('week', ${x} + INTERVAL 1 DAY) - INTERVAL 1 DAY)`;
  return `date_trunc('${part === 'isoweek' ? 'week' : part}', ${x})`;
}

/** DATE_DIFF counts part boundaries crossed between b and a, as BigQuery does. */
function dateDiff(a: string, b: string, part: Part): string {
  switch (part) {
    case 'day':
      return `date_diff('day', CAST(${b} AS DATE), CAST(${a} AS DATE))`;
    case 'week':
    case 'isoweek':
      return `(date_diff('day', CAST(${truncate(b, part)} AS DATE), CAST(${truncate(a, part)} AS DATE)) // 7)`;
    case 'month':
      return `((year(${a}) - year(${b})) * 12 + month(${a}) - month(${b}))`;
    case 'quarter':
      return `((year(${a}) - year(${b})) * 4 + quarter(${a}) - quarter(${b}))`;
    case 'year':
      return `(year(${a}) - year(${b}))`;
    case 'isoyear':
      return `(isoyear(${a}) - isoyear(${b}))`;
    default:
      // Below a day BigQuery counts whole elapsed units, which is DuckDB's date_sub.
      return `date_sub('${part}', ${b}, ${a})`;
  }
}

const TYPES: Record<string, string> = {
  INT64: 'BIGINT',
  INT: 'BIGINT',
  INTEGER: 'BIGINT',
  SMALLINT: 'BIGINT',
  TINYINT: 'BIGINT',
  BYTEINT: 'BIGINT',
  BIGINT: 'BIGINT',
  FLOAT64: 'DOUBLE',
  NUMERIC: 'DECIMAL(38, 9)',
  DECIMAL: 'DECIMAL(38, 9)',
  BIGNUMERIC: 'DOUBLE',
  BIGDECIMAL: 'DOUBLE',
  STRING: 'VARCHAR',
  BYTES: 'BLOB',
  BOOL: 'BOOLEAN',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  DATETIME: 'TIMESTAMP',
  TIMESTAMP: 'TIMESTAMP',
  TIME: 'TIME',
  INTERVAL: 'INTERVAL',
  JSON: 'JSON',
};

/**
 * A BigQuery type name (upper case, no spaces: `INT64`, `ARRAY<STRING>`, `NUMERIC(10,2)`) as a DuckDB type. `fail`
 * reports what has no DuckDB spelling here (STRUCT<…>, unknown names); `where` names the construct for its message.
 */
export function duckType(text: string, fail: (feature: string, detail?: string) => never, where: string): string {
  const array = /^ARRAY<(.+)>$/.exec(text);
  if (array?.[1] !== undefined) return `${duckType(array[1], fail, where)}[]`;
  if (text.startsWith('STRUCT')) fail('STRUCT<…> types', `in ${where}`);
  const decimal = /^(NUMERIC|DECIMAL)\((\d+)(?:,(\d+))?\)$/.exec(text);
  if (decimal) return `DECIMAL(${Math.min(38, Number(decimal[2]))}, ${decimal[3] ?? '0'})`;
  const base = TYPES[text.replace(/\(\d+\)$/, '')];
  if (base === undefined) return fail(`type ${text}`, `in ${where}`);
  return base;
}

function cast(to: 'CAST' | 'TRY_CAST'): Rewrite {
  return (c) => {
    let as = -1;
    c.items.forEach((n, i) => {
      if (word(n) === 'AS') as = i;
    });
    if (as === -1) throw new BigQuerySyntaxError(`${c.name} needs … AS type`);
    const typeNodes = c.items.slice(as + 1);
    if (findWord(typeNodes, 'FORMAT') !== -1) c.fail(`${c.name} … FORMAT`);
    return `${to}(${c.seq(c.items.slice(0, as))} AS ${duckType(rawText(typeNodes).toUpperCase(), (feature, detail) => c.fail(feature, detail), c.name)})`;
  };
}

const extract: Rewrite = (c) => {
  const from = findWord(c.items, 'FROM');
  if (from <= 0) throw new BigQuerySyntaxError('EXTRACT needs EXTRACT(part FROM value)');
  const zoneAt = c.items.findIndex((n, i) => i > from && word(n) === 'AT' && word(c.items[i + 1]) === 'TIME' && word(c.items[i + 2]) === 'ZONE');
  let x = c.seq(c.items.slice(from + 1, zoneAt === -1 ? undefined : zoneAt));
  if (zoneAt !== -1) x = inZone(x, c.seq(c.items.slice(zoneAt + 3)));
  const part = rawText(c.items.slice(0, from)).toUpperCase();
  switch (part) {
    case 'DAYOFWEEK':
      return `(extract(dow FROM ${x}) + 1)`; // BigQuery counts Sunday as 1, DuckDB as 0
    case 'DAYOFYEAR':
      return `extract(doy FROM ${x})`;
    case 'WEEK':
    case 'WEEK(SUNDAY)':
      return `CAST(strftime(${x}, '%U') AS BIGINT)`;
    case 'WEEK(MONDAY)':
      return `CAST(strftime(${x}, '%W') AS BIGINT)`;
    case 'ISOWEEK':
      return `extract(week FROM ${x})`;
    case 'ISOYEAR':
      return `extract(isoyear FROM ${x})`;
    case 'MILLISECOND':
      return `(extract(millisecond FROM ${x}) % 1000)`;
    case 'MICROSECOND':
      return `(extract(microsecond FROM ${x}) % 1000000)`;
    case 'DATE':
      return `CAST(${x} AS DATE)`;
    case 'TIME':
      return `CAST(${x} AS TIME)`;
    case 'DATETIME':
      return `CAST(${x} AS TIMESTAMP)`;
    case 'YEAR':
    case 'MONTH':
    case 'QUARTER':
    case 'DAY':
    case 'HOUR':
    case 'MINUTE':
    case 'SECOND':
      return `extract(${part.toLowerCase()} FROM ${x})`;
    default:
      return c.fail(`EXTRACT(${part} FROM …)`);
  }
};

/** ARRAY_AGG(DISTINCT x IGNORE NULLS ORDER BY y LIMIT n): DuckDB has FILTER for the nulls and list_slice for LIMIT. */
/**
 * `ARRAY_AGG(x IGNORE NULLS ORDER BY k [ASC|DESC] LIMIT 1)`, the "first non-null x by k" that GA4 analysts write for a
 * session's landing page, device or source: DuckDB's arg_min / arg_max finds it without building and sorting every
 * group's list, which costs far more on a million events. The result is still an array of at most one element.
 * Rows whose k is NULL are skipped (BigQuery would sort them first): docs/sql.md, known differences.
 */
function firstNonNull(
  c: CallContext,
  at: { distinct: boolean; ignore: number; order: number; limit: number; value: string },
): string | undefined {
  const items = c.items;
  if (at.distinct || at.ignore === -1 || word(items[at.ignore]) !== 'IGNORE' || at.order === -1 || at.limit === -1) return undefined;
  const limit = items.slice(at.limit + 1);
  if (limit.length !== 1 || !isTok(limit[0]) || limit[0].text !== '1') return undefined;
  let keys = items.slice(at.order + 2, at.limit);
  let fn = 'arg_min';
  const last = word(keys.at(-1));
  if (last === 'DESC' || last === 'ASC') {
    fn = last === 'DESC' ? 'arg_max' : 'arg_min';
    keys = keys.slice(0, -1);
  }
  if (keys.length === 0 || splitArgs(keys).length !== 1 || keys.some((n) => word(n) === 'NULLS')) return undefined;
  const key = c.seq(keys);
  return `list_filter([${fn}(${at.value}, ${key}) FILTER (WHERE (${at.value}) IS NOT NULL)], __x -> __x IS NOT NULL)`;
}

const arrayAgg: Rewrite = (c) => {
  const items = c.items;
  const distinct = word(items[0]) === 'DISTINCT';
  const ignore = items.findIndex((n, i) => (word(n) === 'IGNORE' || word(n) === 'RESPECT') && word(items[i + 1]) === 'NULLS');
  const order = items.findIndex((n, i) => word(n) === 'ORDER' && word(items[i + 1]) === 'BY');
  const limit = findWord(items, 'LIMIT');
  const ends = [ignore, order, limit, items.length].filter((n) => n >= 0);
  const value = c.seq(items.slice(distinct ? 1 : 0, Math.min(...ends)));
  const orderBy = order === -1 ? '' : ` ${c.seq(items.slice(order, limit === -1 ? undefined : limit))}`;
  const first = firstNonNull(c, { distinct, ignore, order, limit, value });
  if (first !== undefined) return first;
  let sql = `array_agg(${distinct ? 'DISTINCT ' : ''}${value}${orderBy})`;
  if (ignore !== -1 && word(items[ignore]) === 'IGNORE') sql += ` FILTER (WHERE ${value} IS NOT NULL)`;
  if (limit !== -1) sql = `list_slice(${sql}, 1, ${c.seq(items.slice(limit + 1))})`;
  return sql;
};

const stringAgg: Rewrite = (c) => {
  if (findWord(c.items, 'LIMIT') !== -1) c.fail('STRING_AGG(… LIMIT n)');
  return `string_agg(${c.seq(c.items)})`;
};

/** STRUCT(a AS x, t.b, 1): fields are named by AS, else by the last part of a column path, else _field_N. */
const struct: Rewrite = (c) => {
  const fields = splitArgs(c.items).map((nodes, i) => {
    const last = nodes.at(-1);
    if (nodes.length >= 3 && word(nodes.at(-2)) === 'AS' && isTok(last)) {
      return `${quoteIdent(last.value)} := ${c.seq(nodes.slice(0, -2))}`;
    }
    const isPath = nodes.every((n, k) => (k % 2 === 0 ? isTok(n) && (n.kind === TokenKind.word || n.kind === TokenKind.quoted) : isOp(n, '.')));
    const name = isPath && isTok(last) ? last.value.split('.').at(-1) ?? '' : `_field_${i + 1}`;
    return `${quoteIdent(name)} := ${c.seq(nodes)}`;
  });
  if (fields.length === 0) c.fail('STRUCT()', 'an empty struct');
  return `struct_pack(${fields.join(', ')})`;
};

function captureGroup(pattern: Arg | undefined): number {
  // BigQuery returns the capturing group when the pattern has one; DuckDB returns group 0 unless told.
  const literal = pattern?.literal;
  if (literal === undefined) return 0;
  return /(^|[^\\])\((?!\?)/.test(literal.replace(/\\\\/g, '')) ? 1 : 0;
}

const plusMinus =
  (op: '+' | '-', toDate: boolean): Rewrite =>
  (c) => {
    const args = arity(c, 2);
    const sql = `(${at(args, 0)}) ${op} (${at(args, 1)})`;
    return toDate ? `CAST(${sql} AS DATE)` : `(${sql})`;
  };

const trunc =
  (toDate: boolean): Rewrite =>
  (c) => {
    const args = arity(c, 2, 3);
    let x = at(args, 0);
    if (args[2] !== undefined) x = inZone(x, at(args, 2));
    const sql = truncate(x, datePart(c, args[1]));
    return toDate ? `CAST(${sql} AS DATE)` : sql;
  };

const diff: Rewrite = (c) => {
  const args = arity(c, 3);
  return dateDiff(at(args, 0), at(args, 1), datePart(c, args[2]));
};

const unsupported =
  (detail?: string): Rewrite =>
  (c) =>
    c.fail(c.name, detail);

export const callRewrites: Record<string, Rewrite | undefined> = {
  COUNTIF: rename('count_if'),
  LOGICAL_AND: rename('bool_and'),
  LOGICAL_OR: rename('bool_or'),
  REGEXP_CONTAINS: rename('regexp_matches'),
  ARRAY_LENGTH: rename('len'),
  ARRAY_REVERSE: rename('list_reverse'),
  GENERATE_ARRAY: rename('generate_series'),
  PERCENTILE_CONT: rename('quantile_cont'),
  PERCENTILE_DISC: rename('quantile_disc'),
  FORMAT: rename('printf'),
  JSON_EXTRACT: rename('json_extract'),
  JSON_QUERY: rename('json_extract'),
  JSON_EXTRACT_SCALAR: rename('json_extract_string'),
  JSON_VALUE: rename('json_extract_string'),
  CAST: cast('CAST'),
  SAFE_CAST: cast('TRY_CAST'),
  EXTRACT: extract,
  ARRAY_AGG: arrayAgg,
  STRING_AGG: stringAgg,
  STRUCT: struct,
  SAFE_DIVIDE: (c) => {
    const [a, b] = arity(c, 2).map((x) => x.sql);
    return `(CASE WHEN (${b}) = 0 THEN NULL ELSE (${a}) / (${b}) END)`;
  },
  IEEE_DIVIDE: (c) => {
    const args = arity(c, 2);
    return `(CAST(${at(args, 0)} AS DOUBLE) / (${at(args, 1)}))`;
  },
  // BigQuery's MD5 returns BYTES and DuckDB's md5 hex text: as bytes, TO_BASE64(MD5(x)) gives the same keys in
  // both (the GA4 community's client_key / session_key are built that way).
  MD5: (c) => `unhex(md5(${at(arity(c, 1), 0)}))`,
  DIV: (c) => {
    const args = arity(c, 2);
    return `((${at(args, 0)}) // (${at(args, 1)}))`;
  },
  PARSE_DATE: (c) => {
    const args = arity(c, 2);
    return `CAST(strptime(${at(args, 1)}, ${formatString(c, args[0])}) AS DATE)`;
  },
  PARSE_DATETIME: (c) => {
    const args = arity(c, 2);
    return `strptime(${at(args, 1)}, ${formatString(c, args[0])})`;
  },
  PARSE_TIMESTAMP: (c) => {
    const args = arity(c, 2, 3);
    const local = `strptime(${at(args, 1)}, ${formatString(c, args[0])})`;
    return args[2] === undefined ? local : `CAST(timezone('UTC', timezone(${at(args, 2)}, ${local})) AS TIMESTAMP)`;
  },
  FORMAT_DATE: (c) => {
    const args = arity(c, 2);
    return `strftime(${at(args, 1)}, ${formatString(c, args[0])})`;
  },
  FORMAT_DATETIME: (c) => {
    const args = arity(c, 2);
    return `strftime(${at(args, 1)}, ${formatString(c, args[0])})`;
  },
  FORMAT_TIMESTAMP: (c) => {
    const args = arity(c, 2, 3);
    const x = args[2] === undefined ? at(args, 1) : inZone(at(args, 1), at(args, 2));
    return `strftime(${x}, ${formatString(c, args[0])})`;
  },
  // TIMESTAMP values are DuckDB TIMESTAMPs holding UTC (no zone), like the export's µs event_timestamp.
  TIMESTAMP_MICROS: (c) => `make_timestamp(CAST(${at(arity(c, 1), 0)} AS BIGINT))`,
  TIMESTAMP_MILLIS: (c) => `make_timestamp(CAST(${at(arity(c, 1), 0)} AS BIGINT) * 1000)`,
  TIMESTAMP_SECONDS: (c) => `make_timestamp(CAST(${at(arity(c, 1), 0)} AS BIGINT) * 1000000)`,
  UNIX_MICROS: (c) => `epoch_us(${at(arity(c, 1), 0)})`,
  UNIX_MILLIS: (c) => `epoch_ms(${at(arity(c, 1), 0)})`,
  UNIX_SECONDS: (c) => `CAST(floor(epoch(${at(arity(c, 1), 0)})) AS BIGINT)`,
  UNIX_DATE: (c) => `date_diff('day', DATE '1970-01-01', ${at(arity(c, 1), 0)})`,
  DATE_FROM_UNIX_DATE: (c) => `CAST(DATE '1970-01-01' + CAST(${at(arity(c, 1), 0)} AS INTEGER) AS DATE)`,
  CURRENT_DATE: (c) => {
    const args = arity(c, 0, 1);
    return `CAST(timezone(${args[0]?.sql ?? `'UTC'`}, get_current_timestamp()) AS DATE)`;
  },
  CURRENT_DATETIME: (c) => {
    const args = arity(c, 0, 1);
    return `CAST(timezone(${args[0]?.sql ?? `'UTC'`}, get_current_timestamp()) AS TIMESTAMP)`;
  },
  CURRENT_TIMESTAMP: (c) => {
    arity(c, 0);
    return `CAST(timezone('UTC', get_current_timestamp()) AS TIMESTAMP)`;
  },
  DATE: (c) => {
    const args = arity(c, 1, 3);
    if (args.length === 3) return `make_date(${args.map((a) => a.sql).join(', ')})`;
    if (args.length === 2) return `CAST(${inZone(at(args, 0), at(args, 1))} AS DATE)`;
    return `CAST(${at(args, 0)} AS DATE)`;
  },
  DATETIME: (c) => {
    const args = arity(c, 1, 6);
    if (args.length === 6) return `make_timestamp(${args.map((a) => a.sql).join(', ')})`;
    if (args.length === 2 && args[1]?.literal !== undefined) return `CAST(${inZone(at(args, 0), at(args, 1))} AS TIMESTAMP)`;
    if (args.length === 2) return `(CAST(${at(args, 0)} AS DATE) + CAST(${at(args, 1)} AS TIME))`;
    if (args.length === 1) return `CAST(${at(args, 0)} AS TIMESTAMP)`;
    throw new BigQuerySyntaxError(`DATETIME takes 1, 2 or 6 arguments, got ${args.length}`);
  },
  TIMESTAMP: (c) => {
    const args = arity(c, 1, 2);
    if (args.length === 1) return `CAST(${at(args, 0)} AS TIMESTAMP)`;
    return `CAST(timezone('UTC', timezone(${at(args, 1)}, CAST(${at(args, 0)} AS TIMESTAMP))) AS TIMESTAMP)`;
  },
  DATE_ADD: plusMinus('+', true),
  DATE_SUB: plusMinus('-', true),
  DATETIME_ADD: plusMinus('+', false),
  DATETIME_SUB: plusMinus('-', false),
  TIMESTAMP_ADD: plusMinus('+', false),
  TIMESTAMP_SUB: plusMinus('-', false),
  DATE_TRUNC: trunc(true),
  DATETIME_TRUNC: trunc(false),
  TIMESTAMP_TRUNC: trunc(false),
  DATE_DIFF: diff,
  DATETIME_DIFF: diff,
  TIMESTAMP_DIFF: (c) => {
    const args = arity(c, 3);
    const part = datePart(c, args[2]);
    return `date_sub('${part}', ${at(args, 1)}, ${at(args, 0)})`;
  },
  LAST_DAY: (c) => {
    const args = arity(c, 1, 2);
    if (args[1] !== undefined && datePart(c, args[1]) !== 'month') c.fail(`LAST_DAY(…, ${args[1].word ?? '…'})`, 'only MONTH');
    return `last_day(${at(args, 0)})`;
  },
  GENERATE_DATE_ARRAY: (c) => {
    const args = arity(c, 2, 3);
    const step = args[2]?.sql ?? 'INTERVAL 1 DAY';
    return `list_transform(generate_series(CAST(${at(args, 0)} AS TIMESTAMP), CAST(${at(args, 1)} AS TIMESTAMP), ${step}), lambda __d: CAST(__d AS DATE))`;
  },
  ARRAY_CONCAT: (c) => {
    const args = c.args().map((a) => a.sql);
    const [first, ...rest] = args;
    if (first === undefined) throw new BigQuerySyntaxError('ARRAY_CONCAT takes at least one argument');
    return rest.reduce((acc, a) => `list_concat(${acc}, ${a})`, first);
  },
  REGEXP_REPLACE: (c) => {
    const args = arity(c, 3);
    return `regexp_replace(${at(args, 0)}, ${at(args, 1)}, ${at(args, 2)}, 'g')`;
  },
  REGEXP_EXTRACT: (c) => {
    const args = arity(c, 2);
    return `regexp_extract(${at(args, 0)}, ${at(args, 1)}, ${captureGroup(args[1])})`;
  },
  REGEXP_EXTRACT_ALL: (c) => {
    const args = arity(c, 2);
    return `regexp_extract_all(${at(args, 0)}, ${at(args, 1)}, ${captureGroup(args[1])})`;
  },
  SPLIT: (c) => {
    const args = arity(c, 1, 2);
    return `string_split(${at(args, 0)}, ${args[1]?.sql ?? `','`})`;
  },
  CONTAINS_SUBSTR: (c) => {
    const args = arity(c, 2);
    return `contains(lower(CAST(${at(args, 0)} AS VARCHAR)), lower(${at(args, 1)}))`;
  },
  TO_JSON_STRING: (c) => `CAST(to_json(${at(arity(c, 1), 0)}) AS VARCHAR)`,
  STRING: (c) => `CAST(${at(arity(c, 1, 2), 0)} AS VARCHAR)`,
  APPROX_QUANTILES: (c) => {
    const args = arity(c, 2);
    const n = args[1]?.integer;
    if (n === undefined || n < 1 || n > 1000) return c.fail('APPROX_QUANTILES with a computed number of quantiles', 'give it a whole-number literal 1–1000');
    const points = Array.from({ length: n + 1 }, (_, i) => String(i / n));
    return `quantile_disc(${at(args, 0)}, [${points.join(', ')}])`;
  },
  APPROX_TOP_COUNT: unsupported(),
  APPROX_TOP_SUM: unsupported(),
  FARM_FINGERPRINT: unsupported('DuckDB has hash(), but its values differ from BigQuery’s'),
  SESSION_USER: unsupported(),
  EXTERNAL_QUERY: unsupported(),
};

