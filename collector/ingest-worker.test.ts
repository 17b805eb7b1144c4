import { afterEach, describe, expect, it } from 'vitest';
import type { ExportRow } from '../warehouse/export-row';
import { digestRow, unpackDigests } from '../warehouse/row-digest';
import { DEFAULT_STREAM } from './stream-config';
import { IngestWorker } from './ingest-worker';
import type { HitsInput } from './judge-hits';
import type { FirstTouch } from './mp-to-rows';
import { splitLines, type RowText } from '../warehouse/committed-rows';

const workers: IngestWorker[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.close();
});

const NOW = 1_709_294_400_000_000;

function hits(clientId: string, micros: number): HitsInput {
  const text = JSON.stringify({ client_id: clientId, events: [{ name: 'page_view', timestamp_micros: micros, params: { page_location: 'https://shop.example/?utm_source=news&utm_medium=email' } }] });
  return { endpoint: '/mp/collect', measurementId: DEFAULT_STREAM.measurementId, search: '', text, userAgent: undefined, origin: undefined, referer: undefined, geo: undefined, receivedAt: NOW };
}

function firstTouchOf(text: RowText): { ts: unknown; source: unknown } {
  // The thread sends the rows as UTF-8 bytes, whose buffer it hands over (no copy into the main thread's heap).
  if (typeof text === 'string') throw new Error('expected the rows as bytes from the ingest thread');
  const line = new TextDecoder().decode(text);
  const row = JSON.parse(line) as { user_first_touch_timestamp: unknown; traffic_source: unknown };
  return { ts: row.user_first_touch_timestamp, source: row.traffic_source };
}

describe('IngestWorker', () => {
  it('judges hits in its thread, keeping first touches across requests', async () => {
    const worker = await IngestWorker.start({ streams: [DEFAULT_STREAM], loadFirstTouch: () => Promise.resolve([]), log: () => undefined });
    workers.push(worker);
    const first = await worker.judge(hits('u.1', NOW - 10));
    expect(first.dates).toEqual(['20240301']);
    expect(first.ids).toEqual([{ key: `${DEFAULT_STREAM.measurementId}|u.1|${NOW - 10}|page_view`, clientId: 'u.1', micros: NOW - 10, runId: null }]);
    const later = await worker.judge(hits('u.1', NOW));
    expect(firstTouchOf(later.text).ts).toBe(NOW - 10);
    const bad = await worker.judge({ ...hits('u.1', NOW), text: '{"client_id":"u.1","events":[{"name":"1bad"}]}' });
    expect([bad.dates, bad.rejects.map((r) => r.validation_code)]).toEqual([[], ['NAME_INVALID']]);
  });

  it('digests each row beside its line when asked, and only then', async () => {
    const worker = await IngestWorker.start({ streams: [DEFAULT_STREAM], digests: true, loadFirstTouch: () => Promise.resolve([]), log: () => undefined });
    workers.push(worker);
    const input = hits('u.4', NOW);
    const two = { ...input, text: JSON.stringify({ client_id: 'u.4', events: [1, 2].map((i) => ({ name: 'page_view', timestamp_micros: NOW + i, params: { session_id: 7, page_location: `https://shop.example/p/${i}`, page_title: `Page "${i}"` } })) }) };
    const judged = await worker.judge(two);
    expect(judged.digests?.split('\n')).toHaveLength(2);
    const lines = splitLines(judged.text);
    expect(unpackDigests(judged.digests ?? '')).toEqual(lines.map((l) => digestRow(JSON.parse(l) as ExportRow)));
    expect(unpackDigests(judged.digests ?? '').map((d) => [d.client, d.session, d.path, d.title])).toEqual([
      ['u.4', 7, '/p/1', 'Page "1"'],
      ['u.4', 7, '/p/2', 'Page "2"'],
    ]);
    const plain = await IngestWorker.start({ streams: [DEFAULT_STREAM], loadFirstTouch: () => Promise.resolve([]), log: () => undefined });
    workers.push(plain);
    expect((await plain.judge(two)).digests).toBeUndefined();
  });

  it('refuses what a dead thread held and starts a new one on the next request, with the first touches reloaded', async () => {
    const known: [string, FirstTouch][] = [['u.2', { timestamp: NOW - 99, source: { name: '(direct)', medium: '(none)', source: '(direct)' } }]];
    let loads = 0;
    const logs: string[] = [];
    const worker = await IngestWorker.start({
      streams: [DEFAULT_STREAM],
      loadFirstTouch: () => {
        loads++;
        return Promise.resolve(known);
      },
      log: (m) => logs.push(m),
    });
    workers.push(worker);
    const inFlight = worker.judge(hits('u.2', NOW));
    await worker.stopThread();
    await expect(inFlight).rejects.toThrow(/ingest worker stopped/);
    const after = await worker.judge(hits('u.2', NOW + 1));
    expect(loads).toBe(2);
    expect(firstTouchOf(after.text)).toEqual({ ts: NOW - 99, source: { name: '(direct)', medium: '(none)', source: '(direct)' } });
    expect(logs.join('\n')).toMatch(/ingest worker stopped .* 1 request\(s\) refused/);
  });

  it('gives its garbage back when asked, keeps its state, and judges on afterwards', async () => {
    const worker = await IngestWorker.start({ streams: [DEFAULT_STREAM], loadFirstTouch: () => Promise.resolve([]), log: () => undefined });
    workers.push(worker);
    await worker.judge(hits('u.3', NOW - 5));
    await expect(worker.releaseMemory()).resolves.toBe(true);
    const after = await worker.judge(hits('u.3', NOW));
    expect(firstTouchOf(after.text).ts).toBe(NOW - 5);
    await worker.stopThread();
    await expect(worker.releaseMemory()).resolves.toBe(false);
  });
});
