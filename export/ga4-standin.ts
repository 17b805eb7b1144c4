/**
 * A local stand-in for the two Google endpoints the GA4 relay and `shoplab verify ga4` talk to, so that both run
 * against real HTTP with the official clients and no Google: the Measurement Protocol's `/mp/collect`, which it
 * checks the way GA4 documents its limits (and records every breach, so a test can fail on it), and the GA4
 * Data API's `runReport` / `runRealtimeReport` as `@google-analytics/data` calls them over its REST fallback
 * (`?$alt=json;enum-encoding=int`, int64 as strings, enums as numbers). It counts what it received, by event
 * name and day (UTC, the property's time zone here) and by minute of receipt, and can drop a share of the
 * events it accepts, as a property losing data would.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isReservedEventName, MP_LIMITS, RESERVED_PARAM_PREFIXES, SESSION_PARAMS, type MpRequest } from '../ga4/measurement-protocol';

export interface Ga4StandinOptions {
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** The only measurement id and API secret `/mp/collect` accepts. */
  measurementId: string;
  apiSecret: string;
  /** The only property id the Data API answers for. */
  propertyId: string;
  /** Share of accepted events silently not counted (0..1), deterministic: every k-th event. Default 0. */
  dropFraction?: number;
  /** Clock in ms. Default Date.now. */
  now?: () => number;
}

interface Stored {
  name: string;
  /** YYYYMMDD of the event's own time. */
  date: string;
  receivedAtMs: number;
  runId: string | null;
}

export interface Ga4Standin {
  url: string;
  /** `host:port`, as `verify ga4 --api-endpoint` takes it. */
  apiEndpoint: string;
  /** Everything the clients sent that Google's documented shape does not allow (empty when all was well). */
  problems: string[];
  /** Requests and events received at /mp/collect, and events dropped on purpose. */
  stats(): { requests: number; events: number; dropped: number; reports: number };
  close(): Promise<void>;
}

const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) parts.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function apiError(res: ServerResponse, code: number, status: string, message: string): void {
  json(res, code, { error: { code, message, status } });
}

/** What is wrong with a Measurement Protocol body, per Google's documented limits (empty = nothing). */
export function mpProblems(body: unknown, nowMs: number): string[] {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null) return ['body is not a JSON object'];
  const req = body as Partial<MpRequest>;
  if (typeof req.client_id !== 'string' || req.client_id === '') problems.push('client_id is required (web stream)');
  if (!Array.isArray(req.events) || req.events.length === 0) return [...problems, 'events must be a non-empty array'];
  if (req.events.length > MP_LIMITS.eventsPerRequest) problems.push(`${req.events.length} events in one request (at most ${MP_LIMITS.eventsPerRequest})`);
  const oldest = (nowMs - MP_LIMITS.maxPastHours * 3_600_000) * 1000;
  req.events.forEach((event, i) => {
    const at = `events[${i}]`;
    if (typeof event.name !== 'string' || !EVENT_NAME.test(event.name)) problems.push(`${at}.name ${JSON.stringify(event.name)} is not a valid event name`);
    else if (isReservedEventName(event.name)) problems.push(`${at}.name ${event.name} is reserved`);
    const params = event.params ?? {};
    const names = Object.keys(params);
    if (names.length > MP_LIMITS.paramsPerEvent) problems.push(`${at} has ${names.length} params (at most ${MP_LIMITS.paramsPerEvent})`);
    for (const name of names) {
      if (name.length > MP_LIMITS.paramNameLength || RESERVED_PARAM_PREFIXES.some((p) => name.startsWith(p))) problems.push(`${at}.params.${name} is not an allowed param name`);
    }
    if (!(SESSION_PARAMS.sessionId in params)) problems.push(`${at}.params.session_id is missing (Realtime needs it)`);
    if (!(SESSION_PARAMS.engagementTime in params)) problems.push(`${at}.params.engagement_time_msec is missing (Realtime needs it)`);
    const items = params.items;
    if (items !== undefined && (!Array.isArray(items) || items.length > 200)) problems.push(`${at}.params.items must be an array of at most 200`);
    const ts = event.timestamp_micros ?? req.timestamp_micros;
    if (ts !== undefined && (!Number.isSafeInteger(ts) || ts < oldest)) problems.push(`${at}.timestamp_micros ${ts} is outside the last ${MP_LIMITS.maxPastHours} hours`);
  });
  return problems;
}

function dayOf(micros: number): string {
  return new Date(micros / 1000).toISOString().slice(0, 10).replaceAll('-', '');
}

/** GA4's date forms: YYYY-MM-DD, `today`, `yesterday`, `NdaysAgo` → YYYYMMDD. */
function reportDay(value: unknown, nowMs: number): string | null {
  if (typeof value !== 'string') return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value.replaceAll('-', '');
  const ago = value === 'today' ? 0 : value === 'yesterday' ? 1 : /^(\d+)daysAgo$/.exec(value)?.[1];
  if (ago === undefined || ago === null) return null;
  return dayOf((nowMs - Number(ago) * 86_400_000) * 1000);
}

interface ReportRequest {
  dimensions?: { name?: string }[];
  metrics?: { name?: string }[];
  dateRanges?: { startDate?: string; endDate?: string }[];
  minuteRanges?: { startMinutesAgo?: number; endMinutesAgo?: number }[];
  dimensionFilter?: { filter?: { fieldName?: string; stringFilter?: { value?: string; matchType?: number } } };
  limit?: string;
}

export async function startGa4Standin(options: Ga4StandinOptions): Promise<Ga4Standin> {
  const now = options.now ?? Date.now;
  const drop = options.dropFraction ?? 0;
  if (!(drop >= 0 && drop <= 1)) throw new Error(`dropFraction must be within 0..1, got ${drop}`);
  const stored: Stored[] = [];
  const problems: string[] = [];
  const counts = { requests: 0, events: 0, dropped: 0, reports: 0 };
  let accepted = 0;

  async function collect(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    counts.requests++;
    if (req.method !== 'POST') return void res.writeHead(405).end();
    if (url.searchParams.get('measurement_id') !== options.measurementId || url.searchParams.get('api_secret') !== options.apiSecret) {
      problems.push(`/mp/collect with measurement_id=${url.searchParams.get('measurement_id')} and a wrong or missing api_secret`);
      // Google answers 2xx and drops such hits; the stand-in records the problem instead.
      return void res.writeHead(204).end();
    }
    const raw = await readBody(req, MP_LIMITS.bodyBytes);
    if (raw === null) {
      problems.push(`a request body over ${MP_LIMITS.bodyBytes} bytes`);
      return void res.writeHead(204).end();
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      problems.push('a request body that is not JSON');
      return void res.writeHead(204).end();
    }
    const found = mpProblems(body, now());
    if (found.length > 0) {
      problems.push(...found);
      return void res.writeHead(204).end();
    }
    const request = body as MpRequest;
    const receivedAtMs = now();
    for (const event of request.events) {
      counts.events++;
      accepted++;
      // Every k-th event is lost, so that a fraction f drops exactly floor(n·f) of n events.
      if (drop > 0 && Math.floor(accepted * drop) > Math.floor((accepted - 1) * drop)) {
        counts.dropped++;
        continue;
      }
      const micros = event.timestamp_micros ?? request.timestamp_micros ?? receivedAtMs * 1000;
      const runId = event.params?.[SESSION_PARAMS.runId];
      stored.push({ name: event.name, date: dayOf(micros), receivedAtMs, runId: typeof runId === 'string' ? runId : null });
    }
    res.writeHead(204).end();
  }

  function matchesFilter(row: Stored, body: ReportRequest): boolean | string {
    const filter = body.dimensionFilter?.filter;
    if (!filter) return true;
    if (filter.fieldName !== `customEvent:${SESSION_PARAMS.runId}` || typeof filter.stringFilter?.value !== 'string') {
      return `the stand-in filters only on customEvent:${SESSION_PARAMS.runId} with a stringFilter`;
    }
    return row.runId === filter.stringFilter.value;
  }

  async function report(req: IncomingMessage, res: ServerResponse, url: URL, property: string, method: string): Promise<void> {
    counts.reports++;
    if (url.searchParams.get('$alt') !== 'json;enum-encoding=int') {
      problems.push(`${method} without $alt=json;enum-encoding=int (got ${url.search})`);
      return apiError(res, 400, 'INVALID_ARGUMENT', 'the REST fallback must ask for $alt=json;enum-encoding=int');
    }
    if (property !== options.propertyId) return apiError(res, 403, 'PERMISSION_DENIED', `User does not have sufficient permissions for this property (properties/${property}).`);
    const raw = await readBody(req, 1 << 20);
    let body: ReportRequest;
    try {
      body = JSON.parse(raw?.toString('utf8') ?? '') as ReportRequest;
    } catch {
      return apiError(res, 400, 'INVALID_ARGUMENT', 'body is not JSON');
    }
    const dims = (body.dimensions ?? []).map((d) => d.name ?? '');
    const metrics = (body.metrics ?? []).map((m) => m.name ?? '');
    const allowedDims = method === 'runReport' ? ['eventName', 'date'] : ['eventName'];
    const badDim = dims.find((d) => !allowedDims.includes(d));
    if (badDim !== undefined) return apiError(res, 400, 'INVALID_ARGUMENT', `Field ${badDim} is not a valid dimension (the stand-in knows ${allowedDims.join(', ')}).`);
    if (metrics.length !== 1 || metrics[0] !== 'eventCount') return apiError(res, 400, 'INVALID_ARGUMENT', 'the stand-in answers metric eventCount only');
    if (body.limit !== undefined && typeof body.limit !== 'string') problems.push(`${method}: limit is int64 and must travel as a string, got ${typeof body.limit}`);
    let keep: (row: Stored) => boolean;
    const nowMs = now();
    if (method === 'runReport') {
      const range = body.dateRanges?.[0];
      const from = reportDay(range?.startDate, nowMs);
      const to = reportDay(range?.endDate, nowMs);
      if (!from || !to || body.dateRanges?.length !== 1) return apiError(res, 400, 'INVALID_ARGUMENT', 'one dateRange with startDate and endDate is required');
      keep = (r) => r.date >= from && r.date <= to;
    } else {
      const range = body.minuteRanges?.[0] ?? { startMinutesAgo: 29, endMinutesAgo: 0 };
      const start = range.startMinutesAgo ?? 29;
      const end = range.endMinutesAgo ?? 0;
      if (start > 29 || end < 0 || end > start) return apiError(res, 400, 'INVALID_ARGUMENT', 'minuteRanges must lie within the last 30 minutes (startMinutesAgo ≤ 29)');
      keep = (r) => {
        const ago = Math.floor((nowMs - r.receivedAtMs) / 60_000);
        return ago <= start && ago >= end;
      };
    }
    const groups = new Map<string, { values: string[]; n: number }>();
    for (const row of stored) {
      const match = matchesFilter(row, body);
      if (typeof match === 'string') return apiError(res, 400, 'INVALID_ARGUMENT', match);
      if (!match || !keep(row)) continue;
      const values = dims.map((d) => (d === 'date' ? row.date : row.name));
      const key = values.join('\u0000');
      const g = groups.get(key) ?? { values, n: 0 };
      g.n++;
      groups.set(key, g);
    }
    const rows = [...groups.values()].sort((a, b) => b.n - a.n).map((g) => ({ dimensionValues: g.values.map((value) => ({ value })), metricValues: [{ value: String(g.n) }] }));
    json(res, 200, {
      dimensionHeaders: dims.map((name) => ({ name })),
      // MetricType TYPE_INTEGER = 1 (enums travel as numbers with enum-encoding=int).
      metricHeaders: [{ name: 'eventCount', type: 1 }],
      rows,
      rowCount: rows.length,
      metadata: { currencyCode: 'USD', timeZone: 'Etc/UTC' },
      kind: method === 'runReport' ? 'analyticsData#runReport' : 'analyticsData#runRealtimeReport',
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const route = /^\/v1beta\/properties\/([^/:]+):(runReport|runRealtimeReport)$/.exec(url.pathname);
    const work =
      url.pathname === '/mp/collect'
        ? collect(req, res, url)
        : route && req.method === 'POST'
          ? report(req, res, url, route[1] ?? '', route[2] ?? '')
          : Promise.resolve(apiError(res, 404, 'NOT_FOUND', `no such path in the GA4 stand-in: ${req.method} ${url.pathname}`));
    work.catch((error: unknown) => {
      problems.push(`stand-in failure: ${String(error)}`);
      if (!res.headersSent) apiError(res, 500, 'INTERNAL', String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    apiEndpoint: `${address}:${port}`,
    problems,
    stats: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
