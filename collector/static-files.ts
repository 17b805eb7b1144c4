/**
 * Serves a built static site (Gatsby's `public/`) from the collector's own origin, so that the store and its
 * analytics endpoint share one origin and the tag needs no CORS. Behaves like `gatsby serve` where it matters:
 * `index.html` for folders, `404.html` with status 404 for unknown paths, long caching only for hashed assets.
 */

import { createReadStream, realpathSync, statSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.pdf': 'application/pdf',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

/** Gatsby's caching advice: files under /static/ and content-hashed JS/CSS never change; everything else may. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'public, max-age=0, must-revalidate';
const HASHED_ASSET = /[-.][0-9a-f]{20}\.(?:js|css)$/;

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** `urlPath` is the decoded path below the site root, with a leading slash. */
export function cacheControlFor(urlPath: string): string {
  return urlPath.startsWith('/static/') || HASHED_ASSET.test(urlPath) ? IMMUTABLE : REVALIDATE;
}

export type StaticHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** Files up to this size are kept in memory once read, up to CACHE_BYTES in all. */
const CACHE_FILE_BYTES = 512 * 1024;
const CACHE_BYTES = 64 * 1024 * 1024;

/**
 * A file's stats, or null when there is none. Synchronous: a stat of a local file is far cheaper than a call of
 * the promise API on the main thread, and a runner's pages make two per request (docs/runner.md has the figures).
 */
function statOrNull(file: string): Stats | null {
  try {
    return statSync(file, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

export interface StaticOptions {
  /**
   * Markup put right after `<head>` of every HTML page (the run-time store config, collector/store-config.ts).
   * Default none.
   */
  headInsert?: string;
}

/** `body` with `insert` right after its `<head>` tag (or unchanged if it has none). */
function withHeadInsert(body: Buffer, insert: string): Buffer {
  const at = body.indexOf('<head');
  const end = at < 0 ? -1 : body.indexOf('>', at);
  if (end < 0) return body;
  return Buffer.concat([body.subarray(0, end + 1), Buffer.from(insert), body.subarray(end + 1)]);
}

/**
 * Where a folder's URL without its slash is sent: built from the folder as found under the root, segment by
 * segment, so the answer is always a path on this origin (`/a/b/`), never `//host/…` or a URL, whatever the request
 * path held (`//evil.example/%2e%2e`, backslashes, encoded slashes).
 */
function folderLocation(root: string, folder: string): string {
  const segments = path.relative(root, folder).split(path.sep).filter((s) => s !== '');
  return `/${segments.map(encodeURIComponent).join('/')}${segments.length > 0 ? '/' : ''}`;
}

/** Creates a GET/HEAD handler for files under `publicDir`; throws at once if the folder is missing. */
export function createStaticHandler(publicDir: string, opts: StaticOptions = {}): StaticHandler {
  const headInsert = opts.headInsert ?? '';
  // A page's ETag changes with what is put in it, so that a cached page never keeps a stale secret.
  const insertTag = headInsert ? `-${createHash('sha256').update(headInsert).digest('hex').slice(0, 12)}` : '';
  let root: string;
  try {
    root = realpathSync(publicDir);
  } catch (error) {
    throw new Error(`publicDir ${path.resolve(publicDir)} does not exist (build the site first)`, { cause: error });
  }
  if (!statSync(root).isDirectory()) throw new Error(`publicDir ${root} is not a folder`);

  // A runner's pages fetch page data on most route changes. Serving a small file costs one stat once it has been
  // read: its real path is remembered for as long as the path leads to the same inode, and its bytes for as long
  // as size and mtime match, so a rebuilt site is served fresh.
  const realPaths = new Map<string, { dev: number; ino: number; real: string }>();
  const bodies = new Map<string, { size: number; mtimeMs: number; body: Buffer }>();
  let cachedBytes = 0;

  /** The real file for a decoded URL path, or null when there is none inside the root (symlinks included). */
  const resolveInside = async (candidate: string): Promise<{ file: string; stats: Stats } | null> => {
    const stats = statOrNull(candidate);
    if (!stats?.isFile()) return null;
    const known = realPaths.get(candidate);
    let real: string;
    if (known && known.dev === stats.dev && known.ino === stats.ino) {
      real = known.real;
    } else {
      real = await realpath(candidate);
      realPaths.set(candidate, { dev: stats.dev, ino: stats.ino, real });
    }
    return real.startsWith(root + path.sep) ? { file: real, stats } : null;
  };

  /** The file's bytes from memory when it is small and unchanged since it was read, else null. */
  const smallBody = async (file: string, stats: Stats): Promise<Buffer | null> => {
    if (stats.size > CACHE_FILE_BYTES) return null;
    const hit = bodies.get(file);
    if (hit && hit.size === stats.size && hit.mtimeMs === stats.mtimeMs) return hit.body;
    const body = await readFile(file);
    // Only what matches the stat just taken is kept: a file rewritten meanwhile is read again next time.
    if (body.length === stats.size) {
      if (hit) cachedBytes -= hit.body.length;
      if (hit || cachedBytes + body.length <= CACHE_BYTES) {
        bodies.set(file, { size: stats.size, mtimeMs: stats.mtimeMs, body });
        cachedBytes += body.length;
      }
    }
    return body;
  };

  const sendFile = async (req: IncomingMessage, res: ServerResponse, file: string, stats: Stats, status: number, cacheControl: string): Promise<void> => {
    const contentType = contentTypeFor(file);
    const html = headInsert !== '' && contentType.startsWith('text/html');
    const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}${html ? insertTag : ''}"`;
    const headers = {
      'content-type': contentType,
      'cache-control': cacheControl,
      etag,
      'last-modified': stats.mtime.toUTCString(),
      'x-content-type-options': 'nosniff',
    };
    if (status === 200 && req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    if (html) {
      // Pages are small; each is read whole (from memory once read) so that the config can go into its head.
      const page = withHeadInsert((await smallBody(file, stats)) ?? (await readFile(file)), headInsert);
      res.writeHead(status, { ...headers, 'content-length': String(page.length) });
      res.end(req.method === 'HEAD' ? undefined : page);
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(status, { ...headers, 'content-length': String(stats.size) });
      res.end();
      return;
    }
    const body = await smallBody(file, stats);
    if (body) {
      res.writeHead(status, { ...headers, 'content-length': String(body.length) });
      res.end(body);
      return;
    }
    res.writeHead(status, { ...headers, 'content-length': String(stats.size) });
    await pipeline(createReadStream(file), res);
  };

  return async (req, res, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, `${req.method ?? 'this method'} is not allowed here: static files answer GET and HEAD\n`, { allow: 'GET, HEAD' });
      return;
    }
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(url.pathname);
    } catch {
      sendText(res, 400, 'bad request: the path is not valid percent-encoding\n');
      return;
    }
    if (urlPath.includes('\0')) {
      sendText(res, 400, 'bad request: the path contains a NUL byte\n');
      return;
    }
    const target = path.resolve(root, `.${urlPath}`);
    const inside = target === root || target.startsWith(root + path.sep);
    let found: { file: string; stats: Stats } | null = null;
    if (inside) {
      const targetStats = statOrNull(target);
      if (targetStats?.isDirectory()) {
        if (!urlPath.endsWith('/')) {
          // Relative links inside a page only resolve against a folder URL, so send browsers there (as gatsby serve).
          res.writeHead(301, { location: `${folderLocation(root, target)}${url.search}`, 'cache-control': REVALIDATE });
          res.end();
          return;
        }
        found = await resolveInside(path.join(target, 'index.html'));
      } else {
        found = await resolveInside(target);
      }
    }
    if (found) {
      await sendFile(req, res, found.file, found.stats, 200, cacheControlFor(urlPath));
      return;
    }
    const notFound = await resolveInside(path.join(root, '404.html'));
    if (notFound) {
      await sendFile(req, res, notFound.file, notFound.stats, 404, REVALIDATE);
      return;
    }
    sendText(res, 404, `not found: ${url.pathname}\n`);
  };
}
