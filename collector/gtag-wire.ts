/**
 * The gtag.js wire format (`/g/collect`), as gtag.js, server-side tagging and small GA4 clients send it:
 * shared fields in the query string, and optionally one event per line of the POST body, each line a query
 * string whose fields add to or override the shared ones. Each hit becomes a Measurement Protocol request, so it
 * passes the same validation and mapping as /mp/collect.
 *
 * Field names checked against the clients' own sources: v, tid, cid, uid, en, sid, sct, seg, _et, _fv, _ss, _s,
 * _p, dl, dr, dt, ul, sr, cu, ep.*, epn.*, up.*, upn.*, pr1…prN (`id…~nm…~pr…~qt…~k0name~v0value`).
 */

import type { MpEvent, MpItem } from '../ga4/measurement-protocol';

/** Two-letter item keys of a `prN` string → MP item fields. */
const ITEM_KEYS: Readonly<Record<string, string>> = {
  id: 'item_id',
  nm: 'item_name',
  br: 'item_brand',
  ca: 'item_category',
  c2: 'item_category2',
  c3: 'item_category3',
  c4: 'item_category4',
  c5: 'item_category5',
  va: 'item_variant',
  pr: 'price',
  qt: 'quantity',
  cp: 'coupon',
  ln: 'item_list_name',
  lp: 'index',
  li: 'item_list_id',
  ds: 'discount',
  af: 'affiliation',
  pi: 'promotion_id',
  pn: 'promotion_name',
  cn: 'creative_name',
  cs: 'creative_slot',
  lo: 'location_id',
};
const NUMERIC_ITEM_FIELDS = new Set(['price', 'quantity', 'index', 'discount']);

/** Short wire fields → the MP event params they carry. */
const PARAM_KEYS: Readonly<Record<string, string>> = {
  dl: 'page_location',
  dr: 'page_referrer',
  dt: 'page_title',
  ul: 'language',
  sr: 'screen_resolution',
  sid: 'session_id',
  sct: 'session_number',
  seg: 'session_engaged',
  _et: 'engagement_time_msec',
  cu: 'currency',
};
const NUMERIC_PARAMS = new Set(['session_id', 'session_number', 'engagement_time_msec']);

export interface GtagHit {
  /** The `tid` (measurement id) the hit is addressed to. */
  measurementId: string | null;
  /** The hit as an MP request body, still unvalidated (values may be malformed; validateMpBody judges them). */
  body: Record<string, unknown>;
  /** Index of the body line this hit came from (0 when the hit is the query string alone). */
  line: number;
}

function numberOrText(text: string): number | string {
  // An unparsable number is passed on as text, so validation reports it instead of it turning into NaN.
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

/** `id…~nm…~pr…~qt…~k0name~v0value` → an item. Unknown two-letter keys are kept under their wire name. */
export function parseItem(text: string): MpItem {
  const item: MpItem = {};
  const customNames = new Map<string, string>();
  const customValues = new Map<string, string>();
  for (const part of text.split('~')) {
    if (part.length < 2) continue;
    const key = part.slice(0, 2);
    const value = part.slice(2);
    if (/^k[0-9A-Z]$/.test(key)) customNames.set(key.slice(1), value);
    else if (/^v[0-9A-Z]$/.test(key)) customValues.set(key.slice(1), value);
    else {
      const field = ITEM_KEYS[key] ?? key;
      item[field] = NUMERIC_ITEM_FIELDS.has(field) ? numberOrText(value) : value;
    }
  }
  for (const [slot, name] of customNames) {
    const value = customValues.get(slot);
    if (value !== undefined) item[name] = numberOrText(value);
  }
  return item;
}

function hitFrom(fields: URLSearchParams, line: number): GtagHit {
  const params: Record<string, unknown> = {};
  const userProperties: Record<string, { value: unknown }> = {};
  const items: { index: number; item: MpItem }[] = [];
  const extra: MpEvent[] = [];
  let name: string | undefined;
  for (const [key, value] of fields) {
    if (key === 'en') name = value;
    else if (key.startsWith('ep.')) params[key.slice(3)] = value;
    else if (key.startsWith('epn.')) params[key.slice(4)] = numberOrText(value);
    else if (key.startsWith('up.')) userProperties[key.slice(3)] = { value };
    else if (key.startsWith('upn.')) userProperties[key.slice(4)] = { value: numberOrText(value) };
    else if (/^pr\d{1,3}$/.test(key)) items.push({ index: Number(key.slice(2)), item: parseItem(value) });
    else {
      const param = PARAM_KEYS[key];
      if (param !== undefined && value !== '') params[param] = NUMERIC_PARAMS.has(param) ? numberOrText(value) : value;
    }
  }
  if (items.length > 0) params.items = items.sort((a, b) => a.index - b.index).map((i) => i.item);
  const event: Record<string, unknown> = { name: name ?? '', params };
  // gtag.js flags the first hit of a visitor and of a session instead of sending first_visit / session_start;
  // GA4 creates those events itself, and so does this collector, with the hit's session params.
  const sessionParams: Record<string, unknown> = {};
  for (const key of ['page_location', 'page_referrer', 'page_title', 'language', 'screen_resolution', 'session_id', 'session_number', 'engagement_time_msec']) {
    if (params[key] !== undefined) sessionParams[key] = params[key];
  }
  if (fields.get('_fv') === '1') extra.push({ name: 'first_visit', params: { ...sessionParams } as MpEvent['params'] });
  if (fields.get('_ss') === '1') extra.push({ name: 'session_start', params: { ...sessionParams } as MpEvent['params'] });
  const body: Record<string, unknown> = { client_id: fields.get('cid') ?? '', events: [...extra, event] };
  const uid = fields.get('uid');
  if (uid) body.user_id = uid;
  if (Object.keys(userProperties).length > 0) body.user_properties = userProperties;
  return { measurementId: fields.get('tid'), body, line };
}

/**
 * Splits a /g/collect request into hits: one per non-empty body line (each merged over the query string), or the
 * query string alone when the body is empty.
 */
export function parseGtagHits(query: URLSearchParams, body: string): GtagHit[] {
  const lines = body.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return [hitFrom(query, 0)];
  return lines.map((text, line) => {
    const merged = new URLSearchParams(query);
    for (const [key, value] of new URLSearchParams(text)) merged.set(key, value);
    return hitFrom(merged, line);
  });
}
