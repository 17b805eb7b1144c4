/**
 * One `shoplab transform` in a process of its own, so that its peak RSS is the transform's alone (the bench runner's
 * process holds every other bench's heap). Prints one JSON line: seconds, CPU seconds (all threads), source events, rows written, max RSS.
 */
import { DuckdbSource } from '../pipeline/duckdb-source';
import { runTransform } from '../pipeline/transform';

const [dataDir, out, format] = process.argv.slice(2);
if (!dataDir || !out || (format !== 'csv' && format !== 'parquet')) throw new Error('usage: transform-child.ts DATA OUT csv|parquet');
const source = await DuckdbSource.open(dataDir);
const started = performance.now();
const cpu = process.cpuUsage();
const manifest = await runTransform({ source, out, format });
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
await source.close();
process.stdout.write(
  `${JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, events: manifest.source_events, rows: manifest.files.reduce((n, f) => n + f.rows, 0), maxRssKiB: process.resourceUsage().maxRSS })}\n`,
);
