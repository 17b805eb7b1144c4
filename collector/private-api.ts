/**
 * The server's private face, behind its token: routes mounted by prefix (ground-truth ingest, read-only queries,
 * and what later stages add, such as the dashboard), the browser sign-in that trades the token for a session
 * cookie, and the server's state file that lets `shoplab sql` on the same data directory find it. The public face
 * (the store, the collect routes, /healthz) stays in server.ts; store routes mounted here are public too.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CommitListener, Warehouse } from '../warehouse/warehouse';
import { ApiError, readJsonOrForm, sendApiJson, type Route } from './api-http';
import { loadOrCreateSecret, type LoadedSecret } from './data-secret';
import { queryRoute } from './query-api';
import { removeServerState, writeServerState } from './server-state';
import { truthRoute } from './truth-api';

export type { CommitListener } from '../warehouse/warehouse';
export { ApiError, type Route } from './api-http';


/** The cookie that `POST /api/session` sets for browsers. */
export const SESSION_COOKIE = 'shoplab_session';
/** A browser session lasts this long after sign-in. */
const SESSION_TTL_MS = 12 * 3600 * 1000;
/** Most browser sessions kept at once; the oldest goes first. */
const MAX_SESSIONS = 1000;
/** Paths under this prefix are private unless a store route owns them, so that no answer tells which exist. */
const API_PREFIX = '/api';

/**
 * The private API's token for `dataDir`: `<dataDir>/token`, created (random, mode 0600) when missing. `shoplab
 * serve` uses it unless `--token` or SHOPLAB_TOKEN gives one.
 */
export function loadOrCreateToken(dataDir: string): LoadedSecret {
  return loadOrCreateSecret(dataDir, 'token');
}

export interface PrivateApiOptions {
  dataDir: string;
  token: string;
  warehouse: Warehouse;
  privateRoutes?: readonly Route[];
  storeRoutes?: readonly Route[];
  onCommit?: readonly CommitListener[];
  log: (message: string) => void;
}

export interface PrivateApi {
  /** Answers the request if a route (or the API prefix) owns its path; false when it is none of the API's. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** True when the request carries the token or a live session cookie. */
  authorized(req: IncomingMessage): boolean;
  /** The one answer to a request without a valid token: 401, and nothing about what it asked for. */
  refuse(res: ServerResponse): void;
  /** Records the listening server in `<data>/server.json`. */
  listening(url: string): void;
  /** Removes the state file and forgets the browser sessions (commit listeners stay until the warehouse closes). */
  close(): void;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // Compared at equal length even when the lengths differ, so that the time taken says nothing about the token.
  return timingSafeEqual(a.length === b.length ? a : b, b) && a.length === b.length;
}

function bearerOf(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

function cookieOf(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}

/** True when `path` is `prefix` or lies under it (`/api/truth` owns `/api/truth/users`, not `/api/truthful`). */
function owns(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
}

function checkPrefix(route: Route, kind: string): Route {
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(route.prefix) || route.prefix.includes('//')) throw new Error(`${kind} route prefix ${JSON.stringify(route.prefix)} must be a plain absolute path such as /api/offers`);
  return route;
}

/** Wraps a commit listener so that its throws are logged once, never reaching ingest. */
function guarded(listener: CommitListener, log: (message: string) => void): CommitListener {
  let failures = 0;
  return (committed) => {
    try {
      listener(committed);
    } catch (error) {
      if (failures++ === 0) log(`collector: a commit listener failed (later failures of it are not logged): ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

export function createPrivateApi(opts: PrivateApiOptions): PrivateApi {
  const { token, log } = opts;
  const sessions = new Map<string, number>();
  const routes: { route: Route; private: boolean }[] = [
    ...[truthRoute(opts.warehouse), queryRoute(opts.warehouse), ...(opts.privateRoutes ?? [])].map((route) => ({ route: checkPrefix(route, 'private'), private: true })),
    ...(opts.storeRoutes ?? []).map((route) => ({ route: checkPrefix(route, 'store'), private: false })),
  ].sort((a, b) => b.route.prefix.length - a.route.prefix.length);
  // Kept until the warehouse closes, so that requests still in flight while the server stops are delivered too.
  for (const listener of opts.onCommit ?? []) opts.warehouse.onCommit(guarded(listener, log));
  let stateUrl: string | null = null;

  const liveSession = (id: string | null): boolean => {
    if (id === null) return false;
    const expires = sessions.get(id);
    if (expires === undefined) return false;
    if (expires > Date.now()) return true;
    sessions.delete(id);
    return false;
  };

  const authorized = (req: IncomingMessage): boolean => {
    const bearer = bearerOf(req);
    if (bearer !== null) return sameSecret(bearer, token);
    return liveSession(cookieOf(req, SESSION_COOKIE));
  };

  const refuse = (res: ServerResponse): void => {
    sendApiJson(res, 401, { error: 'missing or wrong token: send `Authorization: Bearer <token>` (printed by `shoplab serve`, kept in <data>/token) or sign in at POST /api/session' }, { 'www-authenticate': 'Bearer realm="shoplab"' });
  };

  /** `POST /api/session` with the token (JSON `{"token"}` or a form) sets the session cookie; DELETE clears it. */
  const session = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const expired = `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
    if (req.method === 'DELETE') {
      const id = cookieOf(req, SESSION_COOKIE);
      if (id !== null) sessions.delete(id);
      res.writeHead(204, { 'set-cookie': expired, 'cache-control': 'no-store' });
      res.end();
      return;
    }
    if (req.method !== 'POST') throw new ApiError(405, 'use POST to sign in or DELETE to sign out', { allow: 'POST, DELETE' });
    const fields = await readJsonOrForm(req, 4096);
    const given = typeof fields.token === 'string' ? fields.token : '';
    if (!sameSecret(given, token)) {
      refuse(res);
      return;
    }
    for (const [id, expires] of sessions) if (expires <= Date.now()) sessions.delete(id);
    while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
    const id = randomBytes(32).toString('base64url');
    sessions.set(id, Date.now() + SESSION_TTL_MS);
    const cookie = `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`;
    // A sign-in form may say where to go next; only a path on this origin (never `//host`) is followed.
    const next = typeof fields.next === 'string' && /^\/(?![/\\])/.test(fields.next) ? fields.next : null;
    if (next !== null) {
      res.writeHead(303, { 'set-cookie': cookie, location: next, 'cache-control': 'no-store' });
      res.end();
      return;
    }
    sendApiJson(res, 200, { ok: true }, { 'set-cookie': cookie });
  };

  const answer = async (req: IncomingMessage, res: ServerResponse, run: () => void | Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof ApiError) {
        sendApiJson(res, error.status, { error: error.message }, error.headers);
        return;
      }
      log(`collector: unexpected error on ${req.method ?? '?'} ${new URL(req.url ?? '/', 'http://x').pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      sendApiJson(res, 500, { error: 'internal error; see the server log' });
    }
  };

  return {
    authorized,
    refuse,
    async handle(req, res, url) {
      const path = url.pathname;
      if (path === `${API_PREFIX}/session`) {
        await answer(req, res, () => session(req, res));
        return true;
      }
      const match = routes.find((r) => owns(r.route.prefix, path));
      if (!match && !owns(API_PREFIX, path)) return false;
      if (match?.private !== false && !authorized(req)) {
        refuse(res);
        return true;
      }
      await answer(req, res, () => {
        if (!match) throw new ApiError(404, `not found: ${path}`);
        return match.route.handle(req, res, url);
      });
      return true;
    },
    listening(url) {
      try {
        writeServerState(opts.dataDir, { url, pid: process.pid });
        stateUrl = url;
      } catch (error) {
        // Serving goes on; only `shoplab sql --data` will not find this server (--url still does).
        log(`collector: could not write ${opts.dataDir}/server.json: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    close() {
      if (stateUrl !== null) removeServerState(opts.dataDir);
      stateUrl = null;
      sessions.clear();
    },
  };
}
