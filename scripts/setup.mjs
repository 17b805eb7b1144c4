#!/usr/bin/env node
// Brings a fresh machine to the state `npm run demo` and `npm test` need, doing only what is missing:
// 1. npm packages (npm ci) when node_modules is absent or older than package-lock.json;
// 2. Debian's Chromium when no browser is found (puppeteer-core/playwright-core never download one);
// 3. a production build of the store and engine when public/ is missing or its inputs changed.
// Uses nothing but Node itself, because it runs before the dependencies exist.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const skipBuild = process.argv.includes('--no-build');
const env = { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1', GATSBY_TELEMETRY_DISABLED: '1' };

function step(msg) {
  console.log(`shoplab setup: ${msg}`);
}

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`shoplab setup: ${what} failed (${cmd} ${args.join(' ')} exited ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

// 1. Packages.
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  step('installing npm packages (npm ci)');
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env });
  if (ci.status !== 0) {
    // npm ci refuses a lock file that lacks other platforms' optional binaries (e.g. @rollup/rollup-darwin-x64),
    // which happens when the registry in use does not serve them; npm install keeps to the same locked
    // versions and simply skips what this platform does not need.
    step('npm ci refused the lock file; installing the locked versions with npm install --no-save instead');
    run('npm', ['install', '--no-audit', '--no-fund', '--no-save'], 'npm install');
  }
}

// 2. Chromium (Debian): the full browser for tests and screenshots, and its headless shell, which the runner
// drives (headless/chromium.ts). The shell is optional: without it the runner uses the full browser.
const chromium = process.env.SHOPLAB_CHROMIUM || ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const wanted = [];
if (!chromium || !existsSync(chromium)) {
  if (process.env.SHOPLAB_CHROMIUM) {
    console.error(`shoplab setup: SHOPLAB_CHROMIUM=${process.env.SHOPLAB_CHROMIUM} does not exist`);
    process.exit(1);
  }
  wanted.push('chromium');
}
if (!process.env.SHOPLAB_CHROMIUM && !existsSync('/usr/bin/chromium-headless-shell')) wanted.push('chromium-headless-shell');
if (wanted.length > 0) {
  if (process.getuid?.() !== 0) {
    const message = `shoplab setup: install ${wanted.join(' and ')} with \`sudo apt-get install -y ${wanted.join(' ')}\``;
    if (wanted.includes('chromium')) {
      console.error(`${message} (or set SHOPLAB_CHROMIUM)`);
      process.exit(1);
    }
    console.warn(`${message}; the runner uses the full chromium until then (slower)`);
  } else {
    step(`installing Debian ${wanted.join(' and ')} (apt-get)`);
    run('apt-get', ['update', '-qq'], 'apt-get update');
    const r = spawnSync('apt-get', ['install', '-y', '-qq', ...wanted], { cwd: root, stdio: 'inherit', env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) {
      if (wanted.includes('chromium') || !existsSync(chromium ?? '')) {
        console.error(`shoplab setup: apt-get install ${wanted.join(' ')} failed`);
        process.exit(1);
      }
      console.warn('shoplab setup: apt-get install chromium-headless-shell failed; the runner uses the full chromium (slower)');
    }
  }
}

// 3. Build.
if (!skipBuild) {
  const { buildInputsHash } = await import('./build-inputs.mjs');
  const stampFile = join(root, '.shoplab-build.json');
  let current = false;
  if (existsSync(stampFile) && existsSync(join(root, 'public', 'index.html')) && existsSync(join(root, 'public', 'shoplab-simulator.js'))) {
    try {
      current = JSON.parse(readFileSync(stampFile, 'utf8')).inputs === buildInputsHash(root);
    } catch {
      current = false;
    }
  }
  if (current) step('build is current');
  else {
    step('building the store and the engine (scripts/build.mjs)');
    run(process.execPath, [join(root, 'scripts', 'build.mjs')], 'build');
  }
}
