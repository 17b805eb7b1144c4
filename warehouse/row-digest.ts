/**
 * The digest of an export row: the dozen values the live dashboard counts of each committed event. It is defined
 * here, beside rowLine, because the one who builds the row digests it: the collector's ingest worker thread holds
 * each row as an object, digests it there and hands the digests over beside the lines, packed as text (one JSON
 * tuple a row), so the collector's main thread, the ingest's bottleneck, neither splits nor scans the lines
 * (docs/dashboard.md, "Figures"). No DuckDB import, so a worker thread can use it.
 */
import type { ExportParam, ExportRow } from './export-row';

/** What the dashboard reads of one committed event. */
export interface EventDigest {
  client: string;
  session: number;
  sessionNumber: number | null;
  /** event_timestamp, µs. */
  t: number;
  name: string;
  device: string;
  region: string | null;
  engagementMs: number | null;
  /** page_location's path (page_view, view_item). */
  path: string | null;
  title: string | null;
  /** The first item, as an offer can feature it. */
  item: { id: string | null; name: string | null; price: number | null; category: string | null } | null;
  /** Names of the items of a purchase. */
  purchasedItems: string[];
  promotionId: string | null;
  revenue: number;
}

function param(params: readonly ExportParam[] | undefined, key: string): string | number | null {
  if (!params) return null;
  for (const p of params) {
    if (p.key !== key) continue;
    const v = p.value;
    return v.string_value ?? v.int_value ?? v.double_value ?? v.float_value ?? null;
  }
  return null;
}

/** The path of a page_location (an absolute URL, or already a path); null when it is neither. */
export function pathOf(location: string | null): string | null {
  if (location === null) return null;
  try {
    return new URL(location).pathname;
  } catch {
    return location.startsWith('/') ? location : null;
  }
}

/** The digest of one export row; null for rows GA4's reports leave out too (no client, session or time). */
export function digestRow(row: Partial<ExportRow>): EventDigest | null {
  const client = row.user_pseudo_id;
  const session = param(row.event_params, 'ga_session_id');
  const t = row.event_timestamp;
  if (!client || session === null || typeof t !== 'number') return null;
  const name = row.event_name ?? '';
  const sessionNumber = param(row.event_params, 'ga_session_number');
  const engagement = param(row.event_params, 'engagement_time_msec');
  const wantsPath = name === 'page_view' || name === 'view_item';
  const title = name === 'page_view' ? param(row.event_params, 'page_title') : null;
  const first = row.items?.[0];
  const promo = name === 'view_promotion' || name === 'select_promotion' ? (param(row.event_params, 'promotion_id') ?? first?.promotion_id ?? null) : null;
  return {
    client,
    session: Number(session),
    sessionNumber: typeof sessionNumber === 'number' ? sessionNumber : null,
    t,
    name,
    device: row.device?.category ?? '(not set)',
    region: row.geo?.region ?? null,
    engagementMs: typeof engagement === 'number' ? engagement : null,
    path: wantsPath ? pathOf(String(param(row.event_params, 'page_location') ?? '')) : null,
    title: title === null ? null : String(title),
    item: first ? { id: first.item_id ?? null, name: first.item_name ?? null, price: typeof first.price === 'number' ? first.price : null, category: first.item_category ?? null } : null,
    purchasedItems: name === 'purchase' ? (row.items ?? []).flatMap((it) => (it.item_name ? [it.item_name] : [])) : [],
    promotionId: promo === null ? null : String(promo),
    revenue: name === 'purchase' ? (row.ecommerce?.purchase_revenue ?? 0) : 0,
  };
}

/**
 * A digest as a JSON tuple, in EventDigest's field order (the item as a tuple of its own, or null): about a tenth of
 * the row's line. Rows without a digest (digestRow's null) pack as `null`, so the packed text keeps one line a row.
 */
type PackedDigest = [
  client: string,
  session: number | null,
  sessionNumber: number | null,
  t: number,
  name: string,
  device: string,
  region: string | null,
  engagementMs: number | null,
  path: string | null,
  title: string | null,
  item: [id: string | null, name: string | null, price: number | null, category: string | null] | null,
  purchasedItems: string[],
  promotionId: string | null,
  revenue: number,
];

/** One row's line of packed digest text (JSON never holds a raw newline, so lines join with `\n`). */
export function packDigest(d: EventDigest | null): string {
  if (d === null) return 'null';
  const it = d.item;
  const packed: PackedDigest = [
    d.client,
    // JSON has no NaN (a session id that is not a number): null stands for it and is read back as NaN.
    Number.isNaN(d.session) ? null : d.session,
    d.sessionNumber,
    d.t,
    d.name,
    d.device,
    d.region,
    d.engagementMs,
    d.path,
    d.title,
    it === null ? null : [it.id, it.name, it.price, it.category],
    d.purchasedItems,
    d.promotionId,
    d.revenue,
  ];
  return JSON.stringify(packed);
}

/** The digests of `\n`-joined packDigest lines, in order, rows without one left out. Throws on text it did not write. */
export function unpackDigests(text: string, out: EventDigest[] = []): EventDigest[] {
  if (text === '') return out;
  const packed = JSON.parse(`[${text.replaceAll('\n', ',')}]`) as (PackedDigest | null)[];
  for (const p of packed) {
    if (p === null) continue;
    const it = p[10];
    out.push({
      client: p[0],
      session: p[1] ?? NaN,
      sessionNumber: p[2],
      t: p[3],
      name: p[4],
      device: p[5],
      region: p[6],
      engagementMs: p[7],
      path: p[8],
      title: p[9],
      item: it === null ? null : { id: it[0], name: it[1], price: it[2], category: it[3] },
      purchasedItems: p[11],
      promotionId: p[12],
      revenue: p[13],
    });
  }
  return out;
}

/**
 * Digests of committed JSON lines, each parsed whole: for rows whose inserter handed over no digests (the insert
 * calls other than the collector's). Lines that are not JSON are skipped.
 */
export function digestLines(lines: readonly string[], out: EventDigest[] = []): EventDigest[] {
  for (const line of lines) {
    let row: Partial<ExportRow>;
    try {
      row = JSON.parse(line) as Partial<ExportRow>;
    } catch {
      continue;
    }
    const d = digestRow(row);
    if (d) out.push(d);
  }
  return out;
}
