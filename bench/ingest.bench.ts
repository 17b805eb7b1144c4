/**
 * Ingest throughput: the collector runs in its own process (`shoplab serve --no-site`), autocannon drives it over
 * loopback from this process with 25-event /mp/collect requests (each event with its own timestamp, so dedupe ids
 * are all new), and afterwards the rows committed to DuckDB are counted.
 *   ingest.events_per_s           events acknowledged (204) per second
 *   ingest.committed_events_per_s rows in the warehouse after the run, per second of load
 *   ingest.latency_p50 / _p99     request latency (autocannon)
 *   ingest.non_2xx_requests       answers other than 2xx (503 when the queue is full)
 *   ingest.collector_cpu_per_event CPU time of the collector process (all its threads: HTTP, mapping, DuckDB) per
 *                                 acknowledged event, from /proc (Linux). Unlike events/s it barely depends on what
 *                                 else the machine runs, so it compares runs made on a shared machine.
 *   ingest.collector_main_thread_cpu_per_event  the same for the collector's main thread alone (HTTP, and what
 *                                 else runs on it), the one thread whose work cannot spread over both cores.
 *   ingest.loadgen_cpu_per_event  the same for this process (autocannon), which shares the cores.
 * BENCH_INGEST_SECONDS (default 10) and BENCH_INGEST_CONNECTIONS (default 64) tune the run.
 */

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCollectorProcess } from '../collector/collector-process';
import { DATA_SECRETS, loadOrCreateSecret } from '../collector/data-secret';
import { Warehouse } from '../warehouse/warehouse';
import type { Figure } from './figure';
import { bodyMaker, driveIngest } from './mp-load';

/** User + system CPU time of a process in µs, or null where /proc is missing. */
function processCpuMicros(pid: number | undefined): number | null {
  const file = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(file)) return null;
  const micros = statCpuMicros(readFileSync(file, 'utf8'));
  return Number.isFinite(micros) ? micros : null;
}
/** USER_HZ, which Linux fixes at 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_S = 100;

/** User + system CPU time in µs from the text of a /proc `stat` file (a process's or a thread's). */
function statCpuMicros(stat: string): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1_000_000 / CLOCK_TICKS_PER_S);
}

/**
 * CPU time in µs of each live thread of a process, by thread id, with its name (`comm`). Threads that ended
 * meanwhile are missing, so only the main thread (id = pid) is compared across the run.
 */
function threadCpuMicros(pid: number | undefined): Map<number, { name: string; micros: number }> {
  const out = new Map<number, { name: string; micros: number }>();
  if (pid === undefined || !existsSync(`/proc/${pid}/task`)) return out;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(Number(tid), { name, micros: statCpuMicros(stat) });
    } catch {
      // The thread ended while we looked.
    }
  }
  return out;
}

export async function run(): Promise<Figure[]> {
  const seconds = Number(process.env.BENCH_INGEST_SECONDS ?? 10);
  const connections = Number(process.env.BENCH_INGEST_CONNECTIONS ?? 64);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'shoplab-bench-ingest-'));
  const collector = await startCollectorProcess(dataDir);
  try {
    const makeBody = bodyMaker();
    const collectorCpuBefore = processCpuMicros(collector.child.pid);
    const threadsBefore = threadCpuMicros(collector.child.pid);
    const loadgenCpuBefore = process.cpuUsage();
    const { result, seconds: elapsed, acknowledged } = await driveIngest(
      `${collector.url}/mp/collect?measurement_id=G-SHOPLAB&api_secret=${loadOrCreateSecret(dataDir, DATA_SECRETS.apiSecret).value}`,
      seconds,
      connections,
      makeBody,
    );
    const collectorCpuAfter = processCpuMicros(collector.child.pid);
    const threadsAfter = threadCpuMicros(collector.child.pid);
    const loadgenCpu = process.cpuUsage(loadgenCpuBefore);
    await collector.stop();
    const warehouse = await Warehouse.open({ dataDir, readOnly: true });
    const [row] = await warehouse.query(`SELECT count(*) AS n FROM ${warehouse.dataset}.events`);
    await warehouse.close();
    process.stderr.write(`bench: ingest ${result['2xx']} requests 2xx, ${result.non2xx} other, ${result.errors} errors, ${Number(row?.n)} rows in ${elapsed.toFixed(1)} s\n`);
    // Per thread, for reading where the time went (µs per acknowledged event): main, workers, DuckDB, GC helpers.
    const perThread = [...threadsAfter].map(([tid, t]) => ({ tid, name: t.name, micros: t.micros - (threadsBefore.get(tid)?.micros ?? 0) })).filter((t) => t.micros > 0);
    if (acknowledged > 0) process.stderr.write(`bench: ingest collector threads (µs/event): ${perThread.map((t) => `${t.tid === collector.child.pid ? 'main' : t.name}#${t.tid} ${(t.micros / acknowledged).toFixed(1)}`).join(', ')}\n`);
    const mainCpu = perThread.find((t) => t.tid === collector.child.pid)?.micros;
    return [
      { name: 'ingest.events_per_s', value: Math.round(acknowledged / elapsed), unit: 'events/s' },
      { name: 'ingest.committed_events_per_s', value: Math.round(Number(row?.n) / elapsed), unit: 'events/s' },
      { name: 'ingest.latency_p50', value: result.latency.p50, unit: 'ms' },
      { name: 'ingest.latency_p99', value: result.latency.p99, unit: 'ms' },
      { name: 'ingest.non_2xx_requests', value: result.non2xx, unit: 'requests' },
      ...(collectorCpuBefore !== null && collectorCpuAfter !== null && acknowledged > 0
        ? [{ name: 'ingest.collector_cpu_per_event', value: Math.round((collectorCpuAfter - collectorCpuBefore) / acknowledged * 10) / 10, unit: 'µs' }]
        : []),
      ...(mainCpu !== undefined && acknowledged > 0 ? [{ name: 'ingest.collector_main_thread_cpu_per_event', value: Math.round(mainCpu / acknowledged * 10) / 10, unit: 'µs' }] : []),
      ...(acknowledged > 0 ? [{ name: 'ingest.loadgen_cpu_per_event', value: Math.round((loadgenCpu.user + loadgenCpu.system) / acknowledged * 10) / 10, unit: 'µs' }] : []),
    ];
  } finally {
    if (collector.child.exitCode === null) await collector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
