/**
 * Where Chromium is and how to start it. The browser comes from Debian (scripts/setup.mjs installs it); the
 * automation libraries never download their own. The flags keep a headless Chromium off the network it cannot
 * reach here and stop it from throttling pages that are not in front, so that many pages run at full speed.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  '--disable-dev-shm-usage',
] as const;

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * Debian's chromium-headless-shell: the same Chromium engine built as a headless embedder, without the full
 * browser's window and UI compositor. Driving the store's pages it costs the runner clearly less CPU per session
 * (docs/runner.md), so the runner uses it when it is installed (scripts/setup.mjs installs it next to chromium).
 */
export const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell';

/** The Chromium to launch: $SHOPLAB_CHROMIUM, else the first Debian/Chrome path that exists. */
export function chromiumPath(): string {
  const fromEnv = process.env.SHOPLAB_CHROMIUM;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`SHOPLAB_CHROMIUM=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) throw new Error('Chromium not found; run `node scripts/setup.mjs` (installs Debian chromium) or set SHOPLAB_CHROMIUM');
  return found;
}

export interface RunnerBrowser {
  executablePath: string;
  /** True for the headless shell, which automation libraries start in their old-headless ("shell") mode. */
  shell: boolean;
}

/** The browser the runner drives: $SHOPLAB_CHROMIUM when set, else the headless shell, else chromiumPath(). */
export function runnerBrowser(): RunnerBrowser {
  const executablePath = process.env.SHOPLAB_CHROMIUM ? chromiumPath() : existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : chromiumPath();
  return { executablePath, shell: /headless[-_]shell/.test(executablePath) };
}
