/**
 * The run journal: one JSON line per finished session, appended and fsynced only after the collector has
 * acknowledged the session's events and its ground truth is stored. `--resume` skips what the journal holds and
 * restores returning users' browser state from it; anything not in it counts as never run.
 */
import { closeSync, existsSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, write as writeFd, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';
import { checkRunId } from '../ga4/run-id';

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
  /**
   * Resolves once the entry's line is on disk (written and fsynced). Lines of entries appended while a write is
   * under way go out together in the next write, with one fsync; the runner's event loop never waits for the disk.
   */
  append(entry: JournalEntry): Promise<void>;
  /** Waits for appends under way, then closes the file. */
  close(): Promise<void>;
}

/** `<dataDir>/runs/<runId>[.shard-k-of-n].jsonl`; throws on a run id that is not safe as a file name (ga4/run-id.ts). */
export function journalPath(dataDir: string, runId: string, shard: string): string {
  checkRunId(runId);
  if (!/^\d+\/\d+$/.test(shard)) throw new Error(`shard must be k/n, got ${JSON.stringify(shard)}`);
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
  if (!exists) {
    writeSync(fd, `${JSON.stringify(header)}\n`);
    fsyncSync(fd);
  }
  const writeAsync = promisify(writeFd);
  const fsyncAsync = promisify(fsync);
  let waiting: { text: string; done: Promise<void>; settle: (error?: Error) => void } | null = null;
  let writing: Promise<void> = Promise.resolve();
  const flush = async (text: string): Promise<void> => {
    const bytes = Buffer.from(text, 'utf8');
    for (let at = 0; at < bytes.length; ) at += (await writeAsync(fd, bytes, at, bytes.length - at, null)).bytesWritten;
    await fsyncAsync(fd);
  };
  const append = (entry: JournalEntry): Promise<void> => {
    const line = `${JSON.stringify(entry)}\n`;
    if (waiting) {
      waiting.text += line;
      return waiting.done;
    }
    let settle: (error?: Error) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      settle = (error?: Error) => (error === undefined ? resolve() : reject(error));
    });
    const next = { text: line, done, settle };
    waiting = next;
    // The lines wait for the write under way, then go out together; a failed write fails only its own lines.
    writing = writing.then(() => {
      if (waiting === next) waiting = null;
      return flush(next.text).then(
        () => next.settle(),
        (error: unknown) => next.settle(error instanceof Error ? error : new Error(`could not write the journal ${file}`)),
      );
    });
    return done;
  };
  return {
    file,
    done,
    append,
    close: async () => {
      await writing;
      closeSync(fd);
    },
  };
}
