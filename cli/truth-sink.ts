/**
 * Where a run's ground truth goes, whatever the mode: the warehouse of the in-process collector (local runs), the
 * private API of a ShopLab server (`--url` to one), or a file in the run directory (`--url` to another store),
 * which `shoplab truth import` loads later. Every sink is idempotent by the rows' keys, so a resumed or repeated
 * run never duplicates the truth.
 */
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { simSessionRowSchema, simUserRowSchema, firstIssue } from '../collector/truth-api';
import { saveSimSessions, saveSimUsers, type SimSessionRow, type SimUserRow } from '../warehouse/ground-truth';
import type { Warehouse } from '../warehouse/warehouse';
import { callApi } from './api-client';

export interface TruthSink {
  /** Where the truth goes, for people: the warehouse file, the server's URL, or the file. */
  readonly where: string;
  /** Stores the rows (either list may be empty); resolves once they are durable. */
  save(sessions: SimSessionRow[], users: SimUserRow[]): Promise<void>;
  close(): Promise<void>;
}

/** Rows per request to a server's truth API (its limit is MAX_TRUTH_ROWS). */
const ROWS_PER_REQUEST = 500;

export function warehouseTruth(wh: Warehouse): TruthSink {
  return {
    where: wh.file,
    async save(sessions, users) {
      await saveSimSessions(wh, sessions);
      await saveSimUsers(wh, users);
    },
    close: () => Promise.resolve(),
  };
}

export function serverTruth(url: string, token: string): TruthSink {
  const post = async (table: 'users' | 'sessions', rows: readonly unknown[]): Promise<void> => {
    for (let at = 0; at === 0 || at < rows.length; at += ROWS_PER_REQUEST) {
      await callApi(url, token, `/api/truth/${table}`, { rows: rows.slice(at, at + ROWS_PER_REQUEST) });
    }
  };
  return {
    where: url,
    async save(sessions, users) {
      await post('sessions', sessions);
      await post('users', users);
    },
    close: () => Promise.resolve(),
  };
}

/** One line of a truth file. */
type TruthLine = { table: 'users'; row: SimUserRow } | { table: 'sessions'; row: SimSessionRow };

/** Appends the rows to `file` as JSON lines, fsynced before `save` resolves. */
export function fileTruth(file: string): TruthSink {
  const fd = openSync(file, 'a', 0o600);
  return {
    where: file,
    async save(sessions, users) {
      const lines = [...sessions.map((row): TruthLine => ({ table: 'sessions', row })), ...users.map((row): TruthLine => ({ table: 'users', row }))];
      if (lines.length === 0) return;
      const bytes = Buffer.from(lines.map((l) => `${JSON.stringify(l)}\n`).join(''), 'utf8');
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
      await Promise.resolve();
    },
    close: () => {
      closeSync(fd);
      return Promise.resolve();
    },
  };
}

/**
 * Reads a truth file (fileTruth's lines), checking every row as the server's API does. A torn last line (a run
 * killed mid-write) is skipped: its session was never journaled and re-runs on resume. Any other bad line is an
 * error naming its line number.
 */
export function readTruthFile(file: string): { users: SimUserRow[]; sessions: SimSessionRow[] } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const users: SimUserRow[] = [];
  const sessions: SimSessionRow[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) return;
      throw new Error(`${file}:${i + 1}: not a JSON line`);
    }
    const { table, row } = (typeof value === 'object' && value !== null ? value : {}) as { table?: unknown; row?: unknown };
    if (table === 'users') {
      const parsed = simUserRowSchema.safeParse(row);
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${firstIssue(parsed.error, 'row')}`);
      users.push(parsed.data);
    } else if (table === 'sessions') {
      const parsed = simSessionRowSchema.safeParse(row);
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${firstIssue(parsed.error, 'row')}`);
      sessions.push(parsed.data);
    } else {
      throw new Error(`${file}:${i + 1}: "table" must be "users" or "sessions"`);
    }
  });
  return { users, sessions };
}
