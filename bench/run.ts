/**
 * `npm run bench`: runs every bench/*.bench.ts in turn (one process, so ratios are measured side by side) and
 * prints each figure as one `name: value unit` line. A bench module exports `run(ctx): Promise<Figure[]>`.
 * `npm run bench -- NAME...` runs only the modules whose file name contains one of the NAMEs.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchModule, Figure } from './figure';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
for (const file of files) {
  const mod = (await import(join(dir, file))) as BenchModule;
  process.stderr.write(`bench: ${file}\n`);
  try {
    const figures: Figure[] = await mod.run();
    for (const f of figures) console.log(`${f.name}: ${formatValue(f.value)} ${f.unit}`);
  } catch (err) {
    failed += 1;
    process.stderr.write(`bench: ${file} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  }
}
if (failed) process.exitCode = 1;

function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}
