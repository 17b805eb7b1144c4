/**
 * The dashboard page's script, bundled with esbuild (as scripts/build.mjs bundles the simulator) the first time it
 * is asked for and kept in memory: the page is served by the collector's process and needs no build step of its
 * own.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const CLIENT_DIR = join(import.meta.dirname, 'client');

export type ClientEntry = 'main' | 'sign-in';

const bundles = new Map<ClientEntry, Promise<string>>();

export function clientBundle(entry: ClientEntry): Promise<string> {
  let bundle = bundles.get(entry);
  if (bundle) return bundle;
  bundle = (async () => {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [join(CLIENT_DIR, `${entry}.ts`)],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      minify: true,
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
    });
    const file = out.outputFiles[0];
    if (!file) throw new Error('dashboard: esbuild produced no bundle');
    return file.text;
  })();
  bundles.set(entry, bundle);
  bundle.catch(() => bundles.delete(entry));
  return bundle;
}

const files = new Map<string, Promise<string>>();

/** A static file of the client folder (the page's HTML and CSS). */
export function clientFile(name: 'index.html' | 'sign-in.html' | 'dashboard.css'): Promise<string> {
  let text = files.get(name);
  if (!text) files.set(name, (text = readFile(join(CLIENT_DIR, name), 'utf8')));
  return text;
}
