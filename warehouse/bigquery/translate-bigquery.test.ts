import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse, type ExportRow, type JsonValue } from '../warehouse';
import { BigQuerySyntaxError, BigQueryUnsupportedError } from './bigquery-errors';
import { BigQueryExecutionError, queryBigQuery } from './query-bigquery';
import { sampleExport } from './sample-export';
import { translateBigQuery, translateBigQueryScript } from './translate-bigquery';

let dir: string;
let warehouse: Warehouse;
let rows: ExportRow[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'shoplab-bigquery-'));
  warehouse = await Warehouse.open({ dataDir: dir, property: '123456' });
  rows = sampleExport({ users: 10 });
  await warehouse.insertEvents(rows);
});

afterAll(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

const bq = (sql: string): Promise<Record<string, JsonValue>[]> => queryBigQuery(warehouse, sql);
async function one(sql: string): Promise<Record<string, JsonValue>> {
  const [row] = await bq(sql);
  if (row === undefined) throw new Error(`no row from ${sql}`);
  return row;
}
const translate = (sql: string, sourceDataset?: string): string =>
  translateBigQuery(sql, { dataset: 'analytics_123456', ...(sourceDataset ? { sourceDataset } : {}) });
const count = (predicate: (r: ExportRow) => boolean): number => rows.filter(predicate).length;

describe('lexing', () => {
  it('turns BigQuery string literals (double quotes, escapes, raw, triple-quoted) into DuckDB literals', async () => {
    const row = await one(String.raw`SELECT "it's" AS a, 'a\'b\n' AS b, r'\d+' AS c, """x "y" z""" AS d, '\x41\u00e9' AS e`);
    expect(row).toEqual({ a: "it's", b: "a'b\n", c: '\\d+', d: 'x "y" z', e: 'Aé' });
  });

  it('never rewrites inside strings, comments or quoted names', async () => {
    const row = await one(`SELECT 'FROM x.events_* UNNEST(items)' AS s, # FROM p.d.events_*
      -- COUNTIF(
      /* SAFE_DIVIDE( */ 1 AS \`COUNTIF\``);
    expect(row).toEqual({ s: 'FROM x.events_* UNNEST(items)', COUNTIF: 1 });
  });

  it('reports unterminated strings, comments and brackets with their position', () => {
    expect(() => translate(`SELECT 'abc`)).toThrow(new BigQuerySyntaxError('unterminated string starting at line 1, column 8'));
    expect(() => translate(`SELECT 1\n/* open`)).toThrow(/unterminated \/\* comment starting at line 2, column 1/);
    expect(() => translate(`SELECT (1`)).toThrow(/unclosed \( at line 1, column 8/);
    expect(() => translate('SELECT `a')).toThrow(/unterminated `quoted name`/);
    expect(() => translate('SELEC nonsense')).toThrow(new BigQuerySyntaxError('syntax error: a query starts with SELECT or WITH, not "SELEC"'));
  });
});

describe('tables', () => {
  it('maps project.dataset.events_*, dataset.events_* and events_* onto every day of the local dataset', async () => {
    for (const from of ['`my-project.analytics_987.events_*`', '`my-project`.analytics_987.`events_*`', 'analytics_987.events_*', '`events_*`', 'events_*']) {
      expect(await one(`SELECT COUNT(*) AS n FROM ${from}`), from).toEqual({ n: rows.length });
    }
  });

  it('exposes _TABLE_SUFFIX as the matched part of the day table name', async () => {
    const suffixes = await bq('SELECT DISTINCT _TABLE_SUFFIX AS s FROM `p.d.events_*` ORDER BY s');
    expect(suffixes.map((r) => r.s)).toEqual([...new Set(rows.map((r) => r.event_date))].sort());
    const partial = await bq("SELECT _TABLE_SUFFIX AS s, COUNT(*) AS n FROM `p.d.events_2026110*` WHERE _TABLE_SUFFIX BETWEEN '1' AND '2' GROUP BY 1 ORDER BY 1");
    expect(partial).toEqual([
      { s: '1', n: count((r) => r.event_date === '20261101') },
      { s: '2', n: count((r) => r.event_date === '20261102') },
    ]);
  });

  it('filters day shards by _TABLE_SUFFIX BETWEEN', async () => {
    const row = await one("SELECT COUNT(*) AS n FROM `p.d.events_*` WHERE _TABLE_SUFFIX BETWEEN '20261102' AND '20261103'");
    expect(row.n).toBe(count((r) => r.event_date >= '20261102' && r.event_date <= '20261103'));
    expect(row.n).toBeGreaterThan(0);
  });

  it('reads one day table, and intraday tables as empty (every local day is final)', async () => {
    expect(await one('SELECT COUNT(*) AS n FROM `p.d.events_20261102`')).toEqual({ n: count((r) => r.event_date === '20261102') });
    expect(await one('SELECT COUNT(*) AS n FROM `p.d.events_intraday_*`')).toEqual({ n: 0 });
    expect(await one('SELECT COUNT(*) AS n FROM `p.d.events_intraday_20261102`')).toEqual({ n: 0 });
    const union = await one(`SELECT COUNT(*) AS n FROM (
      SELECT event_name FROM \`p.d.events_*\` WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130'
      UNION ALL SELECT event_name FROM \`p.d.events_intraday_*\`)`);
    expect(union.n).toBe(count((r) => r.event_date >= '20261101'));
  });

  it('lets a WITH name shadow a table name, and leaves local schemas such as ground_truth alone', () => {
    expect(translate('WITH events AS (SELECT 1 AS x) SELECT x FROM events')).toBe('WITH events AS (SELECT 1 AS x) SELECT x FROM "events"');
    expect(translate('SELECT * FROM ground_truth.sim_sessions')).toBe('SELECT * FROM "ground_truth"."sim_sessions"');
  });

  it('refuses other datasets when a source dataset is configured, and tables the local export does not have', () => {
    expect(translate('SELECT 1 FROM `p.analytics_1.events_*`', 'analytics_1')).toContain('"analytics_123456".events');
    expect(() => translate('SELECT 1 FROM `p.analytics_2.events_*`', 'analytics_1')).toThrow(/dataset analytics_2 .*analytics_1/);
    expect(() => translate('SELECT 1 FROM `p.analytics_1.pseudonymous_users_*`')).toThrow(/wildcard table pseudonymous_users_\*/);
    expect(() => translate('SELECT 1 FROM `p.analytics_1.users_20261101`')).toThrow(/table p\.analytics_1\.users_20261101/);
  });
});

describe('UNNEST', () => {
  it('yields the struct fields as columns, qualified by the alias or bare, beside the whole element', async () => {
    const items = await bq(`SELECT item.item_id, item_name, item AS whole
      FROM \`p.d.events_*\`, UNNEST(items) AS item
      WHERE event_name = 'purchase' ORDER BY event_timestamp, item_id LIMIT 1`);
    const first = rows.filter((r) => r.event_name === 'purchase').sort((a, b) => a.event_timestamp - b.event_timestamp)[0]?.items.slice().sort((a, b) => (a.item_id ?? '').localeCompare(b.item_id ?? ''))[0];
    expect(items).toEqual([{ item_id: first?.item_id, item_name: first?.item_name, whole: first }]);
  });

  it('keeps every row in LEFT JOIN UNNEST … ON, with NULLs where no element matches', async () => {
    const row = await one(`SELECT COUNT(*) AS n, COUNT(sid.value.int_value) AS with_sid, COUNT(nope.key) AS with_nope
      FROM \`p.d.events_*\`
      LEFT JOIN UNNEST(event_params) AS sid ON sid.key = 'ga_session_id'
      LEFT JOIN UNNEST(event_params) AS nope ON nope.key = 'no_such_param'`);
    expect(row).toEqual({ n: rows.length, with_sid: rows.length, with_nope: 0 });
  });

  it('answers scalar subqueries over UNNEST(event_params)', async () => {
    const got = await bq(`SELECT event_timestamp,
        (SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_id') AS sid,
        (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page_title') AS title
      FROM \`p.d.events_*\` ORDER BY event_timestamp LIMIT 3`);
    const want = rows
      .slice()
      .sort((a, b) => a.event_timestamp - b.event_timestamp)
      .slice(0, 3)
      .map((r) => ({
        event_timestamp: r.event_timestamp,
        sid: r.event_params.find((p) => p.key === 'ga_session_id')?.value.int_value,
        title: r.event_params.find((p) => p.key === 'page_title')?.value.string_value,
      }));
    expect(got).toEqual(want);
  });

  it('unnests arrays of scalars, WITH OFFSET, IN UNNEST, and the implicit t.items form', async () => {
    expect(await bq('SELECT x, pos FROM UNNEST([10, 20, 30]) AS x WITH OFFSET AS pos ORDER BY pos')).toEqual([
      { x: 10, pos: 0 },
      { x: 20, pos: 1 },
      { x: 30, pos: 2 },
    ]);
    expect(await one("SELECT 'b' IN UNNEST(['a', 'b']) AS yes, 'c' IN UNNEST(['a', 'b']) AS no")).toEqual({ yes: true, no: false });
    const implicit = await one(`SELECT COUNT(*) AS n FROM \`p.d.events_*\` AS e, e.items AS item WHERE item.quantity > 0`);
    expect(implicit.n).toBe(rows.reduce((n, r) => n + r.items.filter((i) => (i.quantity ?? 0) > 0).length, 0));
  });

  it('indexes arrays with OFFSET (0-based), ORDINAL (1-based) and SAFE_OFFSET (NULL when out of range)', async () => {
    expect(await one("SELECT ['a', 'b'][OFFSET(1)] AS o, ['a', 'b'][ORDINAL(1)] AS r, ['a'][SAFE_OFFSET(5)] AS s")).toEqual({ o: 'b', r: 'a', s: null });
    expect(() => translate('SELECT [1][0]')).toThrow(BigQueryUnsupportedError);
    expect(await one('SELECT ARRAY[7] AS a, [8] AS b, (SELECT [9]) AS c')).toEqual({ a: [7], b: [8], c: [9] });
  });
});

describe('functions and clauses of GA4 export queries', () => {
  it('COUNTIF, SAFE_DIVIDE, IFNULL, IF, APPROX_COUNT_DISTINCT, LOGICAL_OR', async () => {
    const row = await one(`SELECT
        COUNTIF(event_name = 'purchase') AS purchases,
        SAFE_DIVIDE(COUNTIF(event_name = 'purchase'), 0) AS by_zero,
        SAFE_DIVIDE(1, 4) AS quarter,
        IFNULL(NULL, 'x') AS ifnull,
        IF(1 > 2, 'a', 'b') AS iff,
        APPROX_COUNT_DISTINCT(event_name) BETWEEN 7 AND 9 AS names_about_right,
        LOGICAL_OR(event_name = 'first_visit') AS any_first_visit,
      FROM \`p.d.events_*\``);
    expect(row).toEqual({
      purchases: count((r) => r.event_name === 'purchase'),
      by_zero: null,
      quarter: 0.25,
      ifnull: 'x',
      iff: 'b',
      names_about_right: true,
      any_first_visit: true,
    });
  });

  it('dates: PARSE_DATE, FORMAT_DATE, TIMESTAMP_MICROS, DATE_SUB, DATE_TRUNC, DATE_DIFF, EXTRACT, CURRENT_DATE', async () => {
    const row = await one(`SELECT
        PARSE_DATE('%Y%m%d', '20261101') AS d,
        FORMAT_DATE('%F', PARSE_DATE('%Y%m%d', '20261103')) AS iso,
        FORMAT_DATE('%Y%m%d', DATE_SUB(DATE '2026-11-03', INTERVAL 2 DAY)) AS minus_two,
        FORMAT_TIMESTAMP('%F %T', TIMESTAMP_MICROS(1793534400000000)) AS ts,
        EXTRACT(DAYOFWEEK FROM DATE '2026-11-01') AS sunday,
        EXTRACT(DAYOFWEEK FROM DATE '2026-11-07') AS saturday,
        EXTRACT(HOUR FROM TIMESTAMP_MICROS(1793534400000000)) AS hour,
        EXTRACT(WEEK FROM DATE '2026-01-04') AS week,
        DATE_TRUNC(DATE '2026-11-07', WEEK) AS week_start,
        DATE_TRUNC(DATE '2026-11-07', ISOWEEK) AS isoweek_start,
        DATE_TRUNC(DATE '2026-11-07', MONTH) AS month_start,
        DATE_DIFF(DATE '2026-11-08', DATE '2026-11-07', WEEK) AS weeks,
        DATE_DIFF(DATE '2026-12-01', DATE '2026-11-30', MONTH) AS months,
        DATE_DIFF(DATE '2026-11-08', DATE '2026-11-01', DAY) AS days,
        TIMESTAMP_DIFF(TIMESTAMP_MICROS(7200000000), TIMESTAMP_MICROS(1), HOUR) AS hours,
        DATE_SUB(CURRENT_DATE(), INTERVAL 1 DAY) < CURRENT_DATE() AS yesterday_before_today,`);
    expect(row).toEqual({
      d: '2026-11-01',
      iso: '2026-11-03',
      minus_two: '20261101',
      ts: '2026-11-01 12:00:00',
      sunday: 1,
      saturday: 7,
      hour: 12,
      week: 1,
      week_start: '2026-11-01',
      isoweek_start: '2026-11-02',
      month_start: '2026-11-01',
      weeks: 1,
      months: 1,
      days: 7,
      hours: 1,
      yesterday_before_today: true,
    });
  });

  it('ARRAY_AGG with ORDER BY, LIMIT and IGNORE NULLS; STRUCT field names', async () => {
    const agg = await one(`SELECT ARRAY_AGG(x IGNORE NULLS ORDER BY x DESC LIMIT 2) AS top,
        ARRAY_AGG(STRUCT(x AS value, 'k' AS kind) ORDER BY x LIMIT 1)[OFFSET(0)].value AS lowest
      FROM UNNEST([3, NULL, 1, 2]) AS x`);
    // BigQuery sorts NULLs first in ascending order (DuckDB's default is last) …
    expect(agg).toEqual({ top: [3, 2], lowest: null });
    // … and that setting stays with the query's own connection.
    expect(await warehouse.query('SELECT x FROM (VALUES (1), (NULL)) AS t(x) ORDER BY x')).toEqual([{ x: 1 }, { x: null }]);
    expect(await one("SELECT STRUCT(1 AS a, t.x, 'z') AS s FROM (SELECT 5 AS x) AS t")).toEqual({ s: { a: 1, x: 5, _field_3: 'z' } });
  });

  it('ARRAY_AGG(x IGNORE NULLS ORDER BY k LIMIT 1), the first non-null by k, per group and in both directions', async () => {
    const got = await bq(`SELECT g,
        ARRAY_AGG(x IGNORE NULLS ORDER BY k LIMIT 1)[SAFE_OFFSET(0)] AS first_x,
        ARRAY_AGG(x IGNORE NULLS ORDER BY k DESC LIMIT 1)[SAFE_OFFSET(0)] AS last_x,
        ARRAY_LENGTH(ARRAY_AGG(x IGNORE NULLS ORDER BY k LIMIT 1)) AS n
      FROM UNNEST([STRUCT(1 AS g, 1 AS k, CAST(NULL AS STRING) AS x), STRUCT(1 AS g, 2 AS k, 'b' AS x),
                   STRUCT(1 AS g, 3 AS k, 'c' AS x), STRUCT(1 AS g, 4 AS k, CAST(NULL AS STRING) AS x),
                   STRUCT(2 AS g, 1 AS k, CAST(NULL AS STRING) AS x)])
      GROUP BY g ORDER BY g`);
    expect(got).toEqual([
      { g: 1, first_x: 'b', last_x: 'c', n: 1 },
      { g: 2, first_x: null, last_x: null, n: 0 },
    ]);
    expect(translate('SELECT ARRAY_AGG(x IGNORE NULLS ORDER BY k LIMIT 1) FROM t')).toMatch(/arg_min/);
  });

  it('looks a GA4 parameter up without a correlated subquery, with the same answers', async () => {
    const sql = `SELECT (SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_id') AS sid,
        (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'no_such_key') AS missing
      FROM \`p.d.events_*\``;
    expect(translate(sql)).not.toMatch(/unnest/i);
    // The key's position in the list of keys: list_filter built a list of whole parameters per lookup.
    expect(translate(sql)).toMatch(/list_position\(list_transform\(event_params, /);
    expect(translate(sql)).not.toMatch(/list_filter/);
    const got = await bq(`${sql} ORDER BY event_timestamp`);
    const want = rows
      .slice()
      .sort((a, b) => a.event_timestamp - b.event_timestamp)
      .map((r) => ({ sid: r.event_params.find((p) => p.key === 'ga_session_id')?.value.int_value ?? null, missing: null }));
    expect(got).toEqual(want);
  });

  it('QUALIFY, window functions, WITH chains, * EXCEPT, SAFE_CAST, SAFE.-prefixed calls, regular expressions', async () => {
    const firsts = await bq(`WITH e AS (SELECT user_pseudo_id, event_name, event_timestamp FROM \`p.d.events_*\`),
      firsts AS (SELECT * FROM e WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY user_pseudo_id ORDER BY event_timestamp) = 1)
      SELECT * EXCEPT (event_timestamp) FROM firsts ORDER BY user_pseudo_id`);
    expect(firsts.length).toBe(new Set(rows.map((r) => r.user_pseudo_id)).size);
    expect(firsts.every((r) => Object.keys(r).join() === 'user_pseudo_id,event_name' && r.event_name === 'first_visit')).toBe(true);
    expect(
      await one(String.raw`SELECT SAFE_CAST('x' AS INT64) AS bad, CAST(12 AS STRING) AS s, SAFE.PARSE_DATE('%Y%m%d', 'nope') AS nodate,
        REGEXP_EXTRACT('/products/sku-mug', r'/products/([^/]+)') AS slug, REGEXP_REPLACE('a-b-c', '-', '_') AS all_replaced,
        REGEXP_CONTAINS('checkout', r'^check') AS matches`),
    ).toEqual({ bad: null, s: '12', nodate: null, slug: 'sku-mug', all_replaced: 'a_b_c', matches: true });
  });
});

describe('more BigQuery functions give BigQuery’s answers', () => {
  it.each([
    ["GENERATE_DATE_ARRAY(DATE '2026-11-01', DATE '2026-11-15', INTERVAL 1 WEEK)", ['2026-11-01', '2026-11-08', '2026-11-15']],
    ["DATE_ADD(DATE '2026-11-30', INTERVAL 1 MONTH)", '2026-12-30'],
    ["FORMAT_TIMESTAMP('%F %H:%M', TIMESTAMP_MICROS(1793534400000000), 'America/New_York')", '2026-11-01 07:00'],
    ["DATE(TIMESTAMP_MICROS(1793577600000000), 'America/Los_Angeles')", '2026-11-01'],
    ["DATETIME(TIMESTAMP_MICROS(1793534400000000), 'Europe/Amsterdam')", '2026-11-01 13:00:00'],
    ["TIMESTAMP('2026-11-01 12:00:00', 'Europe/Amsterdam')", '2026-11-01 11:00:00'],
    ['TIMESTAMP_TRUNC(TIMESTAMP_MICROS(1793534400123456), HOUR)', '2026-11-01 12:00:00'],
    ['TIMESTAMP_ADD(TIMESTAMP_MICROS(0), INTERVAL 90 MINUTE)', '1970-01-01 01:30:00'],
    ["EXTRACT(HOUR FROM TIMESTAMP_MICROS(1793534400000000) AT TIME ZONE 'Asia/Tokyo')", 21],
    ['EXTRACT(MILLISECOND FROM TIMESTAMP_MICROS(1793534400123456))', 123],
    ["LAST_DAY(DATE '2026-02-10', MONTH)", '2026-02-28'],
    ["DATE_DIFF(DATE '2026-01-05', DATE '2026-01-04', ISOWEEK)", 1],
    ["PARSE_DATETIME('%F %T', '2026-11-01 12:00:00')", '2026-11-01 12:00:00'],
    ['UNIX_MICROS(TIMESTAMP_MICROS(123))', 123],
    ['UNIX_SECONDS(TIMESTAMP_SECONDS(7))', 7],
    ['DATE_FROM_UNIX_DATE(2)', '1970-01-03'],
    ['GENERATE_ARRAY(1, 5, 2)', [1, 3, 5]],
    ["SPLIT('a,b,c')", ['a', 'b', 'c']],
    ["CONTAINS_SUBSTR('Hello', 'ELL')", true],
    ['ARRAY_CONCAT([1], [2], [3])', [1, 2, 3]],
    ['ARRAY_LENGTH([1, 2])', 2],
    ['DIV(7, 2)', 3],
    ["JSON_VALUE('{\"a\": \"x\"}', '$.a')", 'x'],
    ["FORMAT('%d-%s', 5, 'x')", '5-x'],
    [String.raw`REGEXP_EXTRACT_ALL('a1b22', r'\d+')`, ['1', '22']],
    ["REGEXP_EXTRACT('abc', 'b')", 'b'],
    ["SAFE_CAST('1.5' AS NUMERIC)", 1.5],
    ['CAST([1] AS ARRAY<STRING>)', ['1']],
    ["CAST('2026-11-01' AS DATETIME)", '2026-11-01 00:00:00'],
    ['APPROX_QUANTILES(x, 2)', [1, 2, 3]],
  ])('%s', async (expr, expected) => {
    const from = expr.startsWith('APPROX_QUANTILES') ? ' FROM UNNEST([1, 2, 3]) AS x' : '';
    expect((await one(`SELECT ${expr} AS v${from}`)).v).toEqual(expected);
  });
});

describe('scripts: DECLARE, SET, CREATE TEMP FUNCTION', () => {
  it('runs a script and returns the rows of its last statement, a query', async () => {
    expect(await bq('SELECT 1 AS a; SELECT 2 AS b;')).toEqual([{ b: 2 }]);
  });

  it('declares variables with a type, a default or both, and casts what is assigned to the declared type', async () => {
    const row = await one(`DECLARE n INT64 DEFAULT 41; DECLARE a, b STRING DEFAULT 'x'; DECLARE missing DATE; DECLARE d DEFAULT DATE '2026-11-02';
      DECLARE ids ARRAY<STRING> DEFAULT ['1000.1790000000', 'none'];
      SET n = n + 1.4;
      SELECT n, a || b AS ab, missing, d, ids, (SELECT COUNT(*) FROM \`p.d.events_*\` WHERE user_pseudo_id IN UNNEST(ids)) AS events`);
    expect(row).toEqual({ n: 42, ab: 'xx', missing: null, d: '2026-11-02', ids: ['1000.1790000000', 'none'], events: count((r) => r.user_pseudo_id === '1000.1790000000') });
  });

  it('evaluates variables in script order: a SET sees earlier SETs, a DEFAULT may read the tables', async () => {
    const row = await one(`DECLARE days INT64 DEFAULT (SELECT COUNT(DISTINCT event_date) FROM \`p.d.events_*\`);
      DECLARE x INT64 DEFAULT 1;
      SET x = x * 10; SET x = x + days;
      SELECT x, days`);
    const days = new Set(rows.map((r) => r.event_date)).size;
    expect(row).toEqual({ x: 10 + days, days });
  });

  it('substitutes a variable only where its name is a value, not a field, alias or call', async () => {
    const row = await one("DECLARE key STRING DEFAULT 'ga_session_id'; SELECT key AS key, STRUCT(1 AS key).key AS field, (SELECT COUNT(*) FROM UNNEST([STRUCT('a' AS k)]) AS p WHERE p.k = 'a') AS n");
    expect(row).toEqual({ key: 'ga_session_id', field: 1, n: 1 });
  });

  it('turns temp functions into macros: ANY TYPE parameters as given, typed ones and RETURNS converted', async () => {
    const row = await one(`CREATE TEMP FUNCTION Param(params ANY TYPE, wanted STRING) AS ((SELECT value FROM UNNEST(params) WHERE key = wanted LIMIT 1));
      CREATE TEMP FUNCTION Half(x INT64) RETURNS STRING AS (CAST(x / 2 AS STRING));
      CREATE OR REPLACE TEMP FUNCTION Twice(x ANY TYPE) AS (x || x);
      SELECT Param(event_params, 'ga_session_number').int_value AS n, Half(5) AS half, Half(4.6) AS rounded, Twice('ab') AS twice
      FROM \`p.d.events_*\` WHERE event_name = 'session_start' ORDER BY event_timestamp LIMIT 1`);
    expect(row).toEqual({ n: 1, half: '2.5', rounded: '2.5', twice: 'abab' });
  });

  it('lets a function parameter hide a script variable of the same name', async () => {
    expect(await one('DECLARE x INT64 DEFAULT 100; CREATE TEMP FUNCTION AddOne(x INT64) AS (x + 1); SELECT AddOne(1) AS a, x')).toEqual({ a: 2, x: 100 });
  });

  it('drops its macros and variables on the connection after the query (teardown)', () => {
    const script = translateBigQueryScript('DECLARE tz STRING DEFAULT "UTC"; CREATE TEMP FUNCTION F(x ANY TYPE) AS (x); SELECT F(tz) AS v', { dataset: 'analytics_123456' });
    expect(script.setup).toEqual([`SET VARIABLE "tz" = CAST(('UTC') AS VARCHAR)`, 'CREATE TEMP MACRO "F"("x") AS ("x")']);
    expect(script.query).toBe(`SELECT (F((getvariable('tz')))) AS v`);
    expect(script.teardown).toEqual(['DROP MACRO IF EXISTS temp."F"', 'RESET VARIABLE "tz"']);
  });

  it('leaves nothing behind on a connection that ran the script and its teardown', async () => {
    const { setup, query, teardown } = translateBigQueryScript('DECLARE n INT64 DEFAULT 7; CREATE TEMP FUNCTION Seven() AS (n); SELECT Seven() AS v', { dataset: 'analytics_123456' });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      expect((await connection.runAndReadAll([...setup, query].join(';\n'))).getRowObjectsJson()).toEqual([{ v: '7' }]);
      await connection.run(teardown.join(';\n'));
      const left = await connection.runAndReadAll("SELECT getvariable('n') AS n, (SELECT COUNT(*) FROM duckdb_functions() WHERE function_name = 'Seven') AS macros");
      expect(left.getRowObjectsJson()).toEqual([{ n: null, macros: '0' }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it.each([
    ['SET x = 1; SELECT 1', /SET of undeclared variable x/],
    ['SELECT 1; DECLARE x INT64; SELECT x', /DECLARE must come before the script's other statements/],
    ['DECLARE x INT64; DECLARE X STRING; SELECT 1', /variable X is declared twice/],
    ['DECLARE x; SELECT 1', /DECLARE x needs a type or a DEFAULT value/],
  ])('refuses a malformed script with a syntax error: %s', (sql, message) => {
    expect(() => translate(sql)).toThrow(BigQuerySyntaxError);
    expect(() => translate(sql)).toThrow(message);
  });
});

describe('an UNNEST alias that shadows a column', () => {
  it('reads items.item_name from the element when the alias is the unnested column\'s own name', async () => {
    const result = await bq(`SELECT items.item_name AS name, SUM(items.quantity) AS units
      FROM \`p.d.events_*\`, UNNEST(items) AS items WHERE event_name = 'purchase' GROUP BY 1 ORDER BY 1`);
    const units = new Map<string, number>();
    for (const i of rows.filter((r) => r.event_name === 'purchase').flatMap((r) => r.items)) units.set(i.item_name ?? '', (units.get(i.item_name ?? '') ?? 0) + (i.quantity ?? 0));
    expect(result).toEqual([...units].sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => ({ name, units: n })));
  });

  it('keeps the offset and LEFT JOIN … ON when the alias shadows', async () => {
    const row = await one(`SELECT COUNT(*) AS n, COUNTIF(event_params.key IS NULL) AS unmatched, MAX(pos) AS last
      FROM \`p.d.events_*\` LEFT JOIN UNNEST(event_params) AS event_params WITH OFFSET AS pos ON event_params.key = 'ga_session_number'`);
    const withKey = count((r) => r.event_params.some((p) => p.key === 'ga_session_number'));
    expect(row.n).toBe(rows.length);
    expect(row.unmatched).toBe(rows.length - withKey);
    expect(row.last).toBe(Math.max(...rows.map((r) => r.event_params.findIndex((p) => p.key === 'ga_session_number'))));
  });
});

describe('errors', () => {
  it.each([
    ['SELECT * FROM ML.PREDICT(MODEL `p.d.m`, (SELECT 1))', 'table-valued function ML.PREDICT'],
    ['SELECT NET.HOST(page) FROM t', 'NET.HOST'],
    ['SELECT mydataset.my_udf(1)', 'MYDATASET.MY_UDF'],
    ['INSERT INTO t VALUES (1)', 'INSERT statements'],
    ['DECLARE x INT64; INSERT INTO t VALUES (x)', 'INSERT statements'],
    ['DECLARE x INT64 DEFAULT 1; SET x = 2', 'scripts that do not end in a query'],
    ['DECLARE s STRUCT<a INT64>; SELECT s', 'STRUCT<…> types'],
    ['DECLARE a INT64; DECLARE b INT64; SET (a, b) = (1, 2); SELECT a', 'SET (a, b, …) = …'],
    ['SET @@dataset_id = "d"; SELECT 1', 'system variables (@@dataset_id)'],
    ["CREATE TEMP FUNCTION f(x STRING) RETURNS STRING LANGUAGE js AS 'return x'; SELECT f('a')", 'JS functions (LANGUAGE …)'],
    ['CREATE FUNCTION d.f(x INT64) AS (x); SELECT 1', 'CREATE FUNCTION (persistent functions)'],
    ['CREATE TEMP TABLE t AS SELECT 1; SELECT 1', 'CREATE TABLE statements'],
    ['SELECT @start_date', 'query parameters (@start_date)'],
    ['SELECT * FROM t PIVOT (SUM(x) FOR y IN (1))', 'PIVOT'],
    ['SELECT ARRAY(SELECT AS STRUCT 1 AS a)', 'SELECT AS STRUCT'],
    ['SELECT STRUCT<a INT64>(1)', 'typed STRUCT<…> constructors'],
    ['SELECT * FROM `p.d.events_*` FOR SYSTEM_TIME AS OF CURRENT_TIMESTAMP()', 'FOR SYSTEM_TIME AS OF'],
    ['SELECT * FROM `p.d.INFORMATION_SCHEMA.TABLES`', 'INFORMATION_SCHEMA'],
    ['SELECT APPROX_TOP_COUNT(event_name, 3) FROM `p.d.events_*`', 'APPROX_TOP_COUNT'],
    ['SELECT FARM_FINGERPRINT(user_pseudo_id) FROM `p.d.events_*`', 'FARM_FINGERPRINT'],
  ])('names what is not supported: %s', (sql, feature) => {
    let error: unknown;
    try {
      translate(sql);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BigQueryUnsupportedError);
    expect((error as BigQueryUnsupportedError).message).toContain(`BigQuery feature not supported locally: ${feature}`);
  });

  it('wraps what DuckDB rejects in one line, keeping the translated SQL', async () => {
    const error = await bq('SELECT NO_SUCH_FUNCTION(1) AS x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BigQueryExecutionError);
    expect((error as BigQueryExecutionError).message).toMatch(/^DuckDB rejected the translated query: .*no_such_function/i);
    expect((error as BigQueryExecutionError).message).not.toContain('\n');
    expect((error as BigQueryExecutionError).duckdbSql).toBe('SELECT NO_SUCH_FUNCTION(1) AS x');
  });
});
