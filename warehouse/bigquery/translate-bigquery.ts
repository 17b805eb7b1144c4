/**
 * Translates one BigQuery Standard SQL query, as written against the GA4 export, into DuckDB SQL over the local
 * warehouse. It works on the lexer's tokens grouped by brackets, so strings, comments and quoted names are never
 * touched, and rewrites only what differs: table names (`project.dataset.events_*` and friends, `_TABLE_SUFFIX`),
 * UNNEST in FROM/JOIN (struct fields become columns), function names and argument orders, string literals,
 * `[OFFSET(n)]`, `* EXCEPT`, CAST types. DuckDB parses the result; what has no local equivalent fails here with
 * a BigQueryUnsupportedError naming the feature. The supported set is listed in docs/sql.md.
 */

import { quoteIdent, sqlString } from '../duckdb-types';
import { BigQuerySyntaxError, BigQueryUnsupportedError } from './bigquery-errors';
import { callRewrites, type Arg, type CallContext } from './call-rewrites';
import { buildTree, firstToken, isGroup, isOp, isTok, paren, rawText, splitArgs, word, type Group, type Node } from './bigquery-tree';
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

/** Translates BigQuery SQL (one query) into DuckDB SQL for the local warehouse. */
export function translateBigQuery(sql: string, options: TranslateOptions): string {
  return new Translator(sql, options).run();
}

class Translator {
  private aliasCount = 0;
  /** Names defined by WITH, lower case: a WITH name wins over a table of the same name, as in BigQuery. */
  private readonly withNames = new Set<string>();
  private readonly localSchemas: Set<string>;

  constructor(
    private readonly sql: string,
    private readonly options: TranslateOptions,
  ) {
    this.localSchemas = new Set((options.localSchemas ?? ['ground_truth']).map((s) => s.toLowerCase()));
  }

  run(): string {
    const tokens = lexBigQuery(this.sql);
    // One statement: a trailing semicolon is fine, a second statement (BigQuery scripting) is not.
    while (isOp(tokens.at(-1), ';')) tokens.pop();
    const semi = tokens.find((t) => isOp(t, ';'));
    if (semi) throw new BigQueryUnsupportedError('multi-statement scripts', `a second statement starts at ${lineColumn(this.sql, semi.pos)}; run one query at a time`);
    const tree = buildTree(tokens, this.sql);
    let start = tree[0];
    while (paren(start)) start = start.items[0];
    if (start === undefined) throw new BigQuerySyntaxError('the query is empty');
    if (!STATEMENT_STARTS.has(word(start))) {
      const what = isTok(start) ? start.text : '(';
      if (OTHER_STATEMENTS.has(word(start))) {
        throw new BigQueryUnsupportedError(`${what.toUpperCase()} statements`, 'only queries (SELECT or WITH …) run locally');
      }
      throw new BigQuerySyntaxError(`syntax error: a query starts with SELECT or WITH, not ${JSON.stringify(what)}`);
    }
    this.collectWithNames(tree);
    return this.seq(tree).trim();
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
   * a list filter on the row's own array instead of a correlated subquery: the same value (keys are unique within
   * an event's params; a missing key gives NULL) at a small part of the cost, which matters because analysts write
   * this once per parameter per event. Any other shape of subquery goes the general way.
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
    return `list_filter(${this.seq(arg.items).trim()}, __p -> __p."key" = ${sqlString(literal.value)})[1].${field}`;
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
    const columns = alias.name ? [`unnest(${arg}) AS ${quoteIdent(name)}`] : [];
    columns.push(`unnest(${arg}, max_depth := 2)`);
    if (offset !== undefined) columns.push(`generate_subscripts(${arg}, 1) - 1 AS ${quoteIdent(offset)}`);
    return { sql: `${before}${lateral ? 'LATERAL ' : ''}(SELECT ${columns.join(', ')}) AS ${quoteIdent(name)}`, next };
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
