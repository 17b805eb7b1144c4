/**
 * Purging a simulated run's events matches the run id and client by equality on the dedupe id's stored parts: a
 * run id is never a pattern, and ids of other runs (or of no run) stay.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toExportValue } from '../ga4/export-schema';
import { sampleRow } from './test-fixtures';
import { Warehouse, type EventId, type ExportRow } from './warehouse';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function runRow(runId: string | null, client: string, micros: number): ExportRow {
  const base = sampleRow({ user_pseudo_id: client, event_timestamp: micros });
  return { ...base, event_params: runId === null ? base.event_params : [...base.event_params, { key: 'shoplab_run_id', value: toExportValue(runId) }] };
}
const idOf = (runId: string | null, client: string, micros: number): EventId => ({ key: `G|${client}|${micros}|purchase${runId === null ? '' : `|${runId}`}`, clientId: client, micros, runId });

describe('Warehouse.purgeRunEvents', () => {
  it('deletes only the named run by equality, so `_` and `%` in other runs are no wildcards, and forgets only its ids', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'shoplab-purge-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const wh = await Warehouse.open({ dataDir });
    cleanups.push(() => wh.close());
    const events: [string | null, string, number][] = [
      ['a_b', '1.1', 10],
      ['a_b', '1.1', 20],
      ['axb', '1.1', 20],
      ['x|a_b', '1.1', 20],
      [null, '1.1', 20],
      ['a_b', '2.2', 20],
    ];
    await wh.insertEvents(events.map(([r, c, t]) => runRow(r, c, t)), { ids: events.map(([r, c, t]) => idOf(r, c, t)) });
    await wh.purgeRunEvents('a_b', [{ clientId: '1.1', sinceMicros: 15 }]);
    const left = await wh.query(`SELECT run_id, client_id, event_micros FROM ingest.event_ids ORDER BY ALL`);
    expect(left).toEqual([
      { run_id: 'a_b', client_id: '1.1', event_micros: 10 },
      { run_id: 'a_b', client_id: '2.2', event_micros: 20 },
      { run_id: 'axb', client_id: '1.1', event_micros: 20 },
      { run_id: 'x|a_b', client_id: '1.1', event_micros: 20 },
      { run_id: null, client_id: '1.1', event_micros: 20 },
    ]);
    expect(await wh.query(`SELECT count(*) AS n FROM analytics_shoplab.events`)).toEqual([{ n: 5 }]);
    // The forgotten id is stored again, the others are still known as duplicates.
    expect(await wh.insertEvents([runRow('a_b', '1.1', 20), runRow('axb', '1.1', 20)], { ids: [idOf('a_b', '1.1', 20), idOf('axb', '1.1', 20)] })).toEqual({ stored: 1, duplicates: 1 });
  });

  it('refuses a run id outside the safe alphabet before touching anything', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'shoplab-purge-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const wh = await Warehouse.open({ dataDir });
    cleanups.push(() => wh.close());
    await expect(wh.purgeRunEvents('%', [{ clientId: '1.1', sinceMicros: 0 }])).rejects.toThrow(/may hold only letters/);
  });

  it('has no LIKE left in its SQL', () => {
    const source = readFileSync(path.join(import.meta.dirname, 'warehouse.ts'), 'utf8');
    const purge = source.slice(source.indexOf('async purgeRunEvents'), source.indexOf('async', source.indexOf('async purgeRunEvents') + 10));
    expect(purge).toContain('DELETE FROM');
    expect(purge).not.toMatch(/\bLIKE\b/i);
  });
});
