/** Parsers and defaults shared by every command, so that --data, --host and --port mean the same everywhere. */
import { InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { suffixOf } from '../analysis/models';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8000;
/** The built store (`node scripts/build.mjs` writes it). */
export const PUBLIC_DIR = resolve(import.meta.dirname, '..', 'public');

export function defaultDataDir(): string {
  return resolve(process.env.SHOPLAB_DATA || './data');
}

export function parsePositiveInt(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`port must be 0..65535, got "${v}"`);
  return n;
}

export function parseDate(v: string): number {
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new InvalidArgumentError(`not a date: "${v}" (use e.g. 2026-11-01 or 2026-11-01T09:00:00Z)`);
  return t;
}

/** --data, the same on every command that touches data. */
export function dataOption(): Option {
  return new Option('--data <dir>', 'warehouse and run files (env SHOPLAB_DATA)').default(defaultDataDir(), '$SHOPLAB_DATA or ./data');
}

/** A day of the export (`YYYY-MM-DD` or `YYYYMMDD`), checked as the analysis models check it; kept as given. */
export function parseDay(what: string): (v: string) => string {
  return (v) => {
    try {
      suffixOf(v, what);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
    return v;
  };
}
