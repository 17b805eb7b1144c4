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
import { STORE_EXPERIMENT_PATH, type StoreExperimentResponse } from '../ga4/store-experiment';
import { STORE_OFFERS_PATH, type StoreOffersResponse } from '../ga4/store-offer';
import { STORE_RECS_PATH, type StoreRecsResponse } from '../ga4/store-recs';
import { Warehouse, type RejectRow } from '../warehouse/warehouse';
import { CollectorMetrics } from './collector-metrics';
import { collectGarbage, trimMallocArenas } from './idle-memory';
import { FirstTouchStore } from './first-touch';
import { GEO_HEADER } from './geo-header';
import { DATA_SECRETS, loadOrCreateSecret } from './data-secret';
import { CLOSE, HttpError } from './http-error';
import { BodyReader, ClientAbort, rateLimitedNotice, resolveHttpLimits, serverTimeouts, type HttpLimits } from './http-limits';
import { IngestWorker, type JudgedText } from './ingest-worker';
import { parseJsonBody, rejectRow, truncatePayload, type HitsInput } from './judge-hits';
import { GOOGLE_RULES, VALIDATION_CODES, validateMpBody, type ValidationCode, type ValidationMessage } from './mp-schema';
import { createRequestGuard } from './origin-check';
import { secretMetaTags } from './store-config';
import { createPrivateApi, loadOrCreateToken, type CommitListener, type Route } from './private-api';
import { createStaticHandler, type StaticHandler } from './static-files';
import { DEFAULT_STREAM, type StreamConfig } from './stream-config';

export interface ServerOptions {
  /** Interface to listen on. Default `'127.0.0.1'` (local only). */
  host?: string;
  /** Port to listen on; 0 picks a free one (see `RunningServer.url`). Default `8000`. */
  port?: number;
  /** Folder of the warehouse file (see warehouse/README.md). Required. */
  dataDir: string;
  /** Serve a built static site (e.g. Gatsby's `public/`) from this folder on the same origin. Default: none. */
  publicDir?: string;
  /**
   * Accepted data streams. Default `[DEFAULT_STREAM]` (`G-SHOPLAB` / `1000000001`) with the data directory's own
   * api secret (`<dataDir>/api_secret`, created on first start).
   */
  streams?: StreamConfig[];
  /** Origins (e.g. `http://localhost:8001`) whose pages may send hits cross-origin (CORS). Default: none. */
  corsOrigins?: string[];
  /**
   * Host names (or addresses) clients may use besides the bound host (and, for a loopback or wildcard bind, the
   * loopback aliases and the machine's addresses); any other `Host` header is refused with 421 (DNS
   * rebinding). Default: none.
   */
  allowedHosts?: string[];
  /** Deadlines for slow clients and the bound on bodies still arriving (http-limits.ts). Default DEFAULT_HTTP_LIMITS. */
  limits?: HttpLimits;
  /**
   * Events stamped more than this many hours after their receipt are refused (recorded in rejects), so that a
   * wrong clock cannot create day shards years ahead. A virtual-time run stamps events up to the end of its
   * plan; `shoplab simulate` widens the horizon of its own server to cover that. Default 72.
   */
  futureHorizonHours?: number;
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
  /**
   * DuckDB's memory limit (`'256MB'`, `'1GiB'`). DuckDB's default, 80 % of RAM, let a sustained ingest hold
   * about a gigabyte of cached blocks and keep it. Default: env `SHOPLAB_DUCKDB_MEMORY_LIMIT` if set, else 192MB.
   */
  duckdbMemoryLimit?: string;
  /**
   * WAL size at which a commit also checkpoints. DuckDB keeps the rows appended since the last checkpoint in memory
   * (~1.6 KB a row, about twice their WAL bytes), so this bounds what a sustained ingest holds, at the cost of more
   * frequent checkpoints (collector/README.md, "Memory under sustained ingest"). The memory limit must be at least
   * twice this plus 64 MB. Default: env `SHOPLAB_DUCKDB_CHECKPOINT` if set, else 48MB.
   */
  duckdbCheckpointThreshold?: string;
  /**
   * After this many ms without a write, the warehouse checkpoints (its WAL goes into the file), so that memory
   * held for the rows appended since the last checkpoint is given back while ingest is idle. Default 5,000.
   */
  idleCheckpointMs?: number;
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

/**
 * Requests being processed at once (body read, waiting for the worker or the warehouse), whatever their size.
 * Requests whose bodies are still arriving do not count: they are bounded by their deadline and BodyReader.
 */
const MAX_PENDING_REQUESTS = 2048;
/** Response headers that tell ShopLab's tag (and tests) what happened to a hit that Google would answer 2xx. */
export const RESULT_HEADERS = {
  accepted: 'x-shoplab-accepted',
  rejected: 'x-shoplab-rejected',
  duplicates: 'x-shoplab-duplicates',
  reason: 'x-shoplab-reject-reason',
} as const;

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

/** How often glibc's arenas are trimmed while events arrive (collector/README.md: every 5 s left the peak 40–60 MiB higher). */
const BUSY_TRIM_MS = 1000;

/** The paths that take hits (the rest is health, metrics and the static site). */
const COLLECT_PATH_SET: ReadonlySet<string> = new Set(['/mp/collect', '/debug/mp/collect', '/g/collect']);

/** Starts the collector; resolves once it is listening. Rejects with a clear message if the port is taken. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8000;
  const streams = opts.streams ?? [{ ...DEFAULT_STREAM, apiSecret: loadOrCreateSecret(opts.dataDir, DATA_SECRETS.apiSecret).value }];
  if (streams.length === 0) throw new Error('collector needs at least one stream in `streams`');
  const corsOrigins = new Set(opts.corsOrigins ?? []);
  const maxQueuedEvents = opts.maxQueuedEvents ?? 50_000;
  const limits = resolveHttpLimits(opts.limits);
  const futureHorizonHours = opts.futureHorizonHours ?? 72;
  if (!(futureHorizonHours > 0)) throw new Error(`futureHorizonHours must be a positive number, got ${futureHorizonHours}`);
  const log = opts.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const guard = createRequestGuard({ boundHost: host, corsOrigins, ...(opts.allowedHosts ? { allowedHosts: opts.allowedHosts } : {}) });
  const bodies = new BodyReader(limits);
  // The store's pages learn the api secret of the local-tag streams at run time (the build holds no secret).
  const serveStatic: StaticHandler | null = opts.publicDir ? createStaticHandler(opts.publicDir, { headInsert: secretMetaTags(streams) }) : null;
  const token = opts.token ?? loadOrCreateToken(opts.dataDir).value;
  const warehouse = await Warehouse.open({
    dataDir: opts.dataDir,
    threads: opts.duckdbThreads ?? duckdbThreadsFromEnv(),
    memoryLimit: opts.duckdbMemoryLimit ?? (process.env.SHOPLAB_DUCKDB_MEMORY_LIMIT || '192MB'),
    checkpointThreshold: opts.duckdbCheckpointThreshold ?? (process.env.SHOPLAB_DUCKDB_CHECKPOINT || '48MB'),
    ...(opts.property !== undefined ? { property: opts.property } : {}),
  });
  let ingest: IngestWorker;
  try {
    // The worker thread owns the first-touch state from here on. Should it die, its successor reloads the state
    // once every row already judged has been committed (or has failed), so that none of their touches is missed.
    ingest = await IngestWorker.start({
      streams: streams.map((s) => ({ measurementId: s.measurementId, streamId: s.streamId, ...(s.localTag !== undefined ? { localTag: s.localTag } : {}) })),
      futureHorizonMicros: futureHorizonHours * 3600 * 1e6,
      digests: (opts.onCommit?.length ?? 0) > 0,
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
  const metrics = new CollectorMetrics(() => warehouse.queuedRows, bodies);
  const noteAbort = rateLimitedNotice(log, 'client(s) closed their connection mid-request (counted in /metrics)');
  // The store asks for its client's offers on every page (ga4/store-offer.ts); without a dashboard mounted to push
  // them there are none, which is an answer, not an error.
  // Likewise its recommendations (ga4/store-recs.ts): only an experiment's recommendations arm mounts a list; and its
  // experiment arm (ga4/store-experiment.ts): outside `shoplab experiment` there is none.
  const emptyAnswer = (path: string, body: StoreOffersResponse | StoreRecsResponse | StoreExperimentResponse): Route => ({
    prefix: path,
    handle: (req, res) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') sendJson(res, 405, { error: `use GET for ${path}` }, { allow: 'GET, HEAD' });
      else sendJson(res, 200, body);
    },
  });
  const defaults = [emptyAnswer(STORE_OFFERS_PATH, { offers: [] }), emptyAnswer(STORE_RECS_PATH, { products: [] }), emptyAnswer(STORE_EXPERIMENT_PATH, { arm: null, freeShipping: null })];
  const storeRoutes = [...(opts.storeRoutes ?? []), ...defaults.filter((d) => !opts.storeRoutes?.some((r) => r.prefix === d.prefix))];
  const api = createPrivateApi({ dataDir: opts.dataDir, token, warehouse, log, storeRoutes, ...(opts.privateRoutes ? { privateRoutes: opts.privateRoutes } : {}), ...(opts.onCommit ? { onCommit: opts.onCommit } : {}) });

  let pendingRequests = 0;
  const inFlight = new Set<Promise<void>>();

  // Idle: once writes pause, checkpoint, so that memory held for the WAL's rows is given back between loads, and
  // then have both threads collect their garbage (idle-memory.ts), which returns the heap a burst grew.
  const idleCheckpointMs = opts.idleCheckpointMs ?? 5000;
  let idleTimer: NodeJS.Timeout | null = null;
  let closingDown = false;
  const releaseWhenIdle = async (): Promise<void> => {
    // A reader's open transaction makes DuckDB refuse a checkpoint; the next pause tries again.
    await warehouse.checkpoint().catch(() => undefined);
    if (closingDown || warehouse.queuedRows > 0) return;
    await ingest.releaseMemory().catch(() => false);
    collectGarbage();
    await trimMallocArenas().catch(() => false);
  };
  // Under sustained ingest the arenas fill with freed request and row buffers too: trim them every second while
  // events arrive. The trim runs off the event loop (idle-memory.ts); collector/README.md has what it is worth.
  let acceptedAtLastTrim = 0;
  let trimming = false;
  const busyTrim = setInterval(() => {
    if (trimming || metrics.accepted === acceptedAtLastTrim) return;
    acceptedAtLastTrim = metrics.accepted;
    trimming = true;
    void trimMallocArenas()
      .catch(() => false)
      .finally(() => (trimming = false));
  }, BUSY_TRIM_MS);
  busyTrim.unref();
  const checkpointWhenIdle = (): void => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (closingDown || warehouse.queuedRows > 0) return;
      void releaseWhenIdle();
    }, idleCheckpointMs);
    idleTimer.unref();
  };

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
    return (await bodies.read(req, MP_LIMITS.bodyBytes)).toString('utf8');
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
      checkpointWhenIdle();
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
    const receivedAt = nowMicros();
    const text = await readText(req);
    admit();
    pendingRequests++;
    try {
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
    const text = await readText(req);
    admit();
    pendingRequests++;
    try {
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
    const receivedAt = nowMicros();
    const text = req.method === 'POST' ? await readText(req) : '';
    admit();
    pendingRequests++;
    try {
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
    const hostProblem = guard.hostProblem(req);
    if (hostProblem) throw new HttpError(421, hostProblem);
    const collectRoute = COLLECT_PATH_SET.has(url.pathname);
    const cors = collectRoute ? corsHeaders(req) : {};
    if (req.method === 'OPTIONS' && collectRoute) {
      if (!cors['access-control-allow-origin']) throw new HttpError(403, `origin ${req.headers.origin ?? '(none)'} may not send hits here; add it to the collector's CORS origins`);
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST, GET', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' });
      res.end();
      return;
    }
    if (collectRoute) {
      // Refused before the body is read: a write a page may not make stores nothing, not even a reject row.
      const originProblem = guard.originProblem(req);
      if (originProblem) throw new HttpError(403, originProblem, {}, CLOSE);
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

  const server = createServer({ ...serverTimeouts(limits) }, (req, res) => {
    const done = handle(req, res)
      .catch((error: unknown) => {
        if (error instanceof ClientAbort) {
          metrics.clientAborts++;
          noteAbort();
          res.destroy();
          return;
        }
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (error instanceof HttpError) {
          // With `connection: close` (an unread body: too big, too slow), node:http ends the socket once this is sent.
          sendJson(res, error.status, { error: error.message, ...error.details }, error.headers);
        } else {
          log(`collector: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          sendJson(res, 500, { error: 'internal error; see the collector log' });
        }
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  });

  // Malformed requests and deadlines Node enforces itself (headers too slow, request too slow) end here.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      metrics.clientAborts++;
      noteAbort();
      socket.destroy();
      return;
    }
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    if (timedOut) metrics.headerTimeouts++;
    const status = timedOut ? '408 Request Timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    // A client that never reads the answer must not keep the socket half-open.
    setTimeout(() => socket.destroy(), 1000).unref();
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
        closingDown = true;
        if (idleTimer) clearTimeout(idleTimer);
        clearInterval(busyTrim);
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
