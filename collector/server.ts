/**
 * The collector: a local stand-in for GA4's /mp/collect that stores every accepted event in the warehouse, and
 * (optionally) serves the built store from the same origin. Routes: POST /mp/collect, GET /healthz, static files.
 */

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MP_LIMITS } from '../ga4/measurement-protocol';
import { Warehouse } from '../warehouse/warehouse';
import { parseMpRequest } from './mp-schema';
import { mpToRows } from './mp-to-rows';
import { createStaticHandler, type StaticHandler } from './static-files';

export interface StreamConfig {
  /** The `measurement_id` query parameter that selects this stream, e.g. `G-SHOPLAB`. */
  measurementId: string;
  /** The `api_secret` that must accompany it. */
  apiSecret: string;
  /** Stored in the `stream_id` column of every event sent to this stream. */
  streamId: string;
}

export const DEFAULT_STREAM: Readonly<StreamConfig> = { measurementId: 'G-SHOPLAB', apiSecret: 'shoplab-local', streamId: '1000000001' };

export interface ServerOptions {
  /** Interface to listen on. Default `'127.0.0.1'` (local only). */
  host?: string;
  /** Port to listen on; 0 picks a free one (see `RunningServer.url`). Default `8000`. */
  port?: number;
  /** Folder of the warehouse file (see warehouse/README.md). Required. */
  dataDir: string;
  /** Serve a built static site (e.g. Gatsby's `public/`) from this folder on the same origin. Default: none. */
  publicDir?: string;
  /** Accepted data streams. Default `[DEFAULT_STREAM]` (`G-SHOPLAB` / `shoplab-local` / `1000000001`). */
  streams?: StreamConfig[];
  /** GA4 property id; the warehouse dataset is `analytics_<property>`. Default `'shoplab'`. */
  property?: string;
  /** Where operational messages go (errors while storing). Never receives secrets. Default: stderr. */
  log?: (message: string) => void;
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  warehouse: Warehouse;
  /** Stops accepting requests, waits for in-flight ones (their events are committed), closes the warehouse. */
  close(): Promise<void>;
}

/**
 * Requests waiting on the warehouse at once. Beyond this the collector answers 503, which senders retry, instead
 * of queuing without bound.
 */
const MAX_PENDING_COLLECTS = 512;

/** An answer other than success: `message` goes to the client as `{ error }`, with `details` merged in. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function secretsEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The rest of an oversized body is not worth reading: answer, then close the connection. */
const CLOSE = { connection: 'close' } as const;

/** Reads the whole body, refusing more than `limit` bytes without buffering the excess. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `body is ${declared} bytes; the Measurement Protocol allows at most ${limit}`, {}, CLOSE));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooBig = true;
        chunks.length = 0;
      } else if (!tooBig) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (tooBig) reject(new HttpError(413, `body is ${size} bytes; the Measurement Protocol allows at most ${limit}`, {}, CLOSE));
      else resolve(Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

function hostnameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  try {
    return new URL(header).hostname || undefined;
  } catch {
    return undefined;
  }
}

/** µs since the epoch with sub-millisecond resolution, so that events received in one ms still order. */
function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** Starts the collector; resolves once it is listening. Rejects with a clear message if the port is taken. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8000;
  const streams = opts.streams ?? [DEFAULT_STREAM];
  if (streams.length === 0) throw new Error('collector needs at least one stream in `streams`');
  const log = opts.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const serveStatic: StaticHandler | null = opts.publicDir ? createStaticHandler(opts.publicDir) : null;
  const warehouse = await Warehouse.open({ dataDir: opts.dataDir, ...(opts.property !== undefined ? { property: opts.property } : {}) });

  let pendingCollects = 0;
  const inFlight = new Set<Promise<void>>();

  const authenticate = (url: URL): StreamConfig => {
    // Google's endpoint answers 2xx even here; a local collector refusing loudly catches misconfigured tags early.
    const measurementId = url.searchParams.get('measurement_id');
    const apiSecret = url.searchParams.get('api_secret');
    if (!measurementId) throw new HttpError(403, 'missing the measurement_id query parameter');
    const stream = streams.find((s) => s.measurementId === measurementId);
    if (!stream) throw new HttpError(403, `unknown measurement_id ${JSON.stringify(measurementId)}: this collector accepts ${streams.map((s) => s.measurementId).join(', ')}`);
    if (!apiSecret) throw new HttpError(403, `missing the api_secret query parameter for measurement_id ${measurementId}`);
    if (!secretsEqual(apiSecret, stream.apiSecret)) throw new HttpError(403, `api_secret does not match measurement_id ${measurementId}`);
    return stream;
  };

  const collect = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'POST') throw new HttpError(405, 'use POST for /mp/collect', {}, { allow: 'POST' });
    const stream = authenticate(url);
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') throw new HttpError(415, `content-encoding ${encoding} is not supported; send plain JSON`);
    if (pendingCollects >= MAX_PENDING_COLLECTS) throw new HttpError(503, 'collector is busy; retry shortly', {}, { 'retry-after': '1' });
    pendingCollects++;
    try {
      const raw = await readBody(req, MP_LIMITS.bodyBytes);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        throw new HttpError(400, `body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
      const parsed = parseMpRequest(body);
      if (!parsed.ok) {
        const first = parsed.issues[0];
        const where = first ? `${first.path || '(body)'}: ${first.message}` : 'unknown problem';
        throw new HttpError(400, `invalid Measurement Protocol body at ${where}`, { issues: parsed.issues });
      }
      const rows = mpToRows(parsed.request, {
        receivedAtMicros: nowMicros(),
        streamId: stream.streamId,
        userAgent: req.headers['user-agent'],
        hostname: hostnameOf(req.headers.origin) ?? hostnameOf(req.headers.referer),
      });
      try {
        await warehouse.insertEvents(rows);
      } catch (error) {
        log(`collector: could not store ${rows.length} event(s) for ${stream.measurementId}: ${error instanceof Error ? error.message : String(error)}`);
        throw new HttpError(500, 'could not store the events; see the collector log');
      }
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
    } finally {
      pendingCollects--;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let url: URL;
    try {
      // Prefixing keeps a path such as `//evil` a path instead of a host.
      url = new URL(`http://collector${req.url ?? '/'}`);
    } catch {
      throw new HttpError(400, 'the request URL is malformed');
    }
    if (url.pathname === '/mp/collect') return collect(req, res, url);
    if (url.pathname === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET for /healthz', {}, { allow: 'GET, HEAD' });
      sendJson(res, 200, { ok: true });
      return;
    }
    if (serveStatic) return serveStatic(req, res, url);
    throw new HttpError(404, `not found: ${url.pathname} (this collector serves /mp/collect and /healthz; start it with a publicDir to serve a site)`);
  };

  const server = createServer((req, res) => {
    const done = handle(req, res)
      .catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error instanceof HttpError) {
          sendJson(res, error.status, { error: error.message, ...error.details }, error.headers);
        } else {
          log(`collector: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          sendJson(res, 500, { error: 'internal error; see the collector log' });
        }
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(`cannot listen on ${host}:${port}: the port is already in use (is \`shoplab serve\` already running?)`, { cause: error })
            : new Error(`cannot listen on ${host}:${port}: ${error.message}`, { cause: error }),
        );
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
  } catch (error) {
    await warehouse.close();
    throw error;
  }

  const address = server.address() as AddressInfo;
  const urlHost = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${address.port}`,
    warehouse,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        server.closeAllConnections();
        await stopped;
        await warehouse.close();
      })();
      return closing;
    },
  };
}
