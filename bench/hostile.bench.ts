/**
 * The collector under hostile load, in its own process (`shoplab serve --no-site`), driven from this one.
 *   ingest.without_stalled_events_per_s      events acknowledged per second, nothing else open
 *   ingest.with_1000_stalled_events_per_s    the same while 1,000 connections hold a request whose body stalls
 *                                            (headers and 10 of 1,000 bytes sent); each one the collector cuts
 *                                            off at its body deadline is opened again at once
 *   ingest.stalled_ratio                     with ÷ without (target ≥ 0.8); the two are measured in alternating
 *                                            slices of the same run, so the machine's load falls on both alike,
 *                                            in pairs whose order flips (without-with, with-without, ...)
 *   collector.rss_start / _peak / _idle      the collector's RSS when started, its peak during
 *                                            BENCH_HOSTILE_SECONDS (default 60) of ingest at full speed, and
 *                                            BENCH_HOSTILE_IDLE_SECONDS (default 15) after the load stopped
 *                                            (targets: peak ≤ 600 MiB, idle ≤ 1.5 × start)
 *   collector.rss_idle_ratio                 idle ÷ start
 * BENCH_HOSTILE_SLICE_SECONDS (default 2.5) and BENCH_HOSTILE_SLICES (default 24 pairs) set the alternation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCollectorProcess, type CollectorProcess } from '../collector/collector-process';
import { DATA_SECRETS, loadOrCreateSecret } from '../collector/data-secret';
import type { Figure } from './figure';
import { bodyMaker, driveIngest } from './mp-load';
import { rssBytes } from './process-memory';

const CONNECTIONS = 64;
const STALLED = 1000;
const MIB = 1024 * 1024;

function seconds(name: string, fallback: number): number {
  const text = process.env[name];
  const value = text === undefined || text === '' ? fallback : Number(text);
  if (!(value > 0)) throw new Error(`${name} must be a positive number of seconds, got ${JSON.stringify(text)}`);
  return value;
}

/**
 * Keeps `count` connections open, each holding a /mp/collect request whose body stalls after 10 of 1,000 bytes;
 * a connection the server closes is replaced at once, as a patient attacker would.
 */
function holdStalled(url: string, query: string, count: number): { open(): number; stop(): void } {
  const { hostname, port } = new URL(url);
  const sockets = new Set<Socket>();
  const stalled = new Set<Socket>();
  let stopped = false;
  const head = `POST ${query} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n{"client_`;
  const open = (): void => {
    if (stopped) return;
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(head, () => stalled.add(socket)));
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      stalled.delete(socket);
      // Spread the reconnects a little, so that a batch cut at one deadline does not reconnect in one burst.
      setTimeout(open, Math.random() * 50);
    });
  };
  for (let i = 0; i < count; i++) open();
  return {
    /** Connections whose stalled request has been sent. */
    open: () => stalled.size,
    stop() {
      stopped = true;
      for (const socket of sockets) socket.destroy();
    },
  };
}

function sampleRss(pid: number, everyMs = 200): { stop(): number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssBytes(pid));
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

export async function run(): Promise<Figure[]> {
  const loadSeconds = seconds('BENCH_HOSTILE_SECONDS', 60);
  const idleSeconds = seconds('BENCH_HOSTILE_IDLE_SECONDS', 15);
  const sliceSeconds = seconds('BENCH_HOSTILE_SLICE_SECONDS', 2.5);
  const slices = Math.round(seconds('BENCH_HOSTILE_SLICES', 24));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'shoplab-bench-hostile-'));
  let collector: CollectorProcess | null = null;
  try {
    collector = await startCollectorProcess(dataDir);
    const pid = collector.child.pid;
    if (pid === undefined) throw new Error('the collector process has no pid');
    const query = `/mp/collect?measurement_id=G-SHOPLAB&api_secret=${loadOrCreateSecret(dataDir, DATA_SECRETS.apiSecret).value}`;
    const collectorUrl = collector.url;
    const collectUrl = `${collectorUrl}${query}`;
    const makeBody = bodyMaker();

    // Memory: RSS at start, its peak over a sustained load at full speed, and what is left once the load stops.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssStart = rssBytes(pid);
    const sampler = sampleRss(pid);
    const sustained = await driveIngest(collectUrl, loadSeconds, CONNECTIONS, makeBody);
    const rssPeak = sampler.stop();
    process.stderr.write(`bench: hostile sustained ${sustained.result['2xx']} requests 2xx, ${sustained.result.non2xx} other in ${sustained.seconds.toFixed(1)} s (${Math.round(sustained.acknowledged / sustained.seconds)} events/s)\n`);
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const rssIdle = rssBytes(pid);

    // Throughput with and without stalled clients, in alternating slices whose order flips from pair to pair
    // (without-with, with-without, ...), so that neither condition always follows the other. The collector's
    // checkpoints stall ingest for 0.5–2.5 s every few seconds at this rate and fall at random in the slices; more
    // and longer slices average them out (collector/README.md, "The slow slices are DuckDB's checkpoints").
    let without = { events: 0, seconds: 0 };
    let withStalled = { events: 0, seconds: 0 };
    const plainSlice = async (): Promise<number> => {
      const plain = await driveIngest(collectUrl, sliceSeconds, CONNECTIONS, makeBody);
      without = { events: without.events + plain.acknowledged, seconds: without.seconds + plain.seconds };
      return plain.acknowledged / plain.seconds;
    };
    const stalledSlice = async (): Promise<string> => {
      const stalled = holdStalled(collectorUrl, query, STALLED);
      await waitFor(() => stalled.open() >= STALLED, 30_000);
      const held = stalled.open();
      const loaded = await driveIngest(collectUrl, sliceSeconds, CONNECTIONS, makeBody);
      const heldAfter = stalled.open();
      stalled.stop();
      withStalled = { events: withStalled.events + loaded.acknowledged, seconds: withStalled.seconds + loaded.seconds };
      return `${Math.round(loaded.acknowledged / loaded.seconds)} with ${held}→${heldAfter} stalled (${loaded.result.non2xx} non-2xx, ${loaded.result.errors} errors)`;
    };
    for (let i = 0; i < slices; i++) {
      let plainRate: number;
      let withText: string;
      if (i % 2 === 0) {
        plainRate = await plainSlice();
        withText = await stalledSlice();
      } else {
        withText = await stalledSlice();
        plainRate = await plainSlice();
      }
      process.stderr.write(`bench: hostile pair ${i + 1}${i % 2 === 0 ? '' : ' (with first)'}: ${Math.round(plainRate)} events/s without, ${withText}\n`);
    }
    const withoutRate = without.events / without.seconds;
    const withRate = withStalled.events / withStalled.seconds;
    return [
      { name: 'ingest.without_stalled_events_per_s', value: Math.round(withoutRate), unit: 'events/s' },
      { name: 'ingest.with_1000_stalled_events_per_s', value: Math.round(withRate), unit: 'events/s' },
      { name: 'ingest.stalled_ratio', value: Math.round((withRate / withoutRate) * 1000) / 1000, unit: 'x' },
      { name: 'collector.rss_start', value: Math.round(rssStart / MIB), unit: 'MiB' },
      { name: 'collector.rss_peak', value: Math.round(rssPeak / MIB), unit: 'MiB' },
      { name: 'collector.rss_idle', value: Math.round(rssIdle / MIB), unit: 'MiB' },
      { name: 'collector.rss_idle_ratio', value: Math.round((rssIdle / rssStart) * 100) / 100, unit: 'x' },
    ];
  } finally {
    if (collector && collector.child.exitCode === null) await collector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
