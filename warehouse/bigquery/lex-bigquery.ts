/**
 * A lexer for BigQuery Standard SQL: strings (quoted, triple-quoted, raw, bytes), backtick identifiers, comments
 * (`--`, `#`, `/* *\/`), numbers, words, query parameters and operators. The translator works on its tokens, so
 * that nothing inside a string, comment or quoted name is ever rewritten.
 */

import { BigQuerySyntaxError } from './bigquery-errors';

export const TokenKind = {
  /** Unquoted identifier or keyword. */
  word: 'word',
  /** Backtick-quoted identifier (or dotted path); `value` holds the unquoted text. */
  quoted: 'quoted',
  /** String literal; `value` holds the decoded text. */
  string: 'string',
  /** Bytes literal (`b'...'`); `value` holds the decoded text. */
  bytes: 'bytes',
  number: 'number',
  /** `@name`, `@@name` or `?`. */
  param: 'param',
  /** Operators and punctuation. */
  op: 'op',
} as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

export interface Token {
  kind: TokenKind;
  /** The source text of the token. */
  text: string;
  /** Decoded value of strings and quoted identifiers; the text otherwise. */
  value: string;
  /** Offset in the source. */
  pos: number;
  /** Whitespace (and comments, reduced to whitespace) before the token. */
  before: string;
}

const OPERATORS = ['<=', '>=', '<>', '!=', '||', '<<', '>>', '=>', '+', '-', '*', '/', '%', '=', '<', '>', '(', ')', '[', ']', ',', '.', ';', '~', '&', '|', '^', '{', '}', ':'];
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '?': '?', "'": "'", '"': '"', '`': '`' };

/** Line and column (1-based) of an offset, for error messages. */
export function lineColumn(sql: string, pos: number): string {
  const lines = sql.slice(0, pos).split('\n');
  return `line ${lines.length}, column ${(lines.at(-1)?.length ?? 0) + 1}`;
}

function decodeEscapes(body: string, sql: string, start: number): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) throw new BigQuerySyntaxError(`string ends with a lone backslash at ${lineColumn(sql, start)}`);
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    const hex = e === 'x' || e === 'X' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hex > 0) {
      const digits = body.slice(i + 2, i + 2 + hex);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) {
        throw new BigQuerySyntaxError(`bad \\${e} escape in string at ${lineColumn(sql, start)}`);
      }
      out += String.fromCodePoint(parseInt(digits, 16));
      i += 1 + hex;
      continue;
    }
    const octal = body.slice(i + 1, i + 4);
    if (/^[0-7]{3}$/.test(octal)) {
      out += String.fromCharCode(parseInt(octal, 8));
      i += 3;
      continue;
    }
    throw new BigQuerySyntaxError(`unknown escape \\${e} in string at ${lineColumn(sql, start)}`);
  }
  return out;
}

/** Splits BigQuery SQL into tokens. Throws BigQuerySyntaxError on unterminated strings, comments or names. */
export function lexBigQuery(sql: string): Token[] {
  const tokens: Token[] = [];
  let before = '';
  let i = 0;
  const push = (kind: TokenKind, text: string, value: string, pos: number): void => {
    tokens.push({ kind, text, value, pos, before });
    before = '';
  };
  while (i < sql.length) {
    const c = sql[i] ?? '';
    const rest = sql.slice(i, i + 3);
    if (/\s/.test(c)) {
      before += c;
      i++;
      continue;
    }
    if (rest.startsWith('--') || c === '#') {
      const end = sql.indexOf('\n', i);
      before += ' ';
      i = end === -1 ? sql.length : end;
      continue;
    }
    if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new BigQuerySyntaxError(`unterminated /* comment starting at ${lineColumn(sql, i)}`);
      before += ' ';
      i = end + 2;
      continue;
    }
    const prefix = /^[rRbB]{0,2}(?=['"])/.exec(sql.slice(i, i + 3))?.[0];
    if (prefix !== undefined && (prefix === '' || /^(r|b|rb|br)$/i.test(prefix))) {
      const start = i;
      const raw = /r/i.test(prefix);
      const bytes = /b/i.test(prefix);
      let j = i + prefix.length;
      const q = sql[j] ?? '';
      const triple = sql.slice(j, j + 3) === q.repeat(3);
      const delim = triple ? q.repeat(3) : q;
      j += delim.length;
      let end = -1;
      for (let k = j; k < sql.length; k++) {
        if (sql[k] === '\\') {
          k++; // even in a raw string, a backslash keeps the next quote from ending it
          continue;
        }
        if (!triple && sql[k] === '\n') break;
        if (sql.startsWith(delim, k)) {
          end = k;
          break;
        }
      }
      if (end === -1) throw new BigQuerySyntaxError(`unterminated string starting at ${lineColumn(sql, start)}`);
      const body = sql.slice(j, end);
      const value = raw ? body : decodeEscapes(body, sql, start);
      i = end + delim.length;
      push(bytes ? TokenKind.bytes : TokenKind.string, sql.slice(start, i), value, start);
      continue;
    }
    if (c === '`') {
      const start = i;
      let value = '';
      let j = i + 1;
      for (; j < sql.length && sql[j] !== '`'; j++) {
        if (sql[j] === '\n') break;
        if (sql[j] === '\\' && j + 1 < sql.length) {
          value += decodeEscapes(sql.slice(j, j + 2), sql, start);
          j++;
          continue;
        }
        value += sql[j];
      }
      if (sql[j] !== '`') throw new BigQuerySyntaxError(`unterminated \`quoted name\` starting at ${lineColumn(sql, start)}`);
      i = j + 1;
      if (value === '') throw new BigQuerySyntaxError(`empty \`\` name at ${lineColumn(sql, start)}`);
      push(TokenKind.quoted, sql.slice(start, i), value, start);
      continue;
    }
    const number = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(sql.slice(i));
    if (number && !(c === '.' && /[A-Za-z_`]/.test(sql[i - 1] ?? ''))) {
      push(TokenKind.number, number[0], number[0], i);
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
    if (word) {
      push(TokenKind.word, word[0], word[0], i);
      i += word[0].length;
      continue;
    }
    const param = /^(?:@@?[A-Za-z_][A-Za-z0-9_.]*|\?)/.exec(sql.slice(i));
    if (param) {
      push(TokenKind.param, param[0], param[0], i);
      i += param[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => sql.startsWith(o, i));
    if (op) {
      push(TokenKind.op, op, op, i);
      i += op.length;
      continue;
    }
    throw new BigQuerySyntaxError(`unexpected character ${JSON.stringify(c)} at ${lineColumn(sql, i)}`);
  }
  // Trailing whitespace is dropped: the translation is for execution.
  return tokens;
}
