/**
 * The storefront's two budgets (issue 3): production build time (target < 180 s) and the JavaScript of a
 * first home-page load (target < 300 kB). Builds into the real public/, as `npm run build` does.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Figure } from './figure';
import { firstLoadJs } from './first-load-js';

const root = join(import.meta.dirname, '..');

function timeBuild(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`scripts/build.mjs exited ${code ?? signal}`));
    });
  });
}

export async function run(): Promise<Figure[]> {
  const seconds = await timeBuild();
  const js = await firstLoadJs(join(root, 'public'), '/');
  return [
    { name: 'storefront.build_time', value: Number(seconds.toFixed(1)), unit: 's' },
    { name: 'storefront.build_time_target', value: 180, unit: 's' },
    { name: 'storefront.first_load_js', value: js.decoded, unit: 'B' },
    { name: 'storefront.first_load_js_transferred', value: js.transferred, unit: 'B' },
    { name: 'storefront.first_load_js_files', value: js.files, unit: 'files' },
    { name: 'storefront.first_load_js_target', value: 300_000, unit: 'B' },
  ];
}
