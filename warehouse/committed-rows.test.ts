import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleExport } from './bigquery/sample-export';
import { digestRow, packDigest } from './row-digest';
import { committedLines, rowLine, Warehouse, type CommittedRows, type EventDigest, type EventId } from './warehouse';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<Warehouse> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shoplab-committed-'));
  dirs.push(dir);
  return Warehouse.open({ dataDir: dir });
}

const idOf = (i: number): EventId => ({ key: `k${i}`, clientId: `c${i}`, micros: i, runId: null });

describe('the commit listener', () => {
  const rows = sampleExport({ users: 20, seed: 5 }).slice(0, 60);

  it('gets the digests the inserter handed over, not a reading of the lines, and the lines of the same rows', async () => {
    const warehouse = await open();
    const commits: CommittedRows[] = [];
    warehouse.onCommit((c) => commits.push(c));
    // Digests that differ from the rows' own (the client is marked) show which reading the listener got.
    const marked = (d: EventDigest | null): EventDigest | null => (d === null ? null : { ...d, client: `handed-${d.client}` });
    const digests = rows.map((r) => packDigest(marked(digestRow(r)))).join('\n');
    await warehouse.insertSerializedEvents({ text: rows.map(rowLine).join('\n'), dates: rows.map((r) => r.event_date), digests });
    await expect.poll(() => commits.length).toBe(1);
    expect(commits[0]!.digestsHanded).toBe(true);
    expect(commits[0]!.digests()).toEqual(rows.map((r) => marked(digestRow(r))).filter((d) => d !== null));
    expect(commits[0]!.lines()).toEqual(rows.map(rowLine));
    await warehouse.close();
  });

  it('leaves a duplicate row out of both the lines and the digests, keeping the rest aligned', async () => {
    const warehouse = await open();
    const commits: CommittedRows[] = [];
    warehouse.onCommit((c) => commits.push(c));
    const first = rows.slice(0, 10);
    await warehouse.insertSerializedEvents({ text: first.map(rowLine).join('\n'), dates: first.map((r) => r.event_date) }, { ids: first.map((_, i) => idOf(i)) });
    // A retry of rows 5..9 with five new ones: only the new ones are stored and reported.
    const again = rows.slice(5, 15);
    await warehouse.insertSerializedEvents(
      { text: again.map(rowLine).join('\n'), dates: again.map((r) => r.event_date), digests: again.map((r) => packDigest(digestRow(r))).join('\n') },
      { ids: again.map((_, i) => idOf(i + 5)) },
    );
    await expect.poll(() => commits.length).toBe(2);
    const fresh = rows.slice(10, 15);
    expect(commits[1]!.lines()).toEqual(fresh.map(rowLine));
    expect(commits[1]!.digests()).toEqual(fresh.map(digestRow).filter((d) => d !== null));
    // Rows inserted without digests are digested from their lines.
    expect(commits[0]!.digestsHanded).toBe(false);
    expect(commits[0]!.digests()).toEqual(first.map(digestRow).filter((d) => d !== null));
    await warehouse.close();
  });

  it('refuses digests that do not match the rows one to one, storing nothing', async () => {
    const warehouse = await open();
    const two = rows.slice(0, 2);
    await expect(warehouse.insertSerializedEvents({ text: two.map(rowLine).join('\n'), dates: two.map((r) => r.event_date), digests: packDigest(digestRow(two[0]!)) })).rejects.toThrow(
      /1 digests for 2 rows/,
    );
    expect(await warehouse.query('SELECT count(*) AS n FROM analytics_shoplab.events')).toEqual([{ n: 0 }]);
    await warehouse.close();
  });

  it('committedLines reads digests from lines, for listeners fed by hand', () => {
    const c = committedLines(rows.map(rowLine));
    expect(c.digests()).toEqual(rows.map(digestRow).filter((d) => d !== null));
    expect(committedLines([]).digests()).toEqual([]);
  });
});
