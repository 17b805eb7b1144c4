/**
 * The live dashboard under load, with 1,000,000 events stored. The collector runs in its own process
 * (`shoplab serve --no-site`, as the ingest bench runs it), once without the dashboard and once with it, on copies
 * of the same million-event warehouse; autocannon drives /mp/collect from this process.
 *   dashboard.start_s                  seconds from spawn to listening with the dashboard
 *   dashboard.seed_s                   then until the dashboard has counted the stored sessions (analysis' sessions
 *                                      model over the million events)
 *   dashboard.start_without_s          the same without the dashboard
 *   dashboard.refresh_p95_ms           p95 of GET /dashboard/api/snapshot (one dashboard refreshing), idle server
 *   dashboard.sse_clients              dashboards holding the event stream open during the loaded run (20)
 *   dashboard.sse_messages_per_s       messages received per second per dashboard while ingest runs flat out
 *   dashboard.sse_lag_p95_ms           p95, over all messages to all dashboards, of receipt time minus the newest
 *                                      event's time in it (events carry the collector's receive time): commit and
 *                                      push together
 *   dashboard.ingest_without_events_per_s / dashboard.ingest_with_events_per_s   events acknowledged per second
 *   dashboard.ingest_cost_pct          how much slower ingest ran with 20 dashboards open (the budget is 10 %)
 * BENCH_DASHBOARD_SECONDS (default 10) and BENCH_DASHBOARD_CONNECTIONS (default 32) tune the load.
 */
import autocannon from 'autocannon';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCollectorProcess, type CollectorProcess } from '../collector/collector-process';
import { sampleExport } from '../warehouse/bigquery/sample-export';
import { Warehouse, WAREHOUSE_FILE } from '../warehouse/warehouse';
import type { Figure } from './figure';

const MILLION = 1_000_000;
const EVENTS_PER_REQUEST = 25;
const DASHBOARDS = 20;

/**
 * A warehouse of exactly 1,000,000 events, cached under the temp folder: the deterministic sample shop stored once,
 * then copied inside DuckDB with a copy number on every client id and each copy moved by whole days.
 */
async function millionEventDir(): Promise<string> {
  const dir = path.join(tmpdir(), 'shoplab-dashboard-bench-1m');
  if (existsSync(path.join(dir, 'ready'))) return dir;
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const wh = await Warehouse.open({ dataDir: building });
  try {
    await wh.insertEvents(sampleExport());
    const events = `${wh.dataset}.events`;
    const [row] = await wh.query(`SELECT count(*)::BIGINT AS n FROM ${events}`);
    const base = Number(row?.n);
    const copies = Math.ceil(MILLION / base);
    await wh.query(
      `INSERT INTO ${events} SELECT e.* REPLACE (e.user_pseudo_id || '-' || c.k AS user_pseudo_id, e.event_timestamp + (c.k % 7) * 86400000000 AS event_timestamp,
         strftime(make_timestamp(e.event_timestamp + (c.k % 7) * 86400000000), '%Y%m%d') AS event_date)
       FROM ${events} AS e, (SELECT range AS k FROM range(1, ?)) AS c LIMIT ?`,
      [copies, MILLION - base],
    );
  } finally {
    await wh.close();
  }
  writeFileSync(path.join(building, 'ready'), '1');
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  return dir;
}

function copyOf(source: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shoplab-dashboard-bench-'));
  for (const f of readdirSync(source)) if (f.startsWith(WAREHOUSE_FILE)) copyFileSync(path.join(source, f), path.join(dir, f));
  return dir;
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? NaN;
}

/** A 25-event body for a new client each request, so that nothing is deduplicated. */
function bodyFor(n: number): string {
  const events = Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => ({
    name: i === 0 ? 'page_view' : i % 8 === 0 ? 'add_to_cart' : 'view_item',
    params: { session_id: 1_800_000_000 + n, session_number: 1, engagement_time_msec: 100 + i, page_location: `https://shop.example/product/p${i}/`, ...(i === 0 ? {} : { currency: 'USD', value: 12.5, items: [{ item_id: `SKU-${i}`, item_name: `Mug ${i}`, item_category: 'Kitchen', price: 12.5, quantity: 1 }] }) },
  }));
  return JSON.stringify({ client_id: `${900_000_000 + n}.1700000000`, user_location: { country_id: 'US', region_id: 'US-CA' }, events });
}

async function load(collector: CollectorProcess, seconds: number, connections: number): Promise<number> {
  let n = Math.floor(Math.random() * 1e6) * 1000;
  const result = await autocannon({
    url: `${collector.url}/mp/collect?measurement_id=G-SHOPLAB&api_secret=shoplab-local`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36' },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodyFor(n++) }) }],
  });
  return (result['2xx'] * EVENTS_PER_REQUEST) / seconds;
}

interface StreamStats {
  messages: number;
  lags: number[];
  stop(): void;
}

/** One dashboard's event stream: counts messages and the lag of each behind its newest event. */
async function openStream(url: string, token: string): Promise<StreamStats> {
  const controller = new AbortController();
  const res = await fetch(`${url}/dashboard/api/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
  const stats: StreamStats = { messages: 0, lags: [], stop: () => controller.abort() };
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const message = text.slice(0, end);
          text = text.slice(end + 2);
          const now = /"now":(\d+)/.exec(message);
          if (!now) continue;
          stats.messages++;
          stats.lags.push(Date.now() - Number(now[1]) / 1000);
        }
      }
    } catch {
      // aborted at the end of the run
    }
  })();
  return stats;
}

export async function run(): Promise<Figure[]> {
  const seconds = Number(process.env.BENCH_DASHBOARD_SECONDS ?? 10);
  const connections = Number(process.env.BENCH_DASHBOARD_CONNECTIONS ?? 32);
  const source = await millionEventDir();
  const figures: Figure[] = [];

  // Without the dashboard.
  const plainDir = copyOf(source);
  let started = performance.now();
  const plain = await startCollectorProcess(plainDir, {}, ['--no-dashboard']);
  const startWithout = (performance.now() - started) / 1000;
  const without = await load(plain, seconds, connections);
  await plain.stop();
  rmSync(plainDir, { recursive: true, force: true });

  // With it: one dashboard refreshing, then twenty on the stream while ingest runs flat out.
  const dashDir = copyOf(source);
  started = performance.now();
  const dash = await startCollectorProcess(dashDir);
  const startWith = (performance.now() - started) / 1000;
  try {
    // The dashboard seeds after listening: wait until it has counted the stored sessions.
    const seedStarted = performance.now();
    for (;;) {
      const res = await fetch(`${dash.url}/dashboard/api/snapshot`, { headers: { authorization: `Bearer ${dash.token}` } });
      if (((await res.json()) as { cards: { sessions: number } }).cards.sessions > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    figures.push({ name: 'dashboard.seed_s', value: (performance.now() - seedStarted) / 1000, unit: 's' });
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      const res = await fetch(`${dash.url}/dashboard/api/snapshot`, { headers: { authorization: `Bearer ${dash.token}` } });
      if (!res.ok) throw new Error(`snapshot: HTTP ${res.status}`);
      const snapshot = (await res.json()) as { cards: { sessions: number } };
      if (i === 0) process.stderr.write(`bench: dashboard seeded with ${snapshot.cards.sessions} sessions\n`);
      times.push(performance.now() - t);
    }
    const streams = await Promise.all(Array.from({ length: DASHBOARDS }, () => openStream(dash.url, dash.token)));
    const initial = streams.map((s) => s.messages);
    const withDash = await load(dash, seconds, connections);
    for (const s of streams) s.stop();
    const messages = streams.reduce((sum, s, i) => sum + s.messages - (initial[i] ?? 0), 0) / DASHBOARDS;
    figures.push(
      { name: 'dashboard.start_s', value: startWith, unit: 's' },
      { name: 'dashboard.start_without_s', value: startWithout, unit: 's' },
      { name: 'dashboard.refresh_p95_ms', value: p95(times), unit: 'ms' },
      { name: 'dashboard.sse_clients', value: DASHBOARDS, unit: 'dashboards' },
      { name: 'dashboard.sse_messages_per_s', value: messages / seconds, unit: 'messages/s' },
      { name: 'dashboard.sse_lag_p95_ms', value: p95(streams.flatMap((s) => s.lags.slice(1))), unit: 'ms' },
      { name: 'dashboard.ingest_without_events_per_s', value: without, unit: 'events/s' },
      { name: 'dashboard.ingest_with_events_per_s', value: withDash, unit: 'events/s' },
      { name: 'dashboard.ingest_cost_pct', value: (100 * (without - withDash)) / without, unit: '%' },
    );
  } finally {
    await dash.stop();
    rmSync(dashDir, { recursive: true, force: true });
  }
  return figures;
}
