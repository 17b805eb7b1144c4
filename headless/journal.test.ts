import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJournal, type JournalEntry, type JournalHeader } from './journal';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function journalFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'shoplab-journal-'));
  dirs.push(dir);
  return join(dir, 'runs', 'r1.jsonl');
}

const header: JournalHeader = { type: 'run', runId: 'r1', seed: 's', users: 10, start: 0, days: 1, shard: '1/1', population: 'default', pace: 'virtual' };
const entry = (index: number): JournalEntry => ({ type: 'session', index, user: index % 3, visit: 1, clientId: `c${index}`, outcome: 'browsed', events: index });

describe('run journal', () => {
  it('has each line in the file when its append resolves, and keeps every line of appends made at once, in order', async () => {
    const file = journalFile();
    const journal = openJournal(file, header, false);
    await journal.append(entry(0));
    expect(readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { index?: number }).index)).toEqual([undefined, 0]);
    // Forty appends without waiting: one write is under way while the others gather for the next. When the last
    // one resolves, every line is in the file.
    const appends = Array.from({ length: 40 }, (_, i) => journal.append(entry(i + 1)));
    await appends[39];
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.slice(1).map((l) => (JSON.parse(l) as JournalEntry).index)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    await Promise.all(appends);
    await journal.close();
    const resumed = openJournal(file, header, true);
    expect([...resumed.done.keys()]).toEqual(Array.from({ length: 41 }, (_, i) => i));
    expect(resumed.done.get(7)).toEqual(entry(7));
    await resumed.close();
  });

  it('refuses a second run with the same id, and a resume with other parameters', async () => {
    const file = journalFile();
    await openJournal(file, header, false).close();
    expect(() => openJournal(file, header, false)).toThrow(/run r1 already has a journal/);
    expect(() => openJournal(file, { ...header, seed: 't' }, true)).toThrow(/started with seed="s", not "t"/);
  });
});
