#!/usr/bin/env node
// Builds the store (Gatsby) and the in-page engine bundle into public/, and records a hash of every input so
// that `scripts/setup.mjs` can tell whether the build is current.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInputsHash } from './build-inputs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.env.GATSBY_TELEMETRY_DISABLED = '1';

// Gatsby 5 writes CommonJS into .cache; this marker keeps Node from reading it as anything else.
mkdirSync(join(root, '.cache'), { recursive: true });
writeFileSync(join(root, '.cache', 'package.json'), '{ "type": "commonjs" }\n');

const started = Date.now();
run(process.execPath, [join(root, 'node_modules', 'gatsby', 'cli.js'), 'build', ...process.argv.slice(2)]);
const esbuild = await import('esbuild');
await esbuild.build({
  entryPoints: [join(root, 'simulator', 'index.ts')],
  bundle: true,
  format: 'iife',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  outfile: join(root, 'public', 'shoplab-simulator.js'),
  logLevel: 'warning',
});
writeFileSync(join(root, '.shoplab-build.json'), JSON.stringify({ inputs: buildInputsHash(root), builtAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000 }, null, 2) + '\n');
console.log(`shoplab: store and engine built into public/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    console.error(`shoplab: build failed (${[cmd, ...args].join(' ')} exited ${r.status ?? r.signal})`);
    process.exit(1);
  }
}
