/**
 * Load for the collector's benches: realistic 25-event /mp/collect bodies, each with its own client and
 * timestamps (so every dedupe id is new), sent by autocannon over loopback.
 */
import autocannon from 'autocannon';

export const EVENTS_PER_REQUEST = 25;

const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** A realistic 25-event body: page views, item views and an add_to_cart with items, as the local tag sends them. */
function bodyTemplate(): string[] {
  const events = Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => {
    const name = i % 5 === 0 ? 'page_view' : i % 5 === 4 ? 'add_to_cart' : 'view_item';
    const items = name === 'page_view' ? undefined : [{ item_id: `SKU-${i}`, item_name: `Mug ${i}`, item_category: 'Kitchen', price: 12.5, quantity: 1 }];
    return { name, timestamp_micros: -(i + 1), params: { session_id: 1_709_294_000, session_number: 1, engagement_time_msec: 100, page_location: `https://shop.example/p/${i}?utm_source=bench`, page_title: 'ShopLab', language: 'en-us', ...(items ? { currency: 'USD', value: 12.5, items } : {}) } };
  });
  // Placeholders (-1 … -25 and the client id) are cut out once, so each request costs one join.
  const text = JSON.stringify({ client_id: '@CLIENT@', events });
  return text.split(/"@CLIENT@"|-(\d+)(?=,"params")/);
}

/** Makes bodies whose clients and timestamps never repeat (within one process). */
export function bodyMaker(prefix = 'bench'): () => string {
  const parts = bodyTemplate();
  const base = Date.now() * 1000;
  let counter = 0;
  return () => {
    const n = counter++;
    let out = '';
    parts.forEach((part, i) => {
      if (i % 2 === 0) out += part;
      else out += part === undefined ? `"${prefix}.${n}"` : String(base + n * EVENTS_PER_REQUEST + Number(part));
    });
    return out;
  };
}

export interface LoadResult {
  result: autocannon.Result;
  /** Real seconds the load ran. */
  seconds: number;
  /** Events answered 2xx. */
  acknowledged: number;
}

/** Drives `collectUrl` (a full /mp/collect URL with its credentials) for `seconds` with `connections` in flight. */
export async function driveIngest(collectUrl: string, seconds: number, connections: number, makeBody: () => string): Promise<LoadResult> {
  const started = performance.now();
  const result = await autocannon({
    url: collectUrl,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
    requests: [{ setupRequest: (req) => ({ ...req, body: makeBody() }) }],
  });
  return { result, seconds: (performance.now() - started) / 1000, acknowledged: result['2xx'] * EVENTS_PER_REQUEST };
}
