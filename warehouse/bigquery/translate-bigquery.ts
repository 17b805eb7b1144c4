/**
 * Translates BigQuery Standard SQL, as written against the GA4 export, into DuckDB SQL over the local warehouse:
 * one query, or a script of DECLARE / SET / CREATE TEMP FUNCTION statements ending in a query. It works on the lexer's tokens grouped by brackets, so strings, comments and quoted names are never
 * touched, and rewrites only what differs: table names (`project.dataset.events_*` and friends, `_TABLE_SUFFIX`),
 * UNNEST in FROM/JOIN (struct fields become columns), function names and argument orders, string literals,
 * `[OFFSET(n)]`, `* EXCEPT`, CAST types. DuckDB parses the result; what has no local equivalent fails here with
 * a BigQueryUnsupportedError naming the feature. The supported set is listed in docs/sql.md.
 */

import { quoteIdent, sqlString } from '../duckdb-types';
import { BigQuerySyntaxError, BigQueryUnsupportedError } from './bigquery-errors';
import { callRewrites, duckType, type Arg, type CallContext } from './call-rewrites';
import { buildTree, findWord, firstToken, isGroup, isOp, isTok, paren, rawText, splitArgs, word, type Group, type Node } from './bigquery-tree';
import { lexBigQuery, lineColumn, TokenKind, type Token } from './lex-bigquery';

/** Words that end a FROM clause (or cannot be a table alias). */
const FROM_END = new Set(['WHERE', 'GROUP', 'HAVING', 'QUALIFY', 'WINDOW', 'ORDER', 'LIMIT', 'UNION', 'INTERSECT', 'EXCEPT', 'SELECT']);
const NOT_ALIAS = new Set([...FROM_END, 'ON', 'USING', 'JOIN', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'CROSS', 'OUTER', 'WITH', 'FOR', 'TABLESAMPLE', 'AS', 'PIVOT', 'UNPIVOT']);
/** Function namespaces of BigQuery with nothing alike in DuckDB. */
const UNSUPPORTED_NAMESPACES = new Set(['ML', 'NET', 'KEYS', 'AEAD', 'DETERMINISTIC_ENCRYPT', 'DETERMINISTIC_DECRYPT', 'HLL_COUNT', 'KLL_QUANTILES', 'OBJ', 'VECTOR_SEARCH', 'AI']);
const STATEMENT_STARTS = new Set(['SELECT', 'WITH']);
/** BigQuery statements other than queries: DML, DDL, DCL and scripting. */
const OTHER_STATEMENTS = new Set(
  'INSERT UPDATE DELETE MERGE TRUNCATE CREATE DROP ALTER UNDROP DECLARE SET BEGIN IF LOOP WHILE REPEAT FOR CALL EXECUTE EXPORT LOAD GRANT REVOKE ASSERT RAISE RETURN BREAK LEAVE CONTINUE ITERATE COMMIT ROLLBACK'.split(' '),
);
/** Keywords after which `[` opens an array literal, not a subscript. */
const NOT_VALUES = new Set(['SELECT', 'ARRAY', 'FROM', 'WHERE', 'HAVING', 'AND', 'OR', 'NOT', 'IN', 'WHEN', 'THEN', 'ELSE', 'BY', 'AS', 'RETURN', 'IS', 'LIKE', 'ON', 'BETWEEN', 'CASE', 'DISTINCT', 'ALL']);
/** Words that end a select-list path, so that `SELECT DISTINCT x` and the like never pass for a parameter lookup. */
const RESERVED_IN_PATH = new Set(['DISTINCT', 'ALL', 'AS', 'CASE', 'STRUCT', 'ARRAY', 'FROM']);
/** Words that make a query unsupported wherever they appear outside strings. */
const UNSUPPORTED_WORDS: Record<string, string> = { PIVOT: 'PIVOT', UNPIVOT: 'UNPIVOT', TABLESAMPLE: 'TABLESAMPLE' };

export interface TranslateOptions {
  /** The local DuckDB schema that holds the export (`Warehouse.dataset`, e.g. `analytics_shoplab`). */
  dataset: string;
  /**
   * The BigQuery dataset name that queries use (e.g. `analytics_123456`). When set, only table names in this
   * dataset map to the local one and others are refused; when unset (the default), any dataset name maps.
   */
  sourceDataset?: string;
  /** Local schemas that names may address directly, untranslated. Default `['ground_truth']`. */
  localSchemas?: readonly string[];
}

/**
 * A BigQuery script as DuckDB statements for one connection. Script variables become DuckDB variables
 * (`SET VARIABLE`, read with `getvariable`) and temp functions become temp macros, so they live only on the
 * connection that runs them; `teardown` removes them for a connection that is used again.
 */
export interface BigQueryTranslation {
  /** Statements to run first, in script order: variables and macros. None of them returns rows. */
  setup: string[];
  /** The script's last statement, a query: its rows are the result. */
  query: string;
  /** Statements that undo `setup` (drop the macros, reset the variables); safe to run after a failure. */
  teardown: string[];
}

/** Translates BigQuery SQL (one query, or a script ending in one) into DuckDB statements for the local warehouse. */
export function translateBigQueryScript(sql: string, options: TranslateOptions): BigQueryTranslation {
  return new Translator(sql, options).run();
}

/**
 * Translates BigQuery SQL into one DuckDB text: the setup statements and the query, separated by `;`. A DuckDB
 * session that runs it returns the query's rows (what `--print-translation` shows).
 */
export function translateBigQuery(sql: string, options: TranslateOptions): string {
  const { setup, query } = translateBigQueryScript(sql, options);
  return [...setup, query].join(';\n');
}

/** A declared script variable: the DuckDB type that values assigned to it are cast to, when it has one. */
interface Variable {
  duckName: string;
  type?: string;
}

class Translator {
  private aliasCount = 0;
  /** Names defined by WITH, lower case: a WITH name wins over a table of the same name, as in BigQuery. */
  private readonly withNames = new Set<string>();
  private readonly localSchemas: Set<string>;
  /** Script variables by lower-case name (BigQuery's variable names are case-insensitive). */
  private readonly variables = new Map<string, Variable>();
  /** Temp functions by upper-case name: their calls are never rewritten as BigQuery built-ins. */
  private readonly functions = new Set<string>();
  /**
   * What a bare name stands for while translating (in brackets, to fit wherever a name does, as in
   * `INTERVAL n DAY`): a variable's `getvariable(…)`, or inside a temp function's
   * body its typed parameters (cast to their type) and its untyped ones (themselves, hiding variables).
   */
  private substitutions = new Map<string, string>();

  constructor(
    private readonly sql: string,
    private readonly options: TranslateOptions,
  ) {
    this.localSchemas = new Set((options.localSchemas ?? ['ground_truth']).map((s) => s.toLowerCase()));
  }

  run(): BigQueryTranslation {
    const statements = this.splitStatements(lexBigQuery(this.sql));
    const last = statements.pop();
    if (last === undefined) throw new BigQuerySyntaxError('the query is empty');
    const setup: string[] = [];
    const teardown: string[] = [];
    let declaring = true;
    for (const tokens of statements) {
      const tree = buildTree(tokens, this.sql);
      const head = word(tree[0]);
      if (head === 'DECLARE') {
        if (!declaring) throw new BigQuerySyntaxError(`DECLARE must come before the script's other statements (${lineColumn(this.sql, firstToken(tree[0] as Node).pos)})`);
        setup.push(...this.declare(tree, teardown));
        continue;
      }
      declaring = false;
      if (head === 'SET') setup.push(this.set(tree));
      else if (head === 'CREATE') setup.push(this.createFunction(tree, teardown));
      // A query before the last only shows its own rows in BigQuery's console; it is translated, so that its
      // errors surface, and not run: it changes nothing the last query sees.
      else this.query(tree);
    }
    const tree = buildTree(last, this.sql);
    const head = word(tree[0]);
    if (statements.length > 0 && ['DECLARE', 'SET', 'CREATE'].includes(head)) {
      throw new BigQueryUnsupportedError('scripts that do not end in a query', `the last statement (${lineColumn(this.sql, firstToken(tree[0] as Node).pos)}) gives the result, so it must be a SELECT or WITH query`);
    }
    return { setup, query: this.query(tree), teardown: teardown.reverse() };
  }

  /** Tokens split at the top-level semicolons, empty statements dropped. */
  private splitStatements(tokens: Token[]): Token[][] {
    const statements: Token[][] = [[]];
    let depth = 0;
    for (const t of tokens) {
      if (isOp(t, '(') || isOp(t, '[')) depth++;
      else if (isOp(t, ')') || isOp(t, ']')) depth--;
      if (depth === 0 && isOp(t, ';')) statements.push([]);
      else statements.at(-1)?.push(t);
    }
    return statements.filter((s) => s.length > 0);
  }

  /** One query statement (SELECT or WITH …, possibly in parentheses). */
  private query(tree: Node[]): string {
    let start = tree[0];
    while (paren(start)) start = start.items[0];
    if (start === undefined) throw new BigQuerySyntaxError('the query is empty');
    if (!STATEMENT_STARTS.has(word(start))) {
      const what = isTok(start) ? start.text : '(';
      if (OTHER_STATEMENTS.has(word(start))) {
        throw new BigQueryUnsupportedError(`${what.toUpperCase()} statements`, 'scripts may DECLARE and SET variables and CREATE TEMP FUNCTIONs; other statements do not run locally');
      }
      throw new BigQuerySyntaxError(`syntax error: a query starts with SELECT or WITH, not ${JSON.stringify(what)}`);
    }
    this.collectWithNames(tree);
    return this.seq(tree).trim();
  }

  /** A BigQuery type written in the script, as a DuckDB type. */
  private type(nodes: readonly Node[], where: string, at: Token): string {
    return duckType(rawText(nodes).toUpperCase(), (feature, detail) => this.fail(feature, at, detail), where);
  }

  /** The DuckDB text assigning `value` (DuckDB SQL) to a variable, cast to its declared type. */
  private assign(v: Variable, value: string): string {
    return `SET VARIABLE ${quoteIdent(v.duckName)} = ${v.type === undefined ? value : `CAST((${value}) AS ${v.type})`}`;
  }

  /** `DECLARE a[, b] [type] [DEFAULT expr]`: one DuckDB variable per name, NULL (of the type) without a default. */
  private declare(tree: Node[], teardown: string[]): string[] {
    const def = findWord(tree, 'DEFAULT');
    const head = def === -1 ? tree.slice(1) : tree.slice(1, def);
    const names: Token[] = [];
    let i = 0;
    for (;;) {
      const n = head[i];
      if (!isTok(n) || (n.kind !== TokenKind.word && n.kind !== TokenKind.quoted)) throw new BigQuerySyntaxError(`DECLARE needs a variable name at ${lineColumn(this.sql, firstToken(n ?? (tree[0] as Node)).pos)}`);
      names.push(n);
      i++;
      if (isOp(head[i], ',')) i++;
      else break;
    }
    const typeNodes = head.slice(i);
    if (typeNodes.length === 0 && def === -1) throw new BigQuerySyntaxError(`DECLARE ${names[0]?.value ?? ''} needs a type or a DEFAULT value`);
    const type = typeNodes.length > 0 ? this.type(typeNodes, 'DECLARE', names[0] as Token) : undefined;
    const value = def === -1 ? 'NULL' : this.expression(tree.slice(def + 1), 'DEFAULT');
    const out: string[] = [];
    for (const [k, name] of names.entries()) {
      const key = name.value.toLowerCase();
      if (this.variables.has(key)) throw new BigQuerySyntaxError(`variable ${name.value} is declared twice (${lineColumn(this.sql, name.pos)})`);
      const v: Variable = { duckName: key, ...(type !== undefined ? { type } : {}) };
      // The default is evaluated once, as in BigQuery: later names copy the first.
      out.push(this.assign(v, k === 0 ? value : `getvariable(${sqlString(names[0]?.value.toLowerCase() ?? '')})`));
      this.variables.set(key, v);
      this.substitutions.set(key, `(getvariable(${sqlString(key)}))`);
      teardown.push(`RESET VARIABLE ${quoteIdent(key)}`);
    }
    return out;
  }

  /** `SET x = expr`. */
  private set(tree: Node[]): string {
    const name = tree[1];
    if (isTok(name) && name.kind === TokenKind.param) this.fail(`system variables (${name.text})`, name);
    if (paren(name)) this.fail('SET (a, b, …) = …', firstToken(name), 'set one variable per SET statement');
    if (!isTok(name) || !isOp(tree[2], '=')) throw new BigQuerySyntaxError(`SET needs \`name = value\` at ${lineColumn(this.sql, firstToken(tree[0] as Node).pos)}`);
    const v = this.variables.get(name.value.toLowerCase());
    if (v === undefined) throw new BigQuerySyntaxError(`SET of undeclared variable ${name.value} at ${lineColumn(this.sql, name.pos)}; DECLARE it first`);
    return this.assign(v, this.expression(tree.slice(3), 'SET'));
  }

  /** A script expression (a DEFAULT or SET value). */
  private expression(nodes: Node[], where: string): string {
    if (nodes.length === 0) throw new BigQuerySyntaxError(`${where} needs a value`);
    this.collectWithNames(nodes);
    return this.seq(nodes).trim();
  }

  /**
   * `CREATE [OR REPLACE] TEMP FUNCTION f(x ANY TYPE, y INT64) [RETURNS T] AS (expr)` → a DuckDB temp macro.
   * Macros take untyped parameters, so a typed parameter is cast to its type where the body uses it, and the
   * body is cast to the RETURNS type: arguments and result convert as BigQuery converts them.
   */
  private createFunction(tree: Node[], teardown: string[]): string {
    let i = 1;
    const orReplace = word(tree[i]) === 'OR' && word(tree[i + 1]) === 'REPLACE';
    if (orReplace) i += 2;
    const temp = ['TEMP', 'TEMPORARY'].includes(word(tree[i]));
    if (temp) i++;
    const kind = word(tree[i]);
    const at = firstToken(tree[0] as Node);
    if (kind !== 'FUNCTION') this.fail(`CREATE ${kind || '…'} statements`, at, 'scripts may CREATE TEMP FUNCTION only');
    if (!temp) this.fail('CREATE FUNCTION (persistent functions)', at, 'write CREATE TEMP FUNCTION');
    i++;
    const ifNotExists = word(tree[i]) === 'IF' && word(tree[i + 1]) === 'NOT' && word(tree[i + 2]) === 'EXISTS';
    if (ifNotExists) i += 3;
    const name = tree[i];
    const params = tree[i + 1];
    if (!isTok(name) || (name.kind !== TokenKind.word && name.kind !== TokenKind.quoted) || !paren(params)) {
      throw new BigQuerySyntaxError(`CREATE TEMP FUNCTION needs name(parameters) at ${lineColumn(this.sql, at.pos)}`);
    }
    i += 2;
    const language = findWord(tree, 'LANGUAGE');
    if (language !== -1) this.fail(`${word(tree[language + 1]) || 'non-SQL'} functions (LANGUAGE …)`, tree[language] as Token, 'only SQL functions run locally');
    const as = findWord(tree, 'AS');
    const body = tree[as + 1];
    if (as === -1 || !paren(body) || as + 2 !== tree.length) throw new BigQuerySyntaxError(`CREATE TEMP FUNCTION ${name.value} needs AS (expression) at the end`);
    const returns = word(tree[i]) === 'RETURNS' ? this.type(tree.slice(i + 1, as), 'RETURNS', tree[i] as Token) : undefined;

    const inner = new Map(this.substitutions);
    const names: string[] = [];
    for (const param of splitArgs(params.items)) {
      const [p, ...typeNodes] = param;
      if (!isTok(p) || (p.kind !== TokenKind.word && p.kind !== TokenKind.quoted) || typeNodes.length === 0) {
        throw new BigQuerySyntaxError(`function ${name.value}: a parameter is \`name type\` or \`name ANY TYPE\``);
      }
      const key = p.value.toLowerCase();
      names.push(quoteIdent(key));
      const anyType = typeNodes.length === 2 && word(typeNodes[0]) === 'ANY' && word(typeNodes[1]) === 'TYPE';
      // In brackets, so that the value fits where a bare name does (`INTERVAL n DAY`).
      inner.set(key, anyType ? quoteIdent(key) : `(CAST(${quoteIdent(key)} AS ${this.type(typeNodes, `parameter ${p.value}`, p)}))`);
    }
    const outer = this.substitutions;
    this.substitutions = inner;
    let sql: string;
    try {
      sql = this.expression(body.items, 'AS');
    } finally {
      this.substitutions = outer;
    }
    this.functions.add(name.value.toUpperCase());
    teardown.push(`DROP MACRO IF EXISTS temp.${quoteIdent(name.value)}`);
    const macro = `${orReplace ? 'CREATE OR REPLACE' : 'CREATE'} TEMP MACRO ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdent(name.value)}(${names.join(', ')})`;
    return `${macro} AS (${returns === undefined ? sql : `CAST((${sql}) AS ${returns})`})`;
  }

  private collectWithNames(items: readonly Node[]): void {
    items.forEach((n, i) => {
      if (isGroup(n)) this.collectWithNames(n.items);
      else if ((n.kind === TokenKind.word || n.kind === TokenKind.quoted) && word(items[i + 1]) === 'AS' && paren(items[i + 2])) {
        const before = items[i - 1];
        if (['WITH', 'RECURSIVE'].includes(word(before)) || isOp(before, ',')) this.withNames.add(n.value.toLowerCase());
      }
    });
  }

  private fail(feature: string, at: Token, detail?: string): never {
    throw new BigQueryUnsupportedError(feature, `${detail ? `${detail}; ` : ''}at ${lineColumn(this.sql, at.pos)}`);
  }

  /** One token as DuckDB text (with the whitespace before it). */
  private token(t: Token): string {
    switch (t.kind) {
      case TokenKind.string:
        return t.before + sqlString(t.value);
      case TokenKind.bytes:
        return `${t.before}CAST(${sqlString(t.value)} AS BLOB)`;
      case TokenKind.quoted:
        return t.before + t.value.split('.').map(quoteIdent).join('.');
      case TokenKind.param:
        return this.fail(`query parameters (${t.text})`, t);
      default:
        return t.before + t.text;
    }
  }

  private group(g: Group, inner?: string): string {
    return `${g.open.before}${g.open.text}${inner ?? this.paramLookup(g) ?? this.seq(g.items)}${g.close.before}${g.close.text}`;
  }

  /**
   * The GA4 parameter lookup, `(SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_id')`, as
   * a lookup in the row's own array instead of a correlated subquery: the same value (keys are unique within an
   * event's params; a missing key gives NULL) at a small part of the cost, which matters because analysts write
   * this once per parameter per event. The position of the key in the list of keys, rather than `list_filter` on the
   * key: filtering builds a list of whole parameter structs per lookup, and the models look a dozen parameters up
   * on every event (pipeline/README.md, "Measured").
   * Any other shape of subquery goes the general way.
   */
  private paramLookup(g: Group): string | undefined {
    if (!paren(g)) return undefined;
    const items = g.items;
    if (word(items[0]) !== 'SELECT') return undefined;
    const from = items.findIndex((n) => word(n) === 'FROM');
    if (from < 2) return undefined;
    const path = items.slice(1, from);
    // value.int_value, or a single field: words joined by dots.
    if (path.length % 2 === 0 || !path.every((n, i) => (i % 2 === 0 ? word(n) !== '' && !RESERVED_IN_PATH.has(word(n)) : isOp(n, '.')))) return undefined;
    const [unnest, arg, where, key, eq, literal, ...rest] = items.slice(from + 1);
    if (word(unnest) !== 'UNNEST' || !paren(arg) || word(where) !== 'WHERE' || word(key) !== 'KEY' || !isOp(eq, '=') || rest.length > 0) return undefined;
    if (!isTok(literal) || literal.kind !== TokenKind.string) return undefined;
    const field = path.filter((_, i) => i % 2 === 0).map((n) => quoteIdent((n as Token).value)).join('.');
    const list = this.seq(arg.items).trim();
    return `(${list})[list_position(list_transform(${list}, __p -> __p."key"), ${sqlString(literal.value)})].${field}`;
  }

  private arg(nodes: readonly Node[]): Arg {
    const only = nodes.length === 1 ? nodes[0] : undefined;
    const [head, args] = nodes;
    // A date part is a bare word (DAY) or a word with a word argument (WEEK(MONDAY)).
    const isPart = word(only) !== '' || (nodes.length === 2 && word(head) !== '' && paren(args) && args.items.length === 1 && word(args.items[0]) !== '');
    return {
      sql: this.seq(nodes).trim(),
      literal: isTok(only) && only.kind === TokenKind.string ? only.value : undefined,
      word: isPart ? rawText(nodes).toUpperCase() : undefined,
      integer: isTok(only) && only.kind === TokenKind.number && /^\d+$/.test(only.text) ? Number(only.text) : undefined,
    };
  }

  /**
   * Translates the items of one bracket level. FROM-clause state lives here: after FROM, JOIN or a comma in a
   * FROM clause comes a table reference, which is where names map to the local dataset and UNNEST becomes a
   * lateral subquery.
   */
  private seq(items: readonly Node[]): string {
    let out = '';
    let inFrom = false;
    let expectTable = false;
    let firstInFrom = false;
    let inSelectList = false;
    const fromAliases = new Set<string>();
    let prev: Node | undefined;
    for (let i = 0; i < items.length; ) {
      const node = items[i];
      if (node === undefined) break;
      const next = items[i + 1];
      const w = word(node);

      if (expectTable) {
        const lateral = !firstInFrom;
        expectTable = false;
        firstInFrom = false;
        const ref = this.tableRef(items, i, lateral, fromAliases);
        out += ref.sql;
        i = ref.next;
        prev = items[i - 1];
        continue;
      }

      if (isGroup(node)) {
        if (node.open.text === '[' && prev !== undefined && this.endsValue(prev)) out += this.subscript(node);
        else out += this.group(node);
        prev = node;
        i++;
        continue;
      }

      // A script variable or function parameter, where a bare name is a value (not a field, call or alias).
      if (node.kind === TokenKind.word && !isOp(prev, '.') && !paren(next) && word(prev) !== 'AS') {
        const value = this.substitutions.get(node.value.toLowerCase());
        if (value !== undefined) {
          // A variable that is a whole select-list item keeps its name as the column's, as in BigQuery.
          const whole = inSelectList && (isOp(prev, ',') || ['SELECT', 'DISTINCT', 'ALL'].includes(word(prev))) && (next === undefined || isOp(next, ',') || FROM_END.has(word(next)) || word(next) === 'FROM');
          out += node.before + value + (whole ? ` AS ${quoteIdent(node.value)}` : '');
          prev = node;
          i++;
          continue;
        }
      }

      if (w === 'SELECT') inSelectList = true;
      else if (w === 'FROM' || FROM_END.has(w)) inSelectList = false;

      if (node.kind === TokenKind.word) {
        const isFrom = w === 'FROM' && word(prev) !== 'DISTINCT';
        if (isFrom || w === 'JOIN') {
          inFrom = true;
          expectTable = true;
          if (isFrom) firstInFrom = true;
          out += this.token(node);
          prev = node;
          i++;
          continue;
        }
        if (FROM_END.has(w) && !(w === 'EXCEPT' && isOp(prev, '*'))) inFrom = false;
        const unsupported = UNSUPPORTED_WORDS[w];
        if (unsupported) this.fail(unsupported, node);
        if (w === 'SELECT' && word(next) === 'AS') {
          const kind = word(items[i + 2]);
          this.fail(`SELECT AS ${kind || '…'}`, node, kind === 'STRUCT' ? 'write STRUCT(a AS x, …) in the select list instead' : undefined);
        }
        if ((w === 'STRUCT' || w === 'ARRAY') && isOp(next, '<')) this.fail(`typed ${w}<…> constructors`, node, `write ${w === 'STRUCT' ? 'STRUCT(x AS name, …)' : '[…]'} without the type`);
        if (w === 'EXCEPT' && isOp(prev, '*') && paren(next)) {
          out += `${node.before}EXCLUDE${this.group(next)}`;
          prev = next;
          i += 2;
          continue;
        }
        if (w === 'IN' && word(next) === 'UNNEST' && paren(items[i + 2])) {
          const g = items[i + 2] as Group;
          out += `${node.before}IN (SELECT unnest(${this.seq(g.items).trim()}))`;
          prev = g;
          i += 3;
          continue;
        }
        // A namespaced call: SAFE.fn(…) runs fn under TRY; other namespaces (ML., NET., …) and persistent UDFs
        // (dataset.fn) have no local equivalent.
        if (isOp(next, '.') && word(items[i + 2]) !== '' && paren(items[i + 3]) && !isOp(prev, '.')) {
          const fn = items[i + 2] as Token;
          const call = items[i + 3] as Group;
          if (w === 'SAFE') {
            out += `${node.before}try(${this.call(fn, call).trim()})`;
            prev = call;
            i += 4;
            continue;
          }
          const name = `${w}.${fn.value.toUpperCase()}`;
          this.fail(name, node, UNSUPPORTED_NAMESPACES.has(w) ? undefined : 'user-defined functions are not available locally');
        }
        if (paren(next) && !isOp(prev, '.')) {
          out += this.call(node, next);
          prev = next;
          i += 2;
          continue;
        }
      } else if (isOp(node, ',') && inFrom) {
        expectTable = true;
      }
      out += this.token(node);
      prev = node;
      i++;
    }
    return out;
  }

  /** Whether a `[` after this node is a subscript (rather than an array literal). */
  private endsValue(n: Node): boolean {
    if (isGroup(n)) return true;
    if (n.kind === TokenKind.quoted || n.kind === TokenKind.string) return true;
    return n.kind === TokenKind.word && !NOT_VALUES.has(word(n));
  }

  /** `a[OFFSET(i)]` (0-based) and `a[ORDINAL(i)]` (1-based) → DuckDB's 1-based `a[…]`. Out of range gives NULL. */
  private subscript(g: Group): string {
    const [fn, args, ...rest] = g.items;
    const kind = word(fn);
    if (rest.length === 0 && paren(args) && ['OFFSET', 'SAFE_OFFSET', 'ORDINAL', 'SAFE_ORDINAL'].includes(kind)) {
      const index = this.seq(args.items).trim();
      return this.group(g, kind.endsWith('OFFSET') ? `(${index}) + 1` : index);
    }
    if (rest.length === 0 && args === undefined && fn !== undefined) {
      this.fail('bare array subscripts a[i]', firstToken(fn), 'write a[OFFSET(i)] or a[ORDINAL(i)]');
    }
    return this.group(g);
  }

  private call(name: Token, g: Group): string {
    const upper = name.value.toUpperCase();
    const ctx: CallContext = {
      name: upper,
      items: g.items,
      args: () => splitArgs(g.items).map((a) => this.arg(a)),
      seq: (nodes) => this.seq(nodes).trim(),
      fail: (feature, detail) => this.fail(feature, name, detail),
    };
    // A temp function's call stays as written (in brackets, so that `f(x).field` parses), even when it shares a
    // built-in's name.
    if (this.functions.has(upper)) return `${name.before}(${name.text}${this.group(g)})`;
    const rewrite = callRewrites[upper];
    if (rewrite) return name.before + rewrite(ctx);
    return this.token(name) + this.group(g);
  }

  /** A table reference in FROM/JOIN: a name, a subquery or UNNEST, with its alias. */
  private tableRef(items: readonly Node[], i: number, lateral: boolean, aliases: Set<string>): { sql: string; next: number } {
    const node = items[i];
    if (node === undefined) throw new BigQuerySyntaxError('the query ends where a table was expected');
    const before = firstToken(node).before;
    if (paren(node)) {
      const sql = this.group(node);
      const alias = this.readAlias(items, i + 1);
      if (alias.name) aliases.add(alias.name.toLowerCase());
      return { sql: sql + alias.sql, next: alias.next };
    }
    if (word(node) === 'UNNEST' && paren(items[i + 1])) {
      const arg = this.seq((items[i + 1] as Group).items).trim();
      return this.unnest(items, i + 2, arg, before, lateral, aliases);
    }
    if (!isTok(node) || (node.kind !== TokenKind.word && node.kind !== TokenKind.quoted)) {
      this.fail(`${isTok(node) ? node.text : '('} where a table was expected`, firstToken(node));
    }
    // A dotted name, backticks around all of it or around parts: `p.d.events_*`, `p`.d.t, d.events_2020*.
    const parts: string[] = [];
    let j = i;
    for (;;) {
      const t = items[j];
      if (!isTok(t) || (t.kind !== TokenKind.word && t.kind !== TokenKind.quoted)) break;
      parts.push(...(t.kind === TokenKind.quoted ? t.value.split('.') : [t.value]));
      j++;
      if (isOp(items[j], '.') && isTok(items[j + 1]) && (items[j + 1] as Token).before === '') j++;
      else break;
    }
    const star = items[j];
    if (isOp(star, '*') && isTok(star) && star.before === '' && parts.length > 0) {
      parts[parts.length - 1] += '*';
      j++;
    }
    if (paren(items[j])) this.fail(`table-valued function ${parts.join('.')}(…)`, node);
    const head = parts[0]?.toLowerCase() ?? '';
    if (parts.length >= 2 && parts.length <= 3 && aliases.has(head)) {
      // `FROM t, t.items AS item` is an implicit UNNEST of a correlated array.
      return this.unnest(items, j, parts.map(quoteIdent).join('.'), before, lateral, aliases);
    }
    const sql = before + this.resolveTable(parts, node);
    if (word(items[j]) === 'FOR') this.fail('FOR SYSTEM_TIME AS OF (time travel)', items[j] as Token);
    const alias = this.readAlias(items, j);
    aliases.add((alias.name ?? parts.at(-1) ?? '').toLowerCase());
    return { sql: sql + alias.sql, next: alias.next };
  }

  private readAlias(items: readonly Node[], i: number): { sql: string; name?: string; next: number } {
    let j = i;
    let sql = '';
    if (word(items[j]) === 'AS') {
      sql += this.token(items[j] as Token);
      j++;
    }
    const t = items[j];
    if (isTok(t) && (t.kind === TokenKind.quoted || (t.kind === TokenKind.word && !NOT_ALIAS.has(word(t))))) {
      return { sql: `${sql}${t.before}${quoteIdent(t.value)}`, name: t.value, next: j + 1 };
    }
    if (sql !== '') throw new BigQuerySyntaxError(`AS without an alias name at ${lineColumn(this.sql, (items[i] as Token).pos)}`);
    return { sql: '', next: i };
  }

  /**
   * BigQuery's UNNEST of an array of structs yields the struct's fields as columns, and its alias names the
   * element. A lateral subquery gives both: `unnest(a) AS alias` is the element, `unnest(a, max_depth := 2)`
   * spreads the struct's fields into columns (for an array of scalars it is a second copy of the element).
   * When the alias shadows a name in the array expression (`UNNEST(items) AS items`), DuckDB would read that name
   * as the new alias, so the array is unnested one level further in, where the alias does not exist yet.
   */
  private unnest(items: readonly Node[], i: number, arg: string, before: string, lateral: boolean, aliases: Set<string>): { sql: string; next: number } {
    const alias = this.readAlias(items, i);
    let next = alias.next;
    let offset: string | undefined;
    if (word(items[next]) === 'WITH' && word(items[next + 1]) === 'OFFSET') {
      const offsetAlias = this.readAlias(items, next + 2);
      offset = offsetAlias.name ?? 'offset';
      next = offsetAlias.next;
    }
    const name = alias.name ?? `__unnest_${++this.aliasCount}`;
    aliases.add(name.toLowerCase());
    const lateralKw = lateral ? 'LATERAL ' : '';
    if (alias.name !== undefined && mentions(arg, alias.name)) {
      const inner = [`unnest(${arg}) AS __element`];
      const columns = [`__element AS ${quoteIdent(name)}`, 'unnest([__element], max_depth := 2)'];
      if (offset !== undefined) {
        inner.push(`generate_subscripts(${arg}, 1) - 1 AS __offset`);
        columns.push(`__offset AS ${quoteIdent(offset)}`);
      }
      return { sql: `${before}${lateralKw}(SELECT ${columns.join(', ')} FROM (SELECT ${inner.join(', ')})) AS ${quoteIdent(name)}`, next };
    }
    const columns = alias.name ? [`unnest(${arg}) AS ${quoteIdent(name)}`] : [];
    columns.push(`unnest(${arg}, max_depth := 2)`);
    if (offset !== undefined) columns.push(`generate_subscripts(${arg}, 1) - 1 AS ${quoteIdent(offset)}`);
    return { sql: `${before}${lateralKw}(SELECT ${columns.join(', ')}) AS ${quoteIdent(name)}`, next };
  }

  /** Maps a BigQuery table name onto the local dataset. */
  private resolveTable(parts: string[], at: Token): string {
    const local = quoteIdent(this.options.dataset);
    if (parts.some((p) => p.toUpperCase() === 'INFORMATION_SCHEMA')) this.fail('INFORMATION_SCHEMA', at);
    if (parts.length > 3) this.fail(`table name ${parts.join('.')}`, at, 'expected project.dataset.table');
    const table = parts.at(-1) ?? '';
    const dataset = parts.length >= 2 ? (parts.at(-2) ?? '') : undefined;
    if (dataset !== undefined && parts.length === 2 && this.localSchemas.has(dataset.toLowerCase())) {
      return parts.map(quoteIdent).join('.');
    }
    if (dataset === undefined && (this.withNames.has(table.toLowerCase()) || !/^events/i.test(table))) return quoteIdent(table);
    if (dataset !== undefined && this.options.sourceDataset !== undefined && dataset !== this.options.sourceDataset) {
      throw new BigQueryUnsupportedError(`dataset ${dataset}`, `queries here read dataset ${this.options.sourceDataset}, which is stored locally as ${this.options.dataset}`);
    }
    const star = table.indexOf('*');
    if (star !== -1) {
      if (star !== table.length - 1) this.fail(`wildcard table ${table}`, at, 'the * must come last');
      return this.wildcard(table.slice(0, -1).toLowerCase(), at);
    }
    const lower = table.toLowerCase();
    if (/^events_\d{8}$/.test(lower)) return `${local}.${lower}`;
    // Intraday tables exist in BigQuery only for days not yet finalised; the local export writes every day
    // straight into its final table, so an intraday table is always empty here.
    if (/^events_intraday_\d{8}$/.test(lower)) return `(SELECT * FROM ${local}.events WHERE false)`;
    if (lower === 'events') return `${local}.events`;
    return this.fail(`table ${parts.join('.')}`, at, 'the local dataset holds the events_YYYYMMDD day tables only');
  }

  /**
   * `events_<prefix>*`: every day table whose name starts with the prefix, and `_TABLE_SUFFIX` holding the rest
   * of the name. Day tables are named `events_` + event_date, so this is a filter on event_date.
   */
  private wildcard(prefix: string, at: Token): string {
    const local = quoteIdent(this.options.dataset);
    const shards = (suffix: string, where: string): string =>
      `(SELECT *, ${suffix} AS _TABLE_SUFFIX FROM ${local}.events${where ? ` WHERE ${where}` : ''})`;
    if ('events_'.startsWith(prefix)) return shards(prefix === 'events_' ? 'event_date' : `${sqlString('events_'.slice(prefix.length))} || event_date`, '');
    if (prefix.startsWith('events_')) {
      const rest = prefix.slice('events_'.length);
      if (/^\d{1,8}$/.test(rest)) return shards(`substr(event_date, ${rest.length + 1})`, `starts_with(event_date, ${sqlString(rest)})`);
      if ('intraday_'.startsWith(rest) || /^intraday_\d{0,8}$/.test(rest)) return shards(`'' || event_date`, 'false');
    }
    return this.fail(`wildcard table ${prefix}*`, at, 'the local dataset holds the events_YYYYMMDD day tables only');
  }
}

/** Whether DuckDB SQL names `name` unqualified (as `name` or `"name"`, not after a dot). */
function mentions(sql: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w."])"?${escaped}"?(?![\\w"])`, 'i').test(sql);
}
