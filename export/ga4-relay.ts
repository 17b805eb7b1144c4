/**
 * The GA4 relay: every event the collector commits, sent on to a GA4 property through Google's Measurement
 * Protocol. It hangs off the server's commit listeners (warehouse/committed-rows.ts: `CommitListener`; it reads each
 * committed export row as its JSON line), so it never sits on the ingest path: a commit hands it the rows and returns; the relay
 * rebuilds Measurement Protocol requests from them (client_id = user_pseudo_id, timestamp_micros, the params
 * with session_id and engagement_time_msec, items), queues them (bounded), and sends batches of ≤ 25 events with
 * retries and jittered backoff. Local storage never depends on it.
 *
 * What it does not send, counted and logged, never silently:
 * - events older than GA4's 72-hour window (Google would drop them): `tooOld`;
 * - event names the Measurement Protocol reserves (session_start, first_visit, user_engagement: GA4 derives
 *   them itself from the events it receives): `reserved`;
 * - events that find the queue full: `queueFull`; and requests Google refuses for good (4xx): `failed`.
 */
import type { ExportItem, ExportParam, ExportRow } from '../warehouse/export-row';
import type { CommitListener } from '../warehouse/committed-rows';
import {
  isReservedEventName,
  MP_LIMITS,
  RESERVED_PARAM_PREFIXES,
  SESSION_PARAMS,
  type MpEvent,
  type MpItem,
  type MpParamValue,
  type MpRequest,
} from '../ga4/measurement-protocol';

export const GA4_ENDPOINT = 'https://www.google-analytics.com';
const HOUR_MICROS = 3_600_000_000;

export interface Ga4RelayOptions {
  /** The web stream's measurement id, `G-XXXXXXX`. */
  measurementId: string;
  /** The stream's Measurement Protocol API secret. */
  apiSecret: string;
  /** Base URL of the collect endpoint. Default Google's (`https://www.google-analytics.com`); a stand-in's in tests. */
  endpoint?: string;
  /** Events held at most, waiting to be sent; beyond it new events are counted in `queueFull`. Default 100,000. */
  maxQueuedEvents?: number;
  /** Attempts per request on network errors, 429 and 5xx before it is counted as failed. Default 8. */
  maxAttempts?: number;
  /** First retry delay, doubled per attempt with jitter, capped at 30 s. Default 500 ms. */
  retryBaseMs?: number;
  /** Requests in flight at once. Default 2. */
  concurrency?: number;
  /** Clock in ms (tests). Default Date.now. */
  now?: () => number;
  /** Where the relay reports what it refused or could not deliver. Default console.warn. */
  log?: (message: string) => void;
}

export interface Ga4RelayStats {
  /** Events handed to the relay by commits. */
  received: number;
  /** Events Google (or the stand-in) answered 2xx for. */
  sent: number;
  /** Requests sent (including retries). */
  requests: number;
  retries: number;
  tooOld: number;
  reserved: number;
  queueFull: number;
  /** Events in requests that failed for good (a 4xx, or every attempt failed). */
  failed: number;
  /** Lines that were not export rows (a bug upstream; logged). */
  unreadable: number;
  /** Events waiting. */
  queued: number;
}

interface PendingRequest {
  body: MpRequest;
  attempts: number;
}

/** A param value as the Measurement Protocol takes it, from the export's typed value. */
function paramValue(param: ExportParam): string | number | null {
  const v = param.value;
  return v.string_value ?? v.int_value ?? v.double_value ?? v.float_value ?? null;
}

const WIRE_NAMES: Readonly<Record<string, string>> = {
  ga_session_id: SESSION_PARAMS.sessionId,
  ga_session_number: SESSION_PARAMS.sessionNumber,
};

const ITEM_FIELDS = [
  'item_id', 'item_name', 'item_brand', 'item_variant', 'item_category', 'item_category2', 'item_category3', 'item_category4',
  'item_category5', 'price', 'quantity', 'coupon', 'affiliation', 'location_id', 'item_list_id', 'item_list_name',
  'promotion_id', 'promotion_name', 'creative_name', 'creative_slot',
] as const satisfies readonly (keyof ExportItem)[];

function mpItem(item: ExportItem): MpItem {
  const out: MpItem = {};
  for (const field of ITEM_FIELDS) {
    const value = item[field];
    if (value !== null) out[field] = value;
  }
  if (item.item_list_index !== null && /^\d+$/.test(item.item_list_index)) out.index = Number(item.item_list_index);
  let custom = 0;
  for (const p of item.item_params) {
    const value = paramValue(p);
    if (value === null || (p.key !== 'discount' && custom++ >= MP_LIMITS.customItemParams)) continue;
    out[p.key] = value;
  }
  return out;
}

/** One export row as the Measurement Protocol event that would have produced it (what GA4's tag sends). */
export function mpEventOf(row: ExportRow): MpEvent {
  const params: Record<string, MpParamValue> = {};
  let count = 0;
  for (const p of row.event_params) {
    const name = WIRE_NAMES[p.key] ?? p.key;
    const value = paramValue(p);
    if (value === null || RESERVED_PARAM_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    if (count++ >= MP_LIMITS.paramsPerEvent - 1) break;
    params[name] = value;
  }
  // Realtime reports count an event only with an engagement time; GA4's tag always sends one.
  params[SESSION_PARAMS.engagementTime] ??= 1;
  if (row.items.length > 0) params.items = row.items.slice(0, 200).map(mpItem);
  return { name: row.event_name, params, timestamp_micros: row.event_timestamp };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export class Ga4Relay {
  private readonly endpoint: string;
  private readonly maxQueued: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly concurrency: number;
  private readonly now: () => number;
  private readonly log: (message: string) => void;
  private readonly queue: PendingRequest[] = [];
  private queuedEvents = 0;
  private inFlight = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly counts = { received: 0, sent: 0, requests: 0, retries: 0, tooOld: 0, reserved: 0, queueFull: 0, failed: 0, unreadable: 0 };

  /** The commit listener to give the server (`onCommit`); returns at once. */
  readonly onCommit: CommitListener = (committed) => this.accept(committed.lines());

  constructor(private readonly options: Ga4RelayOptions) {
    if (!/^G-[A-Z0-9]{4,20}$/.test(options.measurementId)) throw new Error(`--forward-ga4 "${options.measurementId}" is not a GA4 measurement id (G-XXXXXXXX)`);
    if (options.apiSecret.trim() === '') throw new Error('--api-secret is empty (create one under Admin > Data streams > Measurement Protocol API secrets)');
    this.endpoint = (options.endpoint ?? GA4_ENDPOINT).replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.endpoint)) throw new Error(`--ga4-endpoint "${options.endpoint}" is not an http(s) URL`);
    this.maxQueued = options.maxQueuedEvents ?? 100_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.concurrency = options.concurrency ?? 2;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((m) => console.warn(m));
  }

  stats(): Ga4RelayStats {
    return { ...this.counts, queued: this.queuedEvents };
  }

  private accept(lines: readonly string[]): void {
    if (this.closed) return;
    const oldest = this.now() * 1000 - MP_LIMITS.maxPastHours * HOUR_MICROS;
    const byClient = new Map<string, { userId: string | null; events: MpEvent[] }>();
    let tooOld = 0;
    let reserved = 0;
    let unreadable = 0;
    for (const line of lines) {
      this.counts.received++;
      let row: ExportRow;
      try {
        row = JSON.parse(line) as ExportRow;
      } catch {
        unreadable++;
        continue;
      }
      if (typeof row.user_pseudo_id !== 'string' || typeof row.event_name !== 'string' || typeof row.event_timestamp !== 'number') {
        unreadable++;
        continue;
      }
      if (row.event_timestamp < oldest) {
        tooOld++;
        continue;
      }
      if (isReservedEventName(row.event_name)) {
        reserved++;
        continue;
      }
      // An absent field means NULL (contract.md); fill the arrays the conversion walks.
      const full = { ...row, event_params: row.event_params ?? [], items: row.items ?? [] };
      const key = `${row.user_pseudo_id}\u0000${row.user_id ?? ''}`;
      let group = byClient.get(key);
      if (!group) byClient.set(key, (group = { userId: row.user_id ?? null, events: [] }));
      group.events.push(mpEventOf(full));
    }
    this.counts.tooOld += tooOld;
    this.counts.reserved += reserved;
    this.counts.unreadable += unreadable;
    if (tooOld > 0) this.log(`ga4 relay: refused ${tooOld} event(s) older than ${MP_LIMITS.maxPastHours} hours (GA4 drops them); ${this.counts.tooOld} so far`);
    if (unreadable > 0) this.log(`ga4 relay: ${unreadable} committed line(s) were not export rows; not sent`);
    let full = 0;
    for (const [key, group] of byClient) {
      const clientId = key.slice(0, key.indexOf('\u0000'));
      for (let i = 0; i < group.events.length; i += MP_LIMITS.eventsPerRequest) {
        const events = group.events.slice(i, i + MP_LIMITS.eventsPerRequest);
        if (this.queuedEvents + events.length > this.maxQueued) {
          full += events.length;
          continue;
        }
        this.queue.push({ body: { client_id: clientId, ...(group.userId ? { user_id: group.userId } : {}), events }, attempts: 0 });
        this.queuedEvents += events.length;
      }
    }
    if (full > 0) {
      this.counts.queueFull += full;
      this.log(`ga4 relay: queue full (${this.maxQueued} events waiting); ${full} event(s) not relayed, ${this.counts.queueFull} so far`);
    }
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const request = this.queue.shift();
      if (!request) break;
      this.inFlight++;
      void this.deliver(request).finally(() => {
        this.inFlight--;
        this.queuedEvents -= request.body.events.length;
        this.pump();
        if (this.inFlight === 0 && this.queue.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
    }
  }

  private async deliver(request: PendingRequest): Promise<void> {
    const url = `${this.endpoint}/mp/collect?measurement_id=${encodeURIComponent(this.options.measurementId)}&api_secret=${encodeURIComponent(this.options.apiSecret)}`;
    const events = request.body.events.length;
    for (;;) {
      // Checked again at send time: a request that waited through retries may have aged past the window.
      const oldest = this.now() * 1000 - MP_LIMITS.maxPastHours * HOUR_MICROS;
      const fresh = request.body.events.filter((e) => (e.timestamp_micros ?? Infinity) >= oldest);
      if (fresh.length < request.body.events.length) {
        const aged = request.body.events.length - fresh.length;
        this.counts.tooOld += aged;
        this.log(`ga4 relay: ${aged} queued event(s) passed the ${MP_LIMITS.maxPastHours}-hour window before they could be sent; not sent`);
        request.body = { ...request.body, events: fresh };
        if (fresh.length === 0) return;
      }
      request.attempts++;
      this.counts.requests++;
      let status = 0;
      let problem = '';
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request.body), signal: AbortSignal.timeout(30_000) });
        status = res.status;
        problem = res.ok ? '' : (await res.text()).slice(0, 200);
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      if (status >= 200 && status < 300) {
        this.counts.sent += request.body.events.length;
        return;
      }
      const retryable = status === 0 || status === 429 || status >= 500;
      if (!retryable || request.attempts >= this.maxAttempts || this.closed) {
        this.counts.failed += request.body.events.length;
        this.log(`ga4 relay: ${events} event(s) not delivered (${status ? `HTTP ${status}` : 'network error'}: ${problem.replace(/\s+/g, ' ')}) after ${request.attempts} attempt(s)`);
        return;
      }
      this.counts.retries++;
      const backoff = Math.min(30_000, this.retryBaseMs * 2 ** (request.attempts - 1));
      await sleep(backoff / 2 + Math.random() * (backoff / 2));
    }
  }

  /** Resolves once everything queued so far has been sent or given up on. */
  flush(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Sends what is queued (no new events are taken), then stops. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
