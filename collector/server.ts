/**
 * The collector: a local stand-in for GA4's collection endpoints that stores every accepted event in the warehouse
 * and records every refused one, and (optionally) serves the built store from the same origin. Routes: POST
 * /mp/collect, POST /debug/mp/collect, GET|POST /g/collect, GET /healthz, static files; behind the token (private-api.ts):
 * GET /metrics, /api/truth/*, /api/query and the routes of later stages.
 */

import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MP_LIMITS } from '../ga4/measurement-protocol';
import { Warehouse, type RejectRow } from '../warehouse/warehouse';
import { CollectorMetrics } from './collector-metrics';
import { FirstTouchStore } from './first-touch';
import { GEO_HEADER } from './geo-header';
import { IngestWorker, type JudgedText } from './ingest-worker';
import { parseJsonBody, rejectRow, truncatePayload, type HitsInput } from './judge-hits';
import { GOOGLE_RULES, VALIDATION_CODES, validateMpBody, type ValidationCode, type ValidationMessage } from './mp-schema';
import { createPrivateApi, loadOrCreateToken, type CommitListener, type Route } from './private-api';
import { createStaticHandler, type StaticHandler } from './static-files';

export interface StreamConfig {
  /** The `measurement_id` query parameter (or gtag `tid`) that selects this stream, e.g. `G-SHOPLAB`. */
  measurementId: string;
  /** The `api_secret` that must accompany it on /mp/collect. Never logged or stored. */
  apiSecret: string;
  /** Stored in the `stream_id` column of every event sent to this stream. */
  streamId: string;
  /**
   * The stream of ShopLab's own tag, which sends the automatic web events (`first_visit`, `session_start`,
   * `user_engagement`) that the MP reserves, and replays past weeks in virtual time. `true` accepts those events
   * and timestamps older than 72 hours on /mp/collect; /debug/mp/collect still reports Google's rules.
   * Default `false` (Google's rules).
   */
  localTag?: boolean;
}

export const DEFAULT_STREAM: Readonly<StreamConfig> = { measurementId: 'G-SHOPLAB', apiSecret: 'shoplab-local', streamId: '1000000001', localTag: true };

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
  /** Origins (e.g. `http://localhost:8001`) whose pages may send hits cross-origin (CORS). Default: none. */
  corsOrigins?: string[];
  /** GA4 property id; the warehouse dataset is `analytics_<property>`. Default `'shoplab'`. */
  property?: string;
  /**
   * Most events waiting for their commit. Beyond it the collector answers 503 with `Retry-After`, which senders
   * retry. Default 50,000 (about two seconds of writes).
   */
  maxQueuedEvents?: number;
  /**
   * DuckDB threads of the warehouse instance. Ingest runs best on one: a group's INSERT and COMMIT are serial
   * anyway, a second DuckDB thread mostly adds coordination (about half again the CPU per row in read_json), and
   * the cores are better left to HTTP and the ingest worker (parsing, validating, mapping the next requests).
   * Raise it when the collector's process also runs heavy queries. Default: env `SHOPLAB_DUCKDB_THREADS` if set
   * (so that `shoplab serve` and the ingest bench can be compared at other counts), else 1.
   */
  duckdbThreads?: number;
  /** Where operational messages go (errors while storing). Never receives secrets. Default: stderr. */
  log?: (message: string) => void;
  /** The private API's bearer token (collector/private-api.ts). Default: `<dataDir>/token`, created when missing. */
  token?: string;
  /** Routes behind the token (`Authorization: Bearer <token>` or the session cookie), beside the built-in ones. */
  privateRoutes?: readonly Route[];
  /** Public routes that belong to the store's face (e.g. `GET /api/offers`). Default none. */
  storeRoutes?: readonly Route[];
  /** Called after each commit with the JSON lines of the export rows committed (never awaited by ingest). */
  onCommit?: readonly CommitListener[];
}

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  warehouse: Warehouse;
  /** The private API's token, for cli/ and tests. */
  token: string;
  /** Stops accepting requests, waits for in-flight ones (their events are committed), closes the warehouse. */
  close(): Promise<void>;
}

/** Requests being read or waiting on the warehouse at once, whatever their size. */
const MAX_PENDING_REQUESTS = 2048;
/** Response headers that tell ShopLab's tag (and tests) what happened to a hit that Google would answer 2xx. */
export const RESULT_HEADERS = {
  accepted: 'x-shoplab-accepted',
  rejected: 'x-shoplab-rejected',
  duplicates: 'x-shoplab-duplicates',
  reason: 'x-shoplab-reject-reason',
} as const;

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
      else resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

/** µs since the epoch with sub-millisecond resolution, so that events received in one ms still order. */
function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

function duckdbThreadsFromEnv(): number {
  const text = process.env.SHOPLAB_DUCKDB_THREADS;
  if (text === undefined || text === '') return 1;
  const threads = Number(text);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`SHOPLAB_DUCKDB_THREADS must be a positive integer, got ${JSON.stringify(text)}`);
  return threads;
}

/** The paths that take hits (the rest is health, metrics and the static site). */
const COLLECT_PATH_SET: ReadonlySet<string> = new Set(['/mp/collect', '/debug/mp/collect', '/g/collect']);

/** Starts the collector; resolves once it is listening. Rejects with a clear message if the port is taken. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8000;
  const streams = opts.streams ?? [DEFAULT_STREAM];
  if (streams.length === 0) throw new Error('collector needs at least one stream in `streams`');
  const corsOrigins = new Set(opts.corsOrigins ?? []);
  const maxQueuedEvents = opts.maxQueuedEvents ?? 50_000;
  const log = opts.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const serveStatic: StaticHandler | null = opts.publicDir ? createStaticHandler(opts.publicDir) : null;
  const token = opts.token ?? loadOrCreateToken(opts.dataDir).value;
  const warehouse = await Warehouse.open({
    dataDir: opts.dataDir,
    threads: opts.duckdbThreads ?? duckdbThreadsFromEnv(),
    ...(opts.property !== undefined ? { property: opts.property } : {}),
  });
  let ingest: IngestWorker;
  try {
    // The worker thread owns the first-touch state from here on. Should it die, its successor reloads the state
    // once every row already judged has been committed (or has failed), so that none of their touches is missed.
    ingest = await IngestWorker.start({
      streams: streams.map((s) => ({ measurementId: s.measurementId, streamId: s.streamId, ...(s.localTag !== undefined ? { localTag: s.localTag } : {}) })),
      loadFirstTouch: async () => {
        await warehouse.settled();
        return (await FirstTouchStore.load(warehouse)).entries();
      },
      log,
    });
  } catch (error) {
    await warehouse.close();
    throw error;
  }
  const metrics = new CollectorMetrics(() => warehouse.queuedRows);
  const api = createPrivateApi({ dataDir: opts.dataDir, token, warehouse, log, ...(opts.privateRoutes ? { privateRoutes: opts.privateRoutes } : {}), ...(opts.storeRoutes ? { storeRoutes: opts.storeRoutes } : {}), ...(opts.onCommit ? { onCommit: opts.onCommit } : {}) });

  let pendingRequests = 0;
  const inFlight = new Set<Promise<void>>();

  const streamOf = (measurementId: string | null): StreamConfig | undefined => streams.find((s) => s.measurementId === measurementId);

  /** Says why a request's credentials fail, or null. The secret itself never appears in the answer. */
  const authProblem = (url: URL): { stream: StreamConfig | null; message: ValidationMessage | null } => {
    const measurementId = url.searchParams.get('measurement_id');
    const apiSecret = url.searchParams.get('api_secret');
    const invalid = (fieldPath: string, description: string, validationCode: ValidationCode = VALIDATION_CODES.valueInvalid): ValidationMessage => ({ fieldPath, description, validationCode });
    if (!measurementId) return { stream: null, message: invalid('measurement_id', 'missing the measurement_id query parameter', VALIDATION_CODES.valueRequired) };
    const stream = streamOf(measurementId);
    if (!stream) return { stream: null, message: invalid('measurement_id', `unknown measurement_id ${JSON.stringify(measurementId.slice(0, 40))}: this collector accepts ${streams.map((s) => s.measurementId).join(', ')}`) };
    if (!apiSecret) return { stream, message: invalid('api_secret', `missing the api_secret query parameter for measurement_id ${measurementId}`, VALIDATION_CODES.valueRequired) };
    if (!secretsEqual(apiSecret, stream.apiSecret)) return { stream, message: invalid('api_secret', `api_secret does not match measurement_id ${measurementId}`) };
    return { stream, message: null };
  };

  const admit = (): void => {
    if (pendingRequests >= MAX_PENDING_REQUESTS || warehouse.queuedRows >= maxQueuedEvents) {
      metrics.busy++;
      throw new HttpError(503, 'collector is busy; retry shortly', {}, { 'retry-after': '1' });
    }
  };

  const readText = async (req: IncomingMessage): Promise<string> => {
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') throw new HttpError(415, `content-encoding ${encoding} is not supported; send plain text`);
    return (await readBody(req, MP_LIMITS.bodyBytes)).toString('utf8');
  };

  /** What the ingest worker judged of a request's hits, or what the main thread refused before sending them. */
  const noHits = (rejects: RejectRow[]): JudgedText => ({ text: '', dates: [], ids: [], rejects });

  const judge = async (input: HitsInput): Promise<JudgedText> => {
    try {
      return await ingest.judge(input);
    } catch (error) {
      log(`collector: could not judge a request to ${input.endpoint}: ${error instanceof Error ? error.message : String(error)}`);
      throw new HttpError(500, 'could not process the hits; see the collector log');
    }
  };

  const hitsInput = (endpoint: HitsInput['endpoint'], measurementId: string | null, req: IncomingMessage, url: URL, text: string, receivedAt: number): HitsInput => ({
    endpoint,
    measurementId,
    search: url.search,
    text,
    userAgent: req.headers['user-agent'],
    origin: req.headers.origin,
    referer: req.headers.referer,
    geo: req.headers[GEO_HEADER],
    receivedAt,
  });

  /** Stores what was judged and answers as Google does (204), with the outcome in x-shoplab-* headers. */
  const store = async (res: ServerResponse, out: JudgedText, cors: Record<string, string>): Promise<void> => {
    const started = performance.now();
    let result = { stored: 0, duplicates: 0 };
    if (out.dates.length > 0 || out.rejects.length > 0) {
      try {
        result = await warehouse.insertSerializedEvents(out, { ids: out.ids, rejects: out.rejects });
      } catch (error) {
        metrics.failedWrites++;
        log(`collector: could not store ${out.dates.length} event(s): ${error instanceof Error ? error.message : String(error)}`);
        throw new HttpError(500, 'could not store the events; see the collector log');
      }
      metrics.observeCommit((performance.now() - started) / 1000);
    }
    metrics.accepted += result.stored;
    metrics.duplicates += result.duplicates;
    metrics.rejected += out.rejects.length;
    const headers: Record<string, string> = {
      'cache-control': 'no-store',
      [RESULT_HEADERS.accepted]: String(result.stored + result.duplicates),
      [RESULT_HEADERS.rejected]: String(out.rejects.length),
      [RESULT_HEADERS.duplicates]: String(result.duplicates),
      ...cors,
    };
    const first = out.rejects[0];
    if (first) headers[RESULT_HEADERS.reason] = encodeURIComponent(`${first.validation_code} ${first.field_path}: ${first.description}`.slice(0, 300));
    res.writeHead(204, headers);
    res.end();
  };

  const collect = async (req: IncomingMessage, res: ServerResponse, url: URL, cors: Record<string, string>): Promise<void> => {
    if (req.method !== 'POST') throw new HttpError(405, 'use POST for /mp/collect', {}, { allow: 'POST' });
    admit();
    pendingRequests++;
    try {
      const receivedAt = nowMicros();
      const text = await readText(req);
      const auth = authProblem(url);
      const measurementId = url.searchParams.get('measurement_id');
      let out: JudgedText;
      if (auth.message || !auth.stream) {
        // Google answers 2xx here too; the refusal is recorded (without the secret) so that nothing vanishes.
        const m = auth.message;
        out = noHits([rejectRow('/mp/collect', auth.stream, measurementId, receivedAt, { field_path: m?.fieldPath ?? '', validation_code: m?.validationCode ?? VALIDATION_CODES.valueInvalid, description: m?.description ?? 'unauthenticated', payload: truncatePayload(text) })]);
      } else {
        out = await judge(hitsInput('/mp/collect', auth.stream.measurementId, req, url, text, receivedAt));
      }
      await store(res, out, cors);
    } finally {
      pendingRequests--;
    }
  };

  const debugCollect = async (req: IncomingMessage, res: ServerResponse, url: URL, cors: Record<string, string>): Promise<void> => {
    if (req.method !== 'POST') throw new HttpError(405, 'use POST for /debug/mp/collect', {}, { allow: 'POST' });
    admit();
    pendingRequests++;
    try {
      const text = await readText(req);
      // Like Google's, the debug endpoint validates the body only: it ignores api_secret and stores nothing.
      const parsed = parseJsonBody(text);
      const messages = parsed.message ? [parsed.message] : validateMpBody(parsed.body, { ...GOOGLE_RULES, nowMicros: nowMicros() }).messages;
      const measurementId = url.searchParams.get('measurement_id');
      if (!measurementId) messages.unshift({ fieldPath: 'measurement_id', description: 'missing the measurement_id query parameter', validationCode: VALIDATION_CODES.valueRequired });
      sendJson(res, 200, { validationMessages: messages }, cors);
    } finally {
      pendingRequests--;
    }
  };

  const gtagCollect = async (req: IncomingMessage, res: ServerResponse, url: URL, cors: Record<string, string>): Promise<void> => {
    if (req.method !== 'POST' && req.method !== 'GET') throw new HttpError(405, 'use POST or GET for /g/collect', {}, { allow: 'GET, POST' });
    admit();
    pendingRequests++;
    try {
      const receivedAt = nowMicros();
      const text = req.method === 'POST' ? await readText(req) : '';
      await store(res, await judge(hitsInput('/g/collect', null, req, url, text, receivedAt)), cors);
    } finally {
      pendingRequests--;
    }
  };

  const corsHeaders = (req: IncomingMessage): Record<string, string> => {
    const origin = req.headers.origin;
    if (!origin || !corsOrigins.has(origin)) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-expose-headers': Object.values(RESULT_HEADERS).join(', '),
      vary: 'Origin',
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let url: URL;
    try {
      // Prefixing keeps a path such as `//evil` a path instead of a host.
      url = new URL(`http://collector${req.url ?? '/'}`);
    } catch {
      throw new HttpError(400, 'the request URL is malformed');
    }
    const cors = COLLECT_PATH_SET.has(url.pathname) ? corsHeaders(req) : {};
    if (req.method === 'OPTIONS' && COLLECT_PATH_SET.has(url.pathname)) {
      if (!cors['access-control-allow-origin']) throw new HttpError(403, `origin ${req.headers.origin ?? '(none)'} may not send hits here; add it to the collector's CORS origins`);
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST, GET', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' });
      res.end();
      return;
    }
    if (url.pathname === '/mp/collect') return collect(req, res, url, cors);
    if (url.pathname === '/debug/mp/collect') return debugCollect(req, res, url, cors);
    if (url.pathname === '/g/collect') return gtagCollect(req, res, url, cors);
    if (url.pathname === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET for /healthz', {}, { allow: 'GET, HEAD' });
      // `service` tells a runner that this is ShopLab's server, whose private API takes the ground truth.
      sendJson(res, 200, { ok: true, service: 'ShopLab' });
      return;
    }
    if (url.pathname === '/metrics') {
      if (!api.authorized(req)) return api.refuse(res);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET for /metrics', {}, { allow: 'GET, HEAD' });
      const text = metrics.render();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    if (await api.handle(req, res, url)) return;
    if (serveStatic) return serveStatic(req, res, url);
    throw new HttpError(404, `not found: ${url.pathname} (this collector serves /mp/collect, /debug/mp/collect, /g/collect, /healthz and /metrics; start it with a publicDir to serve a site)`);
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
    await ingest.close();
    await warehouse.close();
    throw error;
  }

  const address = server.address() as AddressInfo;
  const urlHost = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const url = `http://${urlHost}:${address.port}`;
  api.listening(url);
  let closing: Promise<void> | null = null;
  return {
    url,
    warehouse,
    token,
    close() {
      closing ??= (async () => {
        api.close();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        server.closeAllConnections();
        await stopped;
        await ingest.close();
        await warehouse.close();
      })();
      return closing;
    },
  };
}
