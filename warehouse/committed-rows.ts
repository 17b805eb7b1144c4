/**
 * What a commit listener (Warehouse.onCommit) is given: the rows one commit stored, as their JSON lines and as their
 * digests (row-digest.ts). Both are worked out on first call only and then shared by every listener, so a commit
 * whose listeners read only digests never has its text split into lines, and one whose listeners read only lines
 * never has digests unpacked. No DuckDB import, so tests and other stages can build one from lines.
 */
import { digestLines, unpackDigests, type EventDigest } from './row-digest';

export interface CommittedRows {
  /** The rowLine of every row stored, in order (duplicates skipped). */
  lines(): readonly string[];
  /** The digest of every row stored that has one (digestRow's null left out), in order. */
  digests(): readonly EventDigest[];
  /** Whether every row's digest was handed over by its inserter, so that `digests()` reads no line. */
  readonly digestsHanded: boolean;
}

/** Receives the rows of each commit; see Warehouse.onCommit. */
export type CommitListener = (committed: CommittedRows) => void;

/** `\n`-joined rowLine text, or its UTF-8 bytes (what the collector's ingest thread sends). */
export type RowText = string | Uint8Array;

const utf8 = new TextDecoder();

/** The rows' lines. A line never holds a raw newline (JSON escapes it), so splitting recovers the rows. */
export function splitLines(text: RowText): string[] {
  return (typeof text === 'string' ? text : utf8.decode(text)).split('\n');
}

/** Rows of one insert call that were stored: `\n`-joined lines and, when the inserter gave them, packed digests. */
export interface CommittedPart {
  text: RowText;
  /** packDigest of each of the rows, `\n`-joined, in the same order; undefined: digested from the lines. */
  digests: string | undefined;
}

class CommittedText implements CommittedRows {
  private split: readonly string[] | null = null;
  private digested: readonly EventDigest[] | null = null;

  readonly digestsHanded: boolean;

  constructor(private readonly parts: readonly CommittedPart[]) {
    this.digestsHanded = parts.every((p) => p.digests !== undefined);
  }

  lines(): readonly string[] {
    this.split ??= this.parts.length === 1 ? splitLines(this.parts[0]!.text) : this.parts.flatMap((p) => splitLines(p.text));
    return this.split;
  }

  digests(): readonly EventDigest[] {
    if (this.digested === null) {
      const out: EventDigest[] = [];
      for (const p of this.parts) {
        if (p.digests !== undefined) unpackDigests(p.digests, out);
        else digestLines(splitLines(p.text), out);
      }
      this.digested = out;
    }
    return this.digested;
  }
}

/** The rows of one commit, given as the parts of its insert calls that were stored (none empty). */
export function committedRows(parts: readonly CommittedPart[]): CommittedRows {
  return new CommittedText(parts);
}

/** A commit of these lines, digested from the lines themselves: what a listener gets for rows inserted without digests. */
export function committedLines(lines: readonly string[]): CommittedRows {
  return new CommittedText(lines.length === 0 ? [] : [{ text: lines.join('\n'), digests: undefined }]);
}
