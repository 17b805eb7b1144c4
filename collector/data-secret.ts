/**
 * Secrets that belong to one data directory (the private API's token, the default stream's api secret): read
 * from `<data>/<name>` when present, else generated once and kept there, readable by the owner only. Keeping them
 * beside the warehouse means every server and runner on the same data directory agrees on them without flags.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File names under `<data>/`. */
export const DATA_SECRETS = { token: 'token', apiSecret: 'api_secret' } as const;
export type DataSecretName = (typeof DATA_SECRETS)[keyof typeof DATA_SECRETS];

/** What a stored secret may hold: URL- and header-safe text, long enough not to be guessed. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{16,256}$/;

export interface LoadedSecret {
  value: string;
  /** `true` when this call generated it (callers print new secrets once). */
  created: boolean;
  file: string;
}

/**
 * The secret stored as `<dataDir>/<name>`, created (32 random bytes, base64url, mode 0600) when missing. A file
 * that holds anything but one secret of the expected shape is an error, never silently replaced.
 */
export function loadOrCreateSecret(dataDir: string, name: DataSecretName): LoadedSecret {
  const file = join(dataDir, name);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    const value = text.trim();
    if (!SECRET_SHAPE.test(value)) throw new Error(`${file} does not hold a valid secret (16-256 of A-Z a-z 0-9 _ -); fix or delete it`);
    return { value, created: false, file };
  }
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(32).toString('base64url');
  // 'wx': two processes starting on one data directory never overwrite each other's secret.
  try {
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecret(dataDir, name);
    throw error;
  }
  chmodSync(file, 0o600);
  return { value, created: true, file };
}

/** Checks a secret given on the command line or in the environment before it is used. */
export function checkSecret(value: string, source: string): string {
  if (!SECRET_SHAPE.test(value)) throw new Error(`${source} must be 16-256 characters of A-Z a-z 0-9 _ -`);
  return value;
}
