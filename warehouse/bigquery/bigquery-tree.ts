/** Tokens grouped by brackets: the structure the translator walks. Only brackets nest; everything else is flat. */

import { BigQuerySyntaxError } from './bigquery-errors';
import { lineColumn, TokenKind, type Token } from './lex-bigquery';

export interface Group {
  kind: 'group';
  /** `(` or `[`. */
  open: Token;
  close: Token;
  items: Node[];
}
export type Node = Token | Group;

export const isGroup = (n: Node | undefined): n is Group => n?.kind === 'group';
export const isTok = (n: Node | undefined): n is Token => n !== undefined && n.kind !== 'group';
/** The upper-cased word, or '' when the node is not an unquoted word. */
export const word = (n: Node | undefined): string => (isTok(n) && n.kind === TokenKind.word ? n.value.toUpperCase() : '');
export const isOp = (n: Node | undefined, op: string): boolean => isTok(n) && n.kind === TokenKind.op && n.text === op;
export const paren = (n: Node | undefined): n is Group => isGroup(n) && n.open.text === '(';
export const firstToken = (n: Node): Token => (isGroup(n) ? n.open : n);

export function buildTree(tokens: Token[], sql: string): Node[] {
  const root: Node[] = [];
  const stack: { open: Token; items: Node[] }[] = [];
  let items = root;
  for (const t of tokens) {
    if (t.kind === TokenKind.op && (t.text === '(' || t.text === '[')) {
      stack.push({ open: t, items });
      items = [];
    } else if (t.kind === TokenKind.op && (t.text === ')' || t.text === ']')) {
      const top = stack.pop();
      const want = top?.open.text === '(' ? ')' : ']';
      if (!top || t.text !== want) throw new BigQuerySyntaxError(`unbalanced ${t.text} at ${lineColumn(sql, t.pos)}`);
      const group: Group = { kind: 'group', open: top.open, close: t, items };
      items = top.items;
      items.push(group);
    } else {
      items.push(t);
    }
  }
  const open = stack.pop();
  if (open) throw new BigQuerySyntaxError(`unclosed ${open.open.text} at ${lineColumn(sql, open.open.pos)}`);
  return root;
}

/** Splits a group's items at its top-level commas. */
export function splitArgs(items: readonly Node[]): Node[][] {
  if (items.length === 0) return [];
  const args: Node[][] = [[]];
  for (const n of items) {
    if (isOp(n, ',')) args.push([]);
    else args.at(-1)?.push(n);
  }
  return args;
}

/** The source text of nodes, without the whitespace between them. */
export function rawText(nodes: readonly Node[]): string {
  return nodes.map((n) => (isGroup(n) ? `${n.open.text}${rawText(n.items)}${n.close.text}` : n.text)).join('');
}

/** Index of the first top-level word in `words` (upper case), or -1. */
export function findWord(items: readonly Node[], ...words: string[]): number {
  return items.findIndex((n) => words.includes(word(n)));
}
