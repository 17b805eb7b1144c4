/**
 * The live dashboard under load, with 1,000,000 events stored (bench/fixtures-1m.ts, copied for each server so the
 * cache stays untouched). Two collectors run side by side in their own processes (`shoplab serve --no-site`, as the
 * ingest bench runs it), one without the dashboard and one with it and 20 dashboards on its event stream; autocannon
 * drives /mp/collect from this process with the ingest bench's 25-event bodies (bench/mp-load.ts) and the data
 * directory's own api secret, in short rounds that alternate between the two (without, with, without, …, without).
 * A single pair is noise on a shared machine (two quiet runs of the same code: 11,868 and 13,996 events/s without
 * the dashboard); the cost figures are medians over the with-rounds of each one's cost against the mean of the
 * rounds without it either side, the rates and CPU times medians of the rounds.
 *   dashboard.start_s                  seconds from spawn to listening with the dashboard
 *   dashboard.seed_s                   then until the dashboard has counted the stored sessions (analysis' sessions
 *                                      model over the million events, streamed)
 *   dashboard.start_without_s          the same without the dashboard
 *   dashboard.refresh_p95_ms           p95 of GET /dashboard/api/snapshot (one dashboard refreshing), idle server
 *   dashboard.sse_clients              dashboards holding the event stream open during the loaded run (20)
 *   dashboard.sse_messages_per_s       messages received per second per dashboard while ingest runs flat out
 *   dashboard.sse_kb_per_s             what each dashboard receives per second then (message text, as characters)
 *   dashboard.sse_lag_p95_ms           p95, over all messages to all dashboards, of receipt time minus the time the
 *                                      newest commit in it reached the dashboard (`committedAt`): commit to screen
 *   dashboard.ingest_without_events_per_s / dashboard.ingest_with_events_per_s   events acknowledged (committed) per s
 *   dashboard.rounds                   rounds with the dashboard (one more without), each BENCH_DASHBOARD_SECONDS long
 *   dashboard.ingest_cost_pct          how much slower ingest ran with 20 dashboards open (the budget is 10 %): the
 *                                      median over the with-rounds of (without − with) / without, `without` the mean
 *                                      of the rounds either side
 *   dashboard.cpu_without_us_per_event / dashboard.cpu_with_us_per_event   CPU time of the collector process (all
 *                                      threads) per acknowledged event, from /proc: less at the mercy of whatever else
 *                                      the machine runs than events/s
 *   dashboard.cpu_cost_pct             how much more CPU an event cost with the dashboard and its 20 streams
 *   dashboard.main_thread_cpu_*        the same for the collector's main thread alone (HTTP, DuckDB calls, and the
 *                                      dashboard's share), the one thread whose work cannot spread over both cores
 * BENCH_DASHBOARD_ROUNDS (default 6), BENCH_DASHBOARD_SECONDS (default 4, under the collector's 5 s idle checkpoint)
 * and BENCH_DASHBOARD_CONNECTIONS (default 32) tune the load.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCollectorProcess, type CollectorProcess } from '../collector/collector-process';
import { DATA_SECRETS, loadOrCreateSecret } from '../collector/data-secret';
import { WAREHOUSE_FILE } from '../warehouse/warehouse';
import type { Figure } from './figure';
import { ensureMillionEventWarehouse } from './fixtures-1m';
import { bodyMaker, driveIngest } from './mp-load';

const DASHBOARDS = 20;

/** A private copy of the cached million-event warehouse. */
function copyOf(source: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shoplab-dashboard-bench-'));
  copyFileSync(path.join(source, WAREHOUSE_FILE), path.join(dir, WAREHOUSE_FILE));
  return dir;
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? NaN;
}

/** USER_HZ, which Linux fixes at 100. */
const CLOCK_TICKS_PER_S = 100;

/** User + system CPU µs of a process (all threads) and of its main thread, from /proc; null off Linux. */
function cpuMicros(pid: number | undefined): { all: number; main: number } | null {
  const read = (file: string): number => {
    const stat = readFileSync(file, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1_000_000 / CLOCK_TICKS_PER_S);
  };
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return null;
  return { all: read(`/proc/${pid}/stat`), main: read(`/proc/${pid}/task/${pid}/stat`) };
}

interface LoadFigures {
  eventsPerS: number;
  cpuPerEvent: number | null;
  mainCpuPerEvent: number | null;
}

async function load(collector: CollectorProcess, dataDir: string, seconds: number, connections: number): Promise<LoadFigures> {
  const url = `${collector.url}/mp/collect?measurement_id=G-SHOPLAB&api_secret=${loadOrCreateSecret(dataDir, DATA_SECRETS.apiSecret).value}`;
  const before = cpuMicros(collector.child.pid);
  const { result, seconds: elapsed, acknowledged } = await driveIngest(url, seconds, connections, bodyMaker('dash'));
  const after = cpuMicros(collector.child.pid);
  if (result.non2xx > 0) process.stderr.write(`bench: dashboard load: ${result.non2xx} answers other than 2xx\n`);
  if (acknowledged === 0) throw new Error('no event was acknowledged');
  return {
    eventsPerS: acknowledged / elapsed,
    cpuPerEvent: before && after ? (after.all - before.all) / acknowledged : null,
    mainCpuPerEvent: before && after ? (after.main - before.main) / acknowledged : null,
  };
}

interface StreamStats {
  messages: number;
  /** Bytes of the messages counted in `messages`. */
  bytes: number;
  lags: number[];
  stop(): void;
}

/** One dashboard's event stream: counts messages and the lag of each behind the newest commit in it. */
async function openStream(url: string, token: string): Promise<StreamStats> {
  const controller = new AbortController();
  const res = await fetch(`${url}/dashboard/api/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
  const stats: StreamStats = { messages: 0, bytes: 0, lags: [], stop: () => controller.abort() };
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
          const committed = /"committedAt":(\d+)/.exec(message);
          if (!committed) continue;
          stats.messages++;
          stats.bytes += message.length;
          // 0: no commit counted yet (the message the seed's end sends, which a slow machine may deliver after the
          // load began): it has no lag to measure, where Date.now() − 0 would swamp the p95.
          if (committed[1] !== '0') stats.lags.push(Date.now() - Number(committed[1]));
        }
      }
    } catch {
      // aborted at the end of the run
    }
  })();
  return stats;
}

/** Waits until the dashboard has counted the stored sessions (it seeds after listening). */
async function seeded(collector: CollectorProcess): Promise<void> {
  for (;;) {
    let res: Response;
    try {
      res = await fetch(`${collector.url}/dashboard/api/snapshot`, { headers: { authorization: `Bearer ${collector.token}` } });
    } catch (error) {
      // Said, not hidden: a server too busy seeding to answer is what this figure is about.
      process.stderr.write(`bench: dashboard snapshot while seeding failed: ${String((error as Error).cause ?? error)}\n`);
      continue;
    }
    if (!res.ok) throw new Error(`snapshot: HTTP ${res.status}`);
    if (((await res.json()) as { seeded?: boolean }).seeded === true) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** How much more `b` is than `a`, in % of `a`. */
const more = (a: number, b: number): number => (100 * (b - a)) / a;

export async function run(): Promise<Figure[]> {
  const seconds = Number(process.env.BENCH_DASHBOARD_SECONDS ?? 4);
  const rounds = Number(process.env.BENCH_DASHBOARD_ROUNDS ?? 6);
  const connections = Number(process.env.BENCH_DASHBOARD_CONNECTIONS ?? 32);
  const source = (await ensureMillionEventWarehouse()).dataDir;
  const figures: Figure[] = [];

  // Both collectors run side by side, each on its own copy, and take the load in turns.
  const plainDir = copyOf(source);
  const dashDir = copyOf(source);
  let plain: CollectorProcess | null = null;
  let dash: CollectorProcess | null = null;
  try {
    let started = performance.now();
    plain = await startCollectorProcess(plainDir, {}, ['--no-dashboard']);
    const startWithout = (performance.now() - started) / 1000;
    started = performance.now();
    dash = await startCollectorProcess(dashDir);
    const startWith = (performance.now() - started) / 1000;
    const seedStarted = performance.now();
    await seeded(dash);
    figures.push({ name: 'dashboard.seed_s', value: (performance.now() - seedStarted) / 1000, unit: 's' });
    // One dashboard refreshing, on an idle server.
    const times: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      const res = await fetch(`${dash.url}/dashboard/api/snapshot`, { headers: { authorization: `Bearer ${dash.token}` } });
      if (!res.ok) throw new Error(`snapshot: HTTP ${res.status}`);
      const snapshot = (await res.json()) as { cards: { sessions: number } };
      if (i === 0) process.stderr.write(`bench: dashboard seeded with ${snapshot.cards.sessions} sessions\n`);
      times.push(performance.now() - t);
    }
    // Then twenty on the stream while ingest runs flat out, in rounds that alternate with the collector without it:
    // without, with, without, …, without. Each with-round is judged against the mean of the rounds either side of
    // it, so that a machine growing busier or quieter weighs on both alike. Strictly alternating, a collector waits
    // one round, which is shorter than its idle checkpoint (5 s after the last request: a DuckDB checkpoint and two
    // full collections), so the collector waiting its turn stays quiet; waiting two rounds (ABBA), its idle work
    // landed in the other's round and swung the pairs' costs by ±40 %.
    const streams = await Promise.all(Array.from({ length: DASHBOARDS }, () => openStream(dash!.url, dash!.token)));
    const withouts: LoadFigures[] = [];
    const withs: LoadFigures[] = [];
    let messages = 0;
    let bytes = 0;
    for (let round = 0; round <= rounds; round++) {
      withouts.push(await load(plain, plainDir, seconds, connections));
      if (round < rounds) {
        const before = streams.reduce((sum, st) => sum + st.messages, 0);
        const bytesBefore = streams.reduce((sum, st) => sum + st.bytes, 0);
        withs.push(await load(dash, dashDir, seconds, connections));
        messages += streams.reduce((sum, st) => sum + st.messages, 0) - before;
        bytes += streams.reduce((sum, st) => sum + st.bytes, 0) - bytesBefore;
      }
    }
    // The last commits of the run reach the streams a moment after the last answer.
    await new Promise((r) => setTimeout(r, 1000));
    for (const st of streams) st.stop();
    /** A figure of the rounds without the dashboard either side of with-round i. */
    const around = (i: number, pick: (f: LoadFigures) => number | null): number | null => {
      const a = pick(withouts[i]!);
      const b = pick(withouts[i + 1]!);
      return a === null || b === null ? null : (a + b) / 2;
    };
    const costs = withs.map((w, i) => -more(around(i, (f) => f.eventsPerS)!, w.eventsPerS));
    process.stderr.write(`bench: dashboard ingest cost per round: ${costs.map((c) => c.toFixed(1)).join(', ')} %\n`);
    figures.push(
      { name: 'dashboard.start_s', value: startWith, unit: 's' },
      { name: 'dashboard.start_without_s', value: startWithout, unit: 's' },
      { name: 'dashboard.refresh_p95_ms', value: p95(times), unit: 'ms' },
      { name: 'dashboard.sse_clients', value: DASHBOARDS, unit: 'dashboards' },
      { name: 'dashboard.sse_messages_per_s', value: messages / DASHBOARDS / (rounds * seconds), unit: 'messages/s' },
      { name: 'dashboard.sse_kb_per_s', value: bytes / 1000 / DASHBOARDS / (rounds * seconds), unit: 'KB/s' },
      // The first message of each stream is the snapshot sent on opening, from before the load.
      { name: 'dashboard.sse_lag_p95_ms', value: p95(streams.flatMap((st) => st.lags.slice(1))), unit: 'ms' },
      { name: 'dashboard.rounds', value: rounds, unit: `with-rounds of ${seconds} s` },
      { name: 'dashboard.ingest_without_events_per_s', value: Math.round(median(withouts.map((w) => w.eventsPerS))), unit: 'events/s' },
      { name: 'dashboard.ingest_with_events_per_s', value: Math.round(median(withs.map((w) => w.eventsPerS))), unit: 'events/s' },
      { name: 'dashboard.ingest_cost_pct', value: median(costs), unit: '%' },
    );
    const cpu = (pick: (f: LoadFigures) => number | null): { without: number; with: number; cost: number } | null => {
      const a = withs.map((_, i) => around(i, pick));
      const b = withs.map(pick);
      if (a.some((v) => v === null) || b.some((v) => v === null)) return null;
      return { without: median(withouts.map(pick) as number[]), with: median(b as number[]), cost: median(a.map((v, i) => more(v!, b[i]!))) };
    };
    const all = cpu((f) => f.cpuPerEvent);
    const main = cpu((f) => f.mainCpuPerEvent);
    if (all && main) {
      figures.push(
        { name: 'dashboard.cpu_without_us_per_event', value: all.without, unit: 'µs' },
        { name: 'dashboard.cpu_with_us_per_event', value: all.with, unit: 'µs' },
        { name: 'dashboard.cpu_cost_pct', value: all.cost, unit: '%' },
        { name: 'dashboard.main_thread_cpu_without_us_per_event', value: main.without, unit: 'µs' },
        { name: 'dashboard.main_thread_cpu_with_us_per_event', value: main.with, unit: 'µs' },
        { name: 'dashboard.main_thread_cpu_cost_pct', value: main.cost, unit: '%' },
      );
    }
  } finally {
    await Promise.all([plain?.stop(), dash?.stop()]);
    rmSync(plainDir, { recursive: true, force: true });
    rmSync(dashDir, { recursive: true, force: true });
  }
  return figures;
}
