/**
 * The run journal: one JSON line per finished session, appended and fsynced only after the collector has
 * acknowledged the session's events and its ground truth is stored. `--resume` skips what the journal holds and
 * restores returning users' browser state from it; anything not in it counts as never run.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What identifies a run; a resume with different values would mix two different runs. */
export interface JournalHeader {
  type: 'run';
  runId: string;
  seed: string;
  users: number;
  start: number;
  days: number;
  shard: string;
  population: string;
  pace: string;
}

/** Cookies and localStorage of a user's browser after a visit, restored before the next one. */
export interface BrowserState {
  cookie: string;
  local: Record<string, string>;
}

export interface JournalEntry {
  type: 'session';
  index: number;
  user: number;
  visit: number;
  clientId: string;
  outcome: string;
  events: number;
  error?: string;
  state?: BrowserState;
}

export interface Journal {
  readonly file: string;
  /** Sessions finished in earlier attempts of this run, by plan index. */
  readonly done: ReadonlyMap<number, JournalEntry>;
  append(entry: JournalEntry): void;
  close(): void;
}

export function journalPath(dataDir: string, runId: string, shard: string): string {
  const suffix = shard === '1/1' ? '' : `.shard-${shard.replace('/', '-of-')}`;
  return join(dataDir, 'runs', `${runId}${suffix}.jsonl`);
}

const KEYS = ['runId', 'seed', 'users', 'start', 'days', 'shard', 'population', 'pace'] as const;

/**
 * Opens the journal. Without `resume` the file must not exist yet (a run id is used once); with it, the file
 * must exist and its header must match. A torn last line (a crash mid-write) is ignored: that session re-runs.
 */
export function openJournal(file: string, header: JournalHeader, resume: boolean): Journal {
  const done = new Map<number, JournalEntry>();
  const exists = existsSync(file);
  if (!resume && exists) throw new Error(`run ${header.runId} already has a journal (${file}); pass --resume to continue it or choose another --run-id`);
  if (resume && !exists) throw new Error(`--resume: no journal for run ${header.runId} at ${file}`);
  if (exists) {
    const lines = readFileSync(file, 'utf8').split('\n');
    const first = JSON.parse(lines[0] ?? '{}') as Partial<JournalHeader>;
    for (const k of KEYS) {
      if (first[k] !== header[k]) {
        throw new Error(`--resume: run ${header.runId} was started with ${k}=${JSON.stringify(first[k])}, not ${JSON.stringify(header[k])}`);
      }
    }
    for (const line of lines.slice(1)) {
      if (!line.trim()) continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        continue;
      }
      if (entry.type === 'session') done.set(entry.index, entry);
    }
  } else {
    mkdirSync(dirname(file), { recursive: true });
  }
  const fd = openSync(file, 'a');
  const write = (value: unknown): void => {
    writeSync(fd, `${JSON.stringify(value)}\n`);
    fsyncSync(fd);
  };
  if (!exists) write(header);
  return {
    file,
    done,
    append: (entry) => write(entry),
    close: () => closeSync(fd),
  };
}
