/**
 * Reads an EventDigest straight out of a committed JSON line, without parsing the whole row. JSON.parse of a ~2 KB
 * export row (device, privacy, items with 26 fields each, …) to read a dozen values was most of what the dashboard
 * cost ingest (measured, docs/dashboard.md "Figures"). The lines are written by warehouse/row-line.ts: keys in
 * schema order, no whitespace, nulls left out. A key pattern such as `"event_name":"` cannot occur inside a string
 * value (JSON escapes a quote there as `\"`), so finding it finds the key. A line that does not look as expected is
 * parsed whole (`digestRow`), and a test holds the two readings equal on every row of the sample shop.
 */
import type { ExportParam, ExportRow } from '../warehouse/warehouse';

function param(params: readonly ExportParam[] | undefined, key: string): string | number | null {
  if (!params) return null;
  for (const p of params) {
    if (p.key !== key) continue;
    const v = p.value;
    return v.string_value ?? v.int_value ?? v.double_value ?? v.float_value ?? null;
  }
  return null;
}

export function pathOf(location: string | null): string | null {
  if (location === null) return null;
  try {
    return new URL(location).pathname;
  } catch {
    return location.startsWith('/') ? location : null;
  }
}

/**
 * What the state reads of one committed event: a few fields of its export row. Reading them out of the JSON line is
 * most of the cost of an event, so it is done apart (digestLine below reads it without parsing the whole row), and only
 * these small objects reach the state.
 */
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

/** Digests of committed JSON lines, each parsed whole (the reference `digestLine` is held to); unreadable lines are skipped. */
export function digestParsedLines(lines: readonly string[]): EventDigest[] {
  const out: EventDigest[] = [];
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

/** The string starting after the opening quote at `from`, and the index after its closing quote. */
function readString(line: string, from: number): [string, number] {
  const end = line.indexOf('"', from);
  if (end < 0) throw new Error('unterminated string');
  const raw = line.slice(from, end);
  if (!raw.includes('\\')) return [raw, end + 1];
  // Escapes: find the quote that no backslash escapes, then let JSON read the text.
  let at = from;
  for (;;) {
    const c = line.charCodeAt(at);
    if (Number.isNaN(c)) throw new Error('unterminated string');
    if (c === 92) at += 2;
    else if (c === 34) break;
    else at++;
  }
  return [JSON.parse(line.slice(from - 1, at + 1)) as string, at + 1];
}

function readNumber(line: string, from: number): number | null {
  let end = from;
  while (end < line.length) {
    const c = line.charCodeAt(end);
    if (c === 44 || c === 125 || c === 93) break; // , } ]
    end++;
  }
  const v = Number(line.slice(from, end));
  return end > from && Number.isFinite(v) ? v : null;
}

/** The string after key pattern `pattern` (ending with the value's opening quote) found in [from, to), else null. */
function stringAt(line: string, pattern: string, from = 0, to = line.length): string | null {
  const at = line.indexOf(pattern, from);
  if (at < 0 || at >= to) return null;
  return readString(line, at + pattern.length)[0];
}

function numberAt(line: string, pattern: string, from = 0, to = line.length): number | null {
  const at = line.indexOf(pattern, from);
  if (at < 0 || at >= to) return null;
  return readNumber(line, at + pattern.length);
}

/** An event parameter's value in [from, to): string, else int, else double, else float, as `param` reads it. */
function paramAt(line: string, key: string, from: number, to: number): string | number | null {
  const pattern = `{"key":${JSON.stringify(key)},"value":{`;
  const at = line.indexOf(pattern, from);
  if (at < 0 || at >= to) return null;
  let pos = at + pattern.length;
  let text: string | null = null;
  let int: number | null = null;
  let double: number | null = null;
  let float: number | null = null;
  // The value record holds string_value, int_value, float_value, double_value, each only when not null.
  while (line.charCodeAt(pos) === 34) {
    const [field, afterKey] = readString(line, pos + 1);
    pos = afterKey + 1; // past the colon
    if (line.charCodeAt(pos) === 34) {
      const [value, end] = readString(line, pos + 1);
      if (field === 'string_value') text = value;
      pos = end;
    } else {
      const value = readNumber(line, pos);
      if (field === 'int_value') int = value;
      else if (field === 'double_value') double = value;
      else if (field === 'float_value') float = value;
      while (pos < line.length && line.charCodeAt(pos) !== 44 && line.charCodeAt(pos) !== 125) pos++;
    }
    if (line.charCodeAt(pos) === 44) pos++;
  }
  return text ?? int ?? double ?? float;
}

const ITEM_FIELDS = ['"item_id":"', '"item_name":"', '"item_category":"', '"promotion_id":"'] as const;
const CLIENT_KEY = ',"user_pseudo_id":"';

/** The digest of one committed line (null for rows GA4's reports leave out), reading only what it needs. */
export function digestLine(line: string): EventDigest | null {
  const t = numberAt(line, '"event_timestamp":');
  const name = stringAt(line, '"event_name":"');
  const paramsAt = line.indexOf('"event_params":[');
  const clientAt = line.indexOf(CLIENT_KEY);
  if (t === null || name === null || clientAt < 0 || paramsAt > clientAt) return digestRow(JSON.parse(line) as Partial<ExportRow>);
  const client = readString(line, clientAt + CLIENT_KEY.length)[0];
  // event_params come before user_pseudo_id (schema order); user_properties and item_params, after it, hold the
  // same {"key": …, "value": …} shape and are never searched.
  const p = (key: string): string | number | null => (paramsAt < 0 ? null : paramAt(line, key, paramsAt, clientAt));
  const session = p('ga_session_id');
  if (!client || session === null) return null;
  const sessionNumber = p('ga_session_number');
  const engagement = p('engagement_time_msec');
  const title = name === 'page_view' ? p('page_title') : null;
  const deviceAt = line.indexOf('"device":{', clientAt);
  // category is the device record's first field: present, it follows the brace.
  const device = deviceAt < 0 ? null : stringAt(line, '"device":{"category":"', deviceAt, deviceAt + 1);
  const geoAt = line.indexOf('"geo":{', clientAt);
  const region = geoAt < 0 ? null : stringAt(line, '"region":"', geoAt);

  let item: EventDigest['item'] = null;
  let itemPromotion: string | null = null;
  const purchasedItems: string[] = [];
  const itemsAt = line.indexOf('"items":[{', clientAt);
  if (itemsAt >= 0) {
    const start = itemsAt + '"items":['.length;
    // The first item ends where the next begins or where its own item_params (its last field) start.
    const nextItem = line.indexOf('},{"item_', start);
    const params = line.indexOf('"item_params":', start);
    const end = Math.min(nextItem < 0 ? line.length : nextItem, params < 0 ? line.length : params);
    const [id, itemName, category, promotion] = ITEM_FIELDS.map((f) => stringAt(line, f, start, end));
    item = { id: id ?? null, name: itemName ?? null, price: numberAt(line, '"price":', start, end), category: category ?? null };
    itemPromotion = promotion ?? null;
    if (name === 'purchase') {
      for (let at = line.indexOf('"item_name":"', start); at >= 0; at = line.indexOf('"item_name":"', at + 1)) {
        const [n] = readString(line, at + '"item_name":"'.length);
        if (n) purchasedItems.push(n);
      }
    }
  }
  const promo = name === 'view_promotion' || name === 'select_promotion' ? (p('promotion_id') ?? itemPromotion) : null;
  return {
    client,
    session: Number(session),
    sessionNumber: typeof sessionNumber === 'number' ? sessionNumber : null,
    t,
    name,
    device: device ?? '(not set)',
    region,
    engagementMs: typeof engagement === 'number' ? engagement : null,
    path: name === 'page_view' || name === 'view_item' ? pathOf(String(p('page_location') ?? '')) : null,
    title: title === null ? null : String(title),
    item,
    purchasedItems,
    promotionId: promo === null ? null : String(promo),
    revenue: name === 'purchase' ? (numberAt(line, '"purchase_revenue":', clientAt) ?? 0) : 0,
  };
}

/** Digests of committed lines; lines that cannot be read are skipped. */
export function digestLines(lines: readonly string[]): EventDigest[] {
  const out: EventDigest[] = [];
  for (const line of lines) {
    try {
      const d = digestLine(line);
      if (d) out.push(d);
    } catch {
      // not an export row's line
    }
  }
  return out;
}
