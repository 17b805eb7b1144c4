/**
 * `shoplab transform` of 1,000,000 events (bench/fixtures-1m.ts) from the DuckDB warehouse: every dataset (events,
 * sessions, users, interactions, items; the fixture has no ground truth, so no label files), CSV and Parquet,
 * each in a child process whose peak RSS is the transform's own. events/s counts the export rows read per second
 * of the whole run, all datasets included; the CPU seconds say what the run costs apart from the machine's load.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Figure } from './figure';
import { ensureMillionEventWarehouse } from './fixtures-1m';

const execFileAsync = promisify(execFile);
const CHILD = path.join(import.meta.dirname, 'transform-child.ts');

interface ChildResult {
  seconds: number;
  cpuSeconds: number;
  events: number;
  rows: number;
  maxRssKiB: number;
}

async function transformOnce(dataDir: string, format: 'csv' | 'parquet'): Promise<ChildResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shoplab-bench-transform-'));
  try {
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', CHILD, dataDir, path.join(dir, 'out'), format], { timeout: 30 * 60_000, maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Figure[]> {
  const fixture = await ensureMillionEventWarehouse();
  const figures: Figure[] = [];
  for (const format of ['csv', 'parquet'] as const) {
    const r = await transformOnce(fixture.dataDir, format);
    if (r.events !== fixture.events) throw new Error(`transform read ${r.events} events, the fixture holds ${fixture.events}`);
    const prefix = format === 'csv' ? 'transform' : 'transform.parquet';
    figures.push(
      { name: `${prefix}.events_per_s`, value: r.events / r.seconds, unit: 'events/s' },
      { name: `${prefix}.peak_rss`, value: r.maxRssKiB / 1024, unit: 'MiB' },
      { name: `${prefix}.seconds_1m`, value: r.seconds, unit: 's' },
      // CPU time of all the process's threads: what the work costs, whatever else shares the cores; on two idle
      // cores the wall time is at best half of it.
      { name: `${prefix}.cpu_seconds_1m`, value: r.cpuSeconds, unit: 'CPU-s' },
    );
  }
  return figures;
}
