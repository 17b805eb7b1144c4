/**
 * The live marketer dashboard: routes for the collector's private API (the page, its event stream and its JSON),
 * public store routes (the sign-in page), and the commit listener that keeps the numbers current. The collector
 * mounts them (collector/private-api.ts decides who may reach a private route: the token, as a Bearer header or
 * the session cookie); this stage imports nothing of the collector, so its routes are plain objects of the
 * contract's shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { modelSql } from '../analysis/models';
import { BIGQUERY_SESSION_SETUP } from '../warehouse/bigquery/query-bigquery';
import type { CommitListener, EventDigest, JsonValue, Warehouse } from '../warehouse/warehouse';
import { clientBundle, clientFile } from './client-bundle';
import { listVisitors, parseVisitorFilter, retargetList, rfmSegments, similarVisitors } from './lists';
import { LiveState, SEED_COLUMNS, type PropensityScorer } from './live-state';
import { SseHub } from './sse-hub';
import { clientIdFromCookie, OFFER_KINDS, Targeting, type OfferKind } from './targeting';

/** The contract's Route (collector/private-api.ts), by shape: this stage may not import the collector. */
export interface DashboardRoute {
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void>;
}

export interface DashboardOptions {
  /** Path the page lives under. Default `/dashboard`. */
  base?: string;
  /** Propensity per session. Default: the documented rule (scores.ts `ruleScore`). */
  score?: PropensityScorer;
  /** How often the event stream sends, ms. Default 250. */
  sseIntervalMs?: number;
  /** Where operational messages go. Default: stderr. */
  log?: (message: string) => void;
  /** JSON file that keeps saved segments and offers across restarts. Default: memory only. */
  targetingFile?: string;
}

export interface Dashboard {
  privateRoutes: DashboardRoute[];
  storeRoutes: DashboardRoute[];
  /** The collector's commit listener: queues the commit's digests and returns at once. */
  onCommit: CommitListener;
  /** Counts what the warehouse already holds (through analysis' sessions model), once; live lines wait meanwhile. */
  seed(warehouse: Warehouse): Promise<void>;
  readonly state: LiveState;
  readonly hub: SseHub;
  readonly targeting: Targeting;
  close(): void;
}

/** Public path of the sign-in page. */
export const SIGN_IN_PATH = '/sign-in';

class BadRequest extends Error {}

const MAX_BODY = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new BadRequest('send JSON (content-type: application/json)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new BadRequest(`the body must be at most ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('the body must be a JSON object');
  return body as Record<string, unknown>;
}

const text = (v: unknown, name: string): string => {
  if (typeof v !== 'string') throw new BadRequest(`${name} must be a string`);
  return v;
};
const optionalNumber = (v: unknown, name: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(`${name} must be a number`);
  return v;
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' });
  res.end(text);
}

function sendText(res: ServerResponse, type: string, text: string): void {
  res.writeHead(200, {
    'content-type': `${type}; charset=utf-8`,
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // The page loads only its own script and style and talks only to its own origin.
    'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  });
  res.end(text);
}

export function createDashboard(options: DashboardOptions = {}): Dashboard {
  const base = options.base ?? '/dashboard';
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const state = new LiveState(options.score);
  const targeting = new Targeting(state, options.targetingFile);
  let seeding = false;
  /** The latest snapshot's JSON, full and without the visitor bubbles (StreamMessage), each built when first asked. */
  let snapshotText: string | null = null;
  let lightText: string | null = null;
  const hub = new SseHub(
    (full) => (full ? (snapshotText ??= JSON.stringify(state.snapshot())) : (lightText ??= JSON.stringify(state.snapshot({ bubbles: false })))),
    options.sseIntervalMs !== undefined ? { intervalMs: options.sseIntervalMs } : {},
  );
  /** Digests that arrived while the seed ran, with their commit times. */
  let held: { digests: readonly EventDigest[]; committedAt: number }[] = [];

  const apply = (digests: readonly EventDigest[], committedAt: number): void => {
    if (seeding) {
      held.push({ digests, committedAt });
      return;
    }
    try {
      for (const d of digests) state.applyDigest(d);
    } catch (error) {
      log(`dashboard: could not apply committed rows: ${error instanceof Error ? error.message : String(error)}`);
    }
    state.committedAt = Math.max(state.committedAt, committedAt);
    snapshotText = lightText = null;
    hub.markDirty();
  };

  // A commit is counted on a later turn of the event loop, so that its callers are answered first. It is counted from
  // the digests the collector's ingest worker made beside each row (warehouse/row-digest.ts), never from the lines.
  const onCommit: CommitListener = (committed) => {
    const committedAt = Date.now();
    setImmediate(() => apply(committed.digests(), committedAt));
  };

  const seed = async (warehouse: Warehouse): Promise<void> => {
    seeding = true;
    try {
      // Only the columns the state reads (DuckDB then skips the rest of the model), streamed a chunk at a time, so
      // that a large warehouse never sits in memory whole and the server keeps answering between chunks.
      const sql = `${BIGQUERY_SESSION_SETUP};\nSELECT ${SEED_COLUMNS.join(', ')} FROM (\n${modelSql('sessions', { dataset: warehouse.dataset })}\n) AS sessions`;
      const stream = await warehouse.stream(sql);
      const names = stream.columns.map((c) => c.name);
      const seeded = new Map<string, number>();
      for await (const chunk of stream.chunks) {
        for (const values of chunk) {
          const row: Record<string, JsonValue> = {};
          names.forEach((name, i) => (row[name] = values[i] ?? null));
          const s = state.seedSession(row);
          if (s) seeded.set(s.key, s.end);
        }
      }
      // Events committed while the seed query ran may be in its result already: drop those the seed has covered.
      held = held.map(({ digests, committedAt }) => ({
        committedAt,
        digests: digests.filter((d) => {
          const end = seeded.get(`${d.client}.${d.session}`);
          return end === undefined || d.t > end;
        }),
      }));
    } finally {
      seeding = false;
      state.seeded = true;
    }
    const waiting = held;
    held = [];
    for (const h of waiting) apply(h.digests, h.committedAt);
    snapshotText = lightText = null;
    hub.markDirty();
  };

  const post = async (req: IncomingMessage, res: ServerResponse, url: URL, rest: string): Promise<void> => {
    const body = await readJson(req);
    try {
      switch (rest) {
        case 'segments': {
          const rule = body.rule === undefined || body.rule === null ? null : parseVisitorFilter(new URLSearchParams(text(body.rule, 'rule')));
          const ids = Array.isArray(body.clientIds) ? body.clientIds.map((c, i) => text(c, `clientIds[${i}]`)) : null;
          sendJson(res, 201, { segment: targeting.saveSegment(text(body.name, 'name'), rule, ids) });
          return;
        }
        case 'offers': {
          const kind = text(body.kind, 'kind');
          if (!(OFFER_KINDS as readonly string[]).includes(kind)) throw new BadRequest(`kind must be one of ${OFFER_KINDS.join(', ')}`);
          const holdoutShare = optionalNumber(body.holdoutShare, 'holdoutShare');
          const seed = optionalNumber(body.seed, 'seed');
          const offer = targeting.createOffer({
            segmentId: text(body.segmentId, 'segmentId'),
            kind: kind as OfferKind,
            headline: text(body.headline, 'headline'),
            code: body.code === undefined || body.code === null ? null : text(body.code, 'code'),
            itemId: text(body.itemId, 'itemId'),
            ...(holdoutShare !== undefined ? { holdoutShare } : {}),
            ...(seed !== undefined ? { seed } : {}),
          });
          sendJson(res, 201, { offer });
          return;
        }
        case 'offers/push':
          sendJson(res, 200, { offer: targeting.push(text(body.id, 'id')) });
          return;
        default:
          sendJson(res, 404, { error: `not found: ${url.pathname}` });
      }
    } catch (error) {
      if (error instanceof Error && !(error instanceof BadRequest) && /must|needs|no segment|no offer|has no|is gone/.test(error.message)) throw new BadRequest(error.message);
      throw error;
    }
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL, rest: string): Promise<void> => {
    if (req.method === 'POST') {
      await post(req, res, url, rest);
      return;
    }
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: `use GET or POST for ${url.pathname}` });
      return;
    }
    switch (rest) {
      case 'segments':
        sendJson(res, 200, { segments: targeting.listSegments() });
        return;
      case 'offers':
        sendJson(res, 200, { offers: targeting.report() });
        return;
      case 'snapshot':
        sendJson(res, 200, state.snapshot());
        return;
      case 'stream':
        hub.open(req, res);
        return;
      case 'visitors':
        sendJson(res, 200, { now: state.now, visitors: listVisitors(state, parseVisitorFilter(url.searchParams)) });
        return;
      case 'visitor': {
        const s = state.session(url.searchParams.get('key') ?? '');
        if (!s) {
          sendJson(res, 404, { error: 'no such visitor' });
          return;
        }
        sendJson(res, 200, { ...state.visitorRow(s), pages: s.pages });
        return;
      }
      case 'similar': {
        const min = Number(url.searchParams.get('min') ?? '0.5');
        if (!Number.isFinite(min) || min < 0 || min > 1) throw new BadRequest('min must be a number from 0 to 1');
        const rows = similarVisitors(state, url.searchParams.get('key') ?? '', min);
        if (!rows) {
          sendJson(res, 404, { error: 'no such visitor' });
          return;
        }
        sendJson(res, 200, { visitors: rows });
        return;
      }
      case 'retarget':
        sendJson(res, 200, { sessions: retargetList(state) });
        return;
      case 'rfm':
        sendJson(res, 200, { segments: rfmSegments(state) });
        return;
      default:
        sendJson(res, 404, { error: `not found: ${url.pathname}` });
    }
  };

  const page: DashboardRoute = {
    prefix: base,
    async handle(req, res, url) {
      try {
        const rest = url.pathname.slice(base.length);
        if (rest === '' || rest === '/') {
          if (rest === '') {
            res.writeHead(308, { location: `${base}/` });
            res.end();
            return;
          }
          sendText(res, 'text/html', await clientFile('index.html'));
        } else if (rest === '/app.js') {
          sendText(res, 'text/javascript', await clientBundle('main'));
        } else if (rest === '/dashboard.css') {
          sendText(res, 'text/css', await clientFile('dashboard.css'));
        } else if (rest.startsWith('/api/')) {
          await api(req, res, url, rest.slice('/api/'.length));
        } else {
          sendJson(res, 404, { error: `not found: ${url.pathname}` });
        }
      } catch (error) {
        if (res.headersSent) {
          res.destroy();
        } else if (error instanceof BadRequest || (error instanceof Error && /must be/.test(error.message))) {
          sendJson(res, 400, { error: error.message });
        } else {
          log(`dashboard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          sendJson(res, 500, { error: 'internal error; see the server log' });
        }
      }
    },
  };

  const signIn: DashboardRoute = {
    prefix: SIGN_IN_PATH,
    async handle(req, res, url) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, 405, { error: 'use GET for the sign-in page' });
        return;
      }
      if (url.pathname === `${SIGN_IN_PATH}/sign-in.js`) sendText(res, 'text/javascript', await clientBundle('sign-in'));
      else if (url.pathname === `${SIGN_IN_PATH}/dashboard.css`) sendText(res, 'text/css', await clientFile('dashboard.css'));
      else if (url.pathname === `${SIGN_IN_PATH}/` || url.pathname === SIGN_IN_PATH) sendText(res, 'text/html', await clientFile('sign-in.html'));
      else sendJson(res, 404, { error: `not found: ${url.pathname}` });
    },
  };

  // The store's face: the offers of the page's own client id, read from its _ga cookie (never from a parameter, so
  // that no page can ask for another client's offers).
  const storeOffers: DashboardRoute = {
    prefix: '/api/offers',
    handle(req, res, url) {
      if (url.pathname !== '/api/offers') {
        sendJson(res, 404, { error: `not found: ${url.pathname}` });
        return;
      }
      if (req.method !== 'GET') {
        sendJson(res, 405, { error: 'use GET for /api/offers' });
        return;
      }
      const clientId = clientIdFromCookie(req.headers.cookie);
      const text = JSON.stringify({ offers: clientId === null ? [] : targeting.storeOffers(clientId) });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'private, no-store', vary: 'Cookie', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
    },
  };

  return {
    privateRoutes: [page],
    storeRoutes: [signIn, storeOffers],
    targeting,
    onCommit,
    seed,
    state,
    hub,
    close() {
      hub.close();
    },
  };
}
