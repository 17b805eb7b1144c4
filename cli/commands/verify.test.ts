import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../collector/server';
import type { MpEvent, MpRequest } from '../../ga4/measurement-protocol';
import { formatVerify, verifyGa4 } from '../../pipeline/verify-ga4';
import { Ga4Relay } from '../../export/ga4-relay';
import { startGa4Standin, type Ga4Standin } from '../../export/ga4-standin';
import { committedLines } from '../../warehouse/committed-rows';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'shoplab.js');
const GA4 = { measurementId: 'G-RELAYTEST', apiSecret: 'relay-secret', propertyId: '123456789' };
const LOCAL = { measurementId: 'G-LOCAL', apiSecret: 'local-secret', streamId: '42', localTag: true };
const NOW = Date.now();
const HOUR = 3_600_000;

/** Waits for a condition, polling; fails with the last state after the timeout. */
async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A shopper's session as the local tag sends it: automatic events, views, a cart and a purchase with items. */
function session(client: string, sessionId: number, startMs: number, runId: string): MpRequest {
  const item = { item_id: 'SKU-MUG', item_name: 'Mug', price: 12.5, quantity: 2, index: 3, item_list_id: 'home' };
  const names = ['session_start', 'page_view', 'view_item_list', 'select_item', 'view_item', 'add_to_cart', 'page_view', 'begin_checkout', 'purchase', 'user_engagement'];
  const events: MpEvent[] = names.map((name, i) => ({
    name,
    timestamp_micros: (startMs + i * 1000) * 1000,
    params: {
      session_id: sessionId,
      session_number: 1,
      engagement_time_msec: 100,
      shoplab_run_id: runId,
      page_location: 'http://localhost/product/mug/',
      ...(['view_item_list', 'select_item', 'view_item', 'add_to_cart', 'begin_checkout', 'purchase'].includes(name) ? { currency: 'USD', value: 25, items: [item] } : {}),
      ...(name === 'purchase' ? { transaction_id: `T-${client}` } : {}),
    },
  }));
  return { client_id: client, events };
}

describe('GA4 relay → Measurement Protocol stand-in → shoplab verify ga4', { timeout: 180_000 }, () => {
  let dir: string;
  let server: RunningServer;
  let relay: Ga4Relay;
  let standin: Ga4Standin;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shoplab-relay-'));
    standin = await startGa4Standin(GA4);
    relay = new Ga4Relay({ ...GA4, endpoint: standin.url, log: (m) => logs.push(m) });
    server = await startServer({ dataDir: dir, port: 0, log: () => {}, streams: [LOCAL], onCommit: [relay.onCommit] });
    const post = (body: MpRequest): Promise<Response> =>
      fetch(`${server.url}/mp/collect?measurement_id=${LOCAL.measurementId}&api_secret=${LOCAL.apiSecret}`, { method: 'POST', body: JSON.stringify(body) });
    // 30 shoppers today (10 events each, 2 of them names GA4 reserves), one of them over two requests.
    for (let u = 0; u < 30; u++) {
      const s = session(`${u}.1700000000`, 1_700_000_000 + u, NOW - 20 * 60_000 + u * 1000, 'run-a');
      if (u === 0) {
        expect((await post({ ...s, events: s.events.slice(0, 4) })).status).toBe(204);
        expect((await post({ ...s, events: s.events.slice(4) })).status).toBe(204);
      } else {
        expect((await post(s)).status).toBe(204);
      }
    }
    // Another run's shopper, and one whose events are four days old (virtual time): stored, never relayed.
    expect((await post(session('99.1', 1_699_000_000, NOW - 10 * 60_000, 'run-b'))).status).toBe(204);
    expect((await post(session('98.1', 1_698_000_000, NOW - 96 * HOUR, 'run-a'))).status).toBe(204);
    await until(() => relay.stats().received === 320, 'the commits to reach the relay');
    await relay.flush();
  });

  afterAll(async () => {
    await server?.close();
    await relay?.close();
    await standin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('relays every accepted event in Google\'s request shape, refusing the too-old and the reserved with a count', () => {
    expect(standin.problems).toEqual([]);
    const stats = relay.stats();
    expect(stats).toMatchObject({ received: 320, tooOld: 10, reserved: 62, sent: 248, failed: 0, queueFull: 0, queued: 0 });
    // 31 clients; at most 25 events each and one client per request.
    expect(standin.stats().events).toBe(248);
    expect(standin.stats().requests).toBeGreaterThanOrEqual(31);
    expect(logs.some((m) => /refused 10 event\(s\) older than 72 hours/.test(m))).toBe(true);
  });

  it('verify ga4 reports equal counts for the relayed run, by event name and day', async () => {
    const result = await verifyGa4(server.warehouse, { property: GA4.propertyId, runId: 'run-a', apiEndpoint: standin.apiEndpoint, from: new Date(NOW - 96 * HOUR).toISOString().slice(0, 10) });
    const today = new Date(NOW).toISOString().slice(0, 10).replaceAll('-', '');
    const old = new Date(NOW - 96 * HOUR).toISOString().slice(0, 10).replaceAll('-', '');
    const todayRows = result.rows.filter((r) => r.date === today);
    expect(todayRows.map((r) => r.eventName).sort()).toEqual(['add_to_cart', 'begin_checkout', 'page_view', 'purchase', 'select_item', 'view_item', 'view_item_list']);
    for (const r of todayRows) expect([r.eventName, r.ga4]).toEqual([r.eventName, r.warehouse]);
    expect(todayRows.find((r) => r.eventName === 'page_view')).toMatchObject({ warehouse: 60, ga4: 60, ok: true });
    // The four-day-old events were refused by the relay: GA4 never got them, and verify says so.
    const oldRows = result.rows.filter((r) => r.date === old);
    expect(oldRows.reduce((n, r) => n + r.warehouse, 0)).toBe(8);
    for (const r of oldRows) expect(r).toMatchObject({ ga4: 0, ok: false });
    expect(result.ok).toBe(false);
    const realtime = await verifyGa4(server.warehouse, { property: GA4.propertyId, runId: 'run-a', apiEndpoint: standin.apiEndpoint, realtime: true });
    expect(realtime.ok).toBe(true);
    expect(realtime.rows.reduce((n, r) => n + r.ga4, 0)).toBe(30 * 8);
    expect(formatVerify(realtime)).toMatch(/all 7 rows within the tolerance of 0%/);
  });

  it('verify ga4 shows the difference and fails when the property lost events', async () => {
    const lossy = await startGa4Standin({ ...GA4, dropFraction: 0.1 });
    try {
      const lossyRelay = new Ga4Relay({ ...GA4, endpoint: lossy.url, log: () => {} });
      const lines = (await server.warehouse.query(`SELECT to_json(e)::VARCHAR AS line FROM analytics_shoplab.events AS e`)).map((r) => String(r.line as string));
      lossyRelay.onCommit(committedLines(lines));
      await lossyRelay.close();
      expect(lossy.stats().dropped).toBe(Math.floor(248 * 0.1));
      const result = await verifyGa4(server.warehouse, { property: GA4.propertyId, realtime: true, apiEndpoint: lossy.apiEndpoint });
      expect(result.ok).toBe(false);
      expect(result.rows.reduce((n, r) => n + r.diff, 0)).toBe(-Math.floor(248 * 0.1));
      expect(formatVerify(result)).toMatch(/DIFF/);
      // Within a generous tolerance the same counts pass.
      expect((await verifyGa4(server.warehouse, { property: GA4.propertyId, realtime: true, apiEndpoint: lossy.apiEndpoint, tolerancePct: 50 })).ok).toBe(true);
    } finally {
      await lossy.close();
    }
  });

  it('the command exits 1 with the side-by-side table beyond the tolerance, 0 within it', async () => {
    const lossy = await startGa4Standin({ ...GA4, dropFraction: 0.5 });
    try {
      const lossyRelay = new Ga4Relay({ ...GA4, endpoint: lossy.url, log: () => {} });
      lossyRelay.onCommit(committedLines((await server.warehouse.query(`SELECT to_json(e)::VARCHAR AS line FROM analytics_shoplab.events AS e`)).map((r) => String(r.line as string))));
      await lossyRelay.close();
      await server.close(); // the CLI opens the warehouse in its own process
      const cli = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
        run(process.execPath, [BIN, 'verify', 'ga4', '--data', dir, '--property', GA4.propertyId, '--realtime', '--api-endpoint', lossy.apiEndpoint, ...args], { timeout: 120_000 }).then(
          (r) => ({ code: 0, ...r }),
          (e: { code: number; stdout: string; stderr: string }) => e,
        );
      const [strict, loose] = await Promise.all([cli(), cli('--tolerance', '100')]);
      expect(strict.code).toBe(1);
      expect(strict.stdout).toMatch(/^event_name\s+date\s+warehouse\s+ga4\s+diff\s+diff_%/);
      expect(strict.stdout).toMatch(/page_view\s+last 30 min\s+62\s+\d+\s+-\d+/);
      expect(loose.stdout + loose.stderr).toMatch(/all \d+ rows within the tolerance of 100%/);
      expect(loose.code).toBe(0);
    } finally {
      await lossy.close();
    }
  });
});
