/**
 * A bounded queue of Measurement Protocol events behind one interface: batches by count (25, the MP limit) and
 * bytes (under the 130 kB body limit), sends one request at a time so hits arrive in order, retries network
 * errors, 5xx, 408 and 429 with jittered exponential backoff (honouring Retry-After), and drops a batch only
 * after success or a permanent failure — reporting every drop to onError.
 */
import type { MpEvent, MpRequest, MpUserLocation, MpUserProperty } from '../ga4/measurement-protocol';
import { MP_LIMITS } from '../ga4/measurement-protocol';

export interface TransportOptions {
  endpoint: string;
  measurementId: string;
  apiSecret: string;
  /** Injected for tests. Default: the global fetch. */
  fetchImpl?: typeof fetch;
  sendBeacon?: (url: string, body: string) => boolean;
  /** Most events kept waiting; the oldest is dropped (and reported) beyond it. Default 1000. */
  maxQueue?: number;
  /** First retry delay in ms; doubles each attempt, with jitter. Default 250. */
  retryBaseMs?: number;
  /** Attempts before a batch counts as permanently failed. Default 8. */
  maxAttempts?: number;
  setTimer: (fn: () => void, ms: number) => number;
  clearTimer: (id: number) => void;
  onError: (err: unknown) => void;
}

export interface Transport {
  /**
   * `location` goes out as the request's `user_location` and `userProperties` as its `user_properties`; events with
   * different ones go in different requests.
   */
  enqueue(clientId: string, userId: string | undefined, event: MpEvent, location?: MpUserLocation, userProperties?: Record<string, MpUserProperty>): void;
  size(): number;
  flush(): Promise<void>;
  /** Hands everything queued to sendBeacon (page is going away). */
  beacon(): void;
}

interface Queued {
  clientId: string;
  userId: string | undefined;
  event: MpEvent;
  location: MpUserLocation | undefined;
  userProperties: Record<string, MpUserProperty> | undefined;
  /** `location` and `userProperties` as JSON, to tell which events may share a request. */
  envelopeKey: string;
}

/** Leaves headroom under MP's 130 kB for the envelope. */
const MAX_BATCH_BYTES = 120 * 1024;

export class TransportError extends Error {
  constructor(message: string, readonly retryable: boolean, readonly retryAfterMs?: number) {
    super(message);
    this.name = 'TransportError';
  }
}

export function createTransport(opts: TransportOptions): Transport {
  const maxQueue = opts.maxQueue ?? 1000;
  const retryBaseMs = opts.retryBaseMs ?? 250;
  const maxAttempts = opts.maxAttempts ?? 8;
  const url = `${opts.endpoint}?measurement_id=${encodeURIComponent(opts.measurementId)}&api_secret=${encodeURIComponent(opts.apiSecret)}`;
  let queue: Queued[] = [];
  let running: Promise<void> | undefined;

  function takeBatch(): { body: string; count: number; taken: Set<Queued> } | undefined {
    const first = queue[0];
    if (!first) return undefined;
    const events: MpEvent[] = [];
    const taken = new Set<Queued>();
    let bytes = 64;
    for (const q of queue) {
      if (q.clientId !== first.clientId || q.userId !== first.userId || q.envelopeKey !== first.envelopeKey) break;
      const size = JSON.stringify(q.event).length + 1;
      if (events.length >= MP_LIMITS.eventsPerRequest || (events.length > 0 && bytes + size > MAX_BATCH_BYTES)) break;
      events.push(q.event);
      taken.add(q);
      bytes += size;
    }
    const req: MpRequest = { client_id: first.clientId, events };
    if (first.userId) req.user_id = first.userId;
    if (first.location) req.user_location = first.location;
    if (first.userProperties) req.user_properties = first.userProperties;
    return { body: JSON.stringify(req), count: events.length, taken };
  }

  async function post(body: string): Promise<void> {
    const f = opts.fetchImpl ?? globalThis.fetch.bind(globalThis);
    let res: Response;
    try {
      res = await f(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, keepalive: body.length < 60_000 });
    } catch (err) {
      throw new TransportError(`collector unreachable: ${String(err)}`, true);
    }
    if (res.ok) {
      // The collector answers 2xx as Google does even when it refuses events; it names them in these headers, so
      // a refused event is reported (never retried: resending the same payload cannot fix it).
      const rejected = Number(res.headers.get('x-shoplab-rejected') ?? 0);
      if (rejected > 0) {
        const reason = res.headers.get('x-shoplab-reject-reason');
        opts.onError(new Error(`collector refused ${rejected} GA4 event(s): ${reason ? decodeURIComponent(reason) : 'see its ingest.rejects table'}`));
      }
      return;
    }
    const retryAfter = Number(res.headers.get('retry-after'));
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    const text = await res.text().catch(() => '');
    throw new TransportError(
      `collector answered ${res.status}: ${text.slice(0, 200)}`,
      retryable,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    );
  }

  // Removes exactly the events a batch carried, even if the queue was trimmed while it was in flight.
  function settle(taken: Set<Queued>): void {
    queue = queue.filter((q) => !taken.has(q));
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => opts.setTimer(resolve, ms));
  }

  async function drain(): Promise<void> {
    let attempt = 0;
    for (let batch = takeBatch(); batch; batch = takeBatch()) {
      try {
        await post(batch.body);
        settle(batch.taken);
        attempt = 0;
      } catch (err) {
        attempt += 1;
        const retryable = err instanceof TransportError && err.retryable;
        if (!retryable || attempt >= maxAttempts) {
          settle(batch.taken);
          opts.onError(new Error(`dropped ${batch.count} GA4 events after ${attempt} attempt(s): ${String(err)}`));
          attempt = 0;
          continue;
        }
        const backoff = retryBaseMs * 2 ** (attempt - 1);
        const wait = err instanceof TransportError && err.retryAfterMs !== undefined ? err.retryAfterMs : backoff / 2 + Math.random() * backoff;
        await delay(wait);
      }
    }
  }

  function flush(): Promise<void> {
    running ??= drain().finally(() => {
      running = undefined;
    });
    // A push during a drain is picked up by that same drain, so one wait covers it.
    return running.then(() => (queue.length > 0 ? flush() : undefined));
  }

  return {
    enqueue(clientId, userId, event, location, userProperties) {
      const props = userProperties && Object.keys(userProperties).length > 0 ? userProperties : undefined;
      queue.push({ clientId, userId, event, location, userProperties: props, envelopeKey: JSON.stringify([location ?? null, props ?? null]) });
      if (queue.length > maxQueue) {
        const dropped = queue.splice(0, queue.length - maxQueue);
        opts.onError(new Error(`GA4 event queue full (${maxQueue}); dropped ${dropped.length} oldest event(s)`));
      }
    },
    size: () => queue.length,
    flush,
    beacon() {
      if (running) return; // a drain in flight keeps its own batch; keepalive fetches survive the page
      for (let batch = takeBatch(); batch; batch = takeBatch()) {
        const sent = opts.sendBeacon?.(url, batch.body) ?? false;
        if (!sent) void post(batch.body).catch((err: unknown) => opts.onError(err));
        settle(batch.taken);
      }
    },
  };
}
