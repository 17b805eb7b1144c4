/**
 * Durability: the collector (a real child process) is killed with SIGKILL in the middle of a load. After a restart
 * on the same data dir, every event that was acknowledged (204) is in the warehouse exactly once, and retrying the
 * requests that were in flight, or that were acknowledged, stores nothing twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Warehouse } from '../warehouse/warehouse';
import { startCollectorProcess, type CollectorProcess } from './collector-process';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const QUERY = '/mp/collect?measurement_id=G-SHOPLAB&api_secret=shoplab-local';

interface Sent {
  body: string;
  ids: string[];
}

/** One simulated browser: 25-event requests with strictly increasing event timestamps, as the local tag sends. */
function requestsOf(client: number, start: number): () => Sent {
  let ts = start;
  return () => {
    const events = Array.from({ length: 25 }, (_, i) => ({ name: i % 2 ? 'view_item' : 'page_view', timestamp_micros: ts++, params: { session_id: 1_709_294_000, page_location: `https://shop.example/p/${i}` } }));
    return { body: JSON.stringify({ client_id: `crash.${client}`, events }), ids: events.map((e) => `crash.${client}|${e.timestamp_micros}|${e.name}`) };
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('collector crash', () => {
  it('keeps every acknowledged event exactly once across kill -9 and retries', { timeout: 240_000 }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'shoplab-crash-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let collector: CollectorProcess = await startCollectorProcess(dataDir);
    cleanups.push(() => (collector.child.exitCode === null && collector.child.signalCode === null ? collector.stop() : undefined));

    const acknowledged: Sent[] = [];
    const unanswered: Sent[] = [];
    let stop = false;
    const startMicros = Date.now() * 1000;
    const senders = Array.from({ length: 8 }, async (_, client) => {
      const next = requestsOf(client, startMicros);
      while (!stop) {
        const sent = next();
        try {
          const res = await fetch(`${collector.url}${QUERY}`, { method: 'POST', body: sent.body });
          if (res.status === 204 && res.headers.get('x-shoplab-accepted') === '25') acknowledged.push(sent);
          else unanswered.push(sent);
        } catch {
          unanswered.push(sent); // the connection died with the collector: this request may or may not be stored
          return;
        }
      }
    });

    await until(() => acknowledged.length >= 40, '1,000 acknowledged events');
    collector.child.kill('SIGKILL');
    expect(await collector.exited).toBe('SIGKILL');
    stop = true;
    await Promise.all(senders);
    const ackedBeforeCrash = acknowledged.length;

    collector = await startCollectorProcess(dataDir);
    // Retry what was in flight, and some acknowledged requests whose answer could have been lost: idempotent.
    const retries = [...unanswered, ...acknowledged.slice(0, 10)];
    for (const sent of retries) {
      const res = await fetch(`${collector.url}${QUERY}`, { method: 'POST', body: sent.body });
      expect(res.status).toBe(204);
      expect(res.headers.get('x-shoplab-accepted')).toBe('25');
    }
    const duplicates = Number(
      (await (await fetch(`${collector.url}/metrics`, { headers: { authorization: `Bearer ${collector.token}` } })).text()).match(/^shoplab_collector_events_duplicate_total (\d+)$/m)?.[1],
    );
    expect(duplicates).toBeGreaterThanOrEqual(10 * 25);
    expect(await collector.stop()).toBe(0);

    const warehouse = await Warehouse.open({ dataDir, readOnly: true });
    cleanups.push(() => warehouse.close());
    const rows = await warehouse.query(
      `SELECT user_pseudo_id || '|' || event_timestamp || '|' || event_name AS id, count(*) AS n FROM ${warehouse.dataset}.events GROUP BY ALL`,
    );
    const counts = new Map(rows.map((r) => [r.id as string, Number(r.n)]));
    const expected = [...acknowledged, ...unanswered].flatMap((s) => s.ids);
    expect(ackedBeforeCrash).toBeGreaterThanOrEqual(40);
    expect(expected.filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(counts.size).toBe(new Set(expected).size);
  });
});
