/**
 * The CLI's side of a ShopLab server's private API: which server holds a data directory, whether a URL is a
 * ShopLab server at all, the token to use, and one authenticated JSON call.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkSecret, DATA_SECRETS } from '../collector/data-secret';
import { readServerState } from '../collector/server-state';

/** The token's environment variable, as `shoplab serve` reads it. */
export const TOKEN_ENV = 'SHOPLAB_TOKEN';

/** Thrown when a private API call is answered with an error; `status` is the HTTP status. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

/**
 * The token a client sends: `--token`, else env SHOPLAB_TOKEN, else `<dataDir>/token` (never created here: that is
 * the server's). Throws a one-line error naming the three places when none has one.
 */
export function clientToken(flag: string | undefined, dataDir: string, url: string): string {
  if (flag !== undefined) return checkSecret(flag, '--token');
  const env = process.env[TOKEN_ENV];
  if (env) return checkSecret(env, TOKEN_ENV);
  const file = join(dataDir, DATA_SECRETS.token);
  if (existsSync(file)) return checkSecret(readFileSync(file, 'utf8').trim(), file);
  throw new Error(`the ShopLab server at ${url} needs its token: pass --token, set ${TOKEN_ENV}, or use the --data of the server (its <data>/token)`);
}

/** The URL of the server that holds `dataDir`'s warehouse now, or null. */
export function serverHolding(dataDir: string): string | null {
  return readServerState(dataDir)?.url ?? null;
}

function baseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(url)} (use e.g. http://127.0.0.1:8000)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${url} is not an http(s) URL`);
  return parsed.origin;
}

/** True when `url` answers `/healthz` as a ShopLab server does (no token needed to ask). */
export async function isShopLabServer(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl(url)}/healthz`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return false;
    const body = (await res.json()) as { service?: unknown };
    return body.service === 'ShopLab';
  } catch {
    return false;
  }
}

/** How long a call keeps retrying while the server answers 503 (busy: too many queries at once). */
const BUSY_RETRY_MS = 120_000;

/**
 * POSTs `body` as JSON to the private API and returns the JSON answer; retries while the server is busy (503,
 * after its Retry-After), and throws ApiCallError on any other non-2xx.
 */
export async function callApi<T>(url: string, token: string, path: string, body: unknown, timeoutMs = 120_000): Promise<T> {
  const target = `${baseUrl(url)}${path}`;
  const payload = JSON.stringify(body);
  const giveUp = Date.now() + BUSY_RETRY_MS;
  let res: Response;
  for (;;) {
    try {
      res = await fetch(target, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new Error(`could not reach ${target}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`);
    }
    if (res.status !== 503 || Date.now() > giveUp) break;
    await res.body?.cancel();
    const wait = Math.min(10, Math.max(1, Number(res.headers.get('retry-after')) || 1)) * 1000;
    await new Promise((r) => setTimeout(r, wait * (0.5 + Math.random())));
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const said = typeof json === 'object' && json !== null && 'error' in json && typeof json.error === 'string' ? json.error : text.slice(0, 200);
    if (res.status === 401) throw new ApiCallError(401, `${baseUrl(url)} refused the token (401): pass the server's token with --token or ${TOKEN_ENV}`);
    throw new ApiCallError(res.status, said);
  }
  return json as T;
}
