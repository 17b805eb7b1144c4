/**
 * One Measurement Protocol request → GA4 export rows, one per event, as GA4 would write them. Pure: the caller
 * passes the receive time, the HTTP user agent and the stream, so the same input always gives the same rows.
 */

import { UAParser } from 'ua-parser-js';
import { toExportValue, type ExportParam, type ExportParamValue } from '../ga4/export-schema';
import { ECOMMERCE_EVENTS } from '../ga4/events';
import { SESSION_PARAMS, type MpItem, type MpParamValue, type MpRequest, type MpUserLocation } from '../ga4/measurement-protocol';
import type {
  ExportCollectedTrafficSource,
  ExportDevice,
  ExportEcommerce,
  ExportGeo,
  ExportItem,
  ExportPrivacyInfo,
  ExportRow,
  ExportTrafficSource,
  ExportUserProperty,
} from '../warehouse/export-row';
import { STANDARD_ITEM_FIELDS } from './mp-schema';

export interface MpContext {
  /** When the collector received the request, in µs since the epoch: the event time of last resort. */
  receivedAtMicros: number;
  /** The HTTP `User-Agent` header; the body's `user_agent` wins over it. */
  userAgent?: string;
  /** Hostname of the sending page (from the `Origin` or `Referer` header); an event's `page_location` wins. */
  hostname?: string;
  /** The web data stream the request was sent to (`stream_id` column). */
  streamId: string;
  /** Where the sender is, when the body has no `user_location` (from an `x-shoplab-geo` header). */
  location?: MpUserLocation | null;
  /**
   * The user's first touch: given the client, this event's time and the acquisition it shows, returns the
   * earliest time and acquisition known for the client (GA4's `user_first_touch_timestamp` and `traffic_source`).
   * Default: this event is the first touch.
   */
  firstTouch?: (clientId: string, eventMicros: number, source: ExportTrafficSource) => FirstTouch;
}

export interface FirstTouch {
  timestamp: number;
  source: ExportTrafficSource;
}

/** Wire param names that the export renames: gtag.js sends `session_id`, BigQuery shows `ga_session_id`. */
const RENAMED_PARAMS: Readonly<Record<string, string>> = {
  [SESSION_PARAMS.sessionId]: 'ga_session_id',
  [SESSION_PARAMS.sessionNumber]: 'ga_session_number',
};
/** Export params that GA4 always stores as int_value, even when the wire carries them as strings. */
const INTEGER_PARAMS = new Set(['ga_session_id', 'ga_session_number', SESSION_PARAMS.engagementTime]);
const ECOMMERCE = new Set<string>(ECOMMERCE_EVENTS);
/** Standard item fields without an export column of their own; GA4 keeps them as item params. */
const ITEM_FIELDS_AS_PARAMS = new Set(['discount']);

/** UN M49 continent codes (as MP `user_location.continent_id`) → the names the export uses. */
const CONTINENTS: Readonly<Record<string, string>> = { '002': 'Africa', '019': 'Americas', '142': 'Asia', '150': 'Europe', '009': 'Oceania' };
/** UN M49 sub-region codes → names. */
const SUBCONTINENTS: Readonly<Record<string, string>> = {
  '015': 'Northern Africa',
  '011': 'Western Africa',
  '017': 'Middle Africa',
  '014': 'Eastern Africa',
  '018': 'Southern Africa',
  '021': 'Northern America',
  '029': 'Caribbean',
  '013': 'Central America',
  '005': 'South America',
  '143': 'Central Asia',
  '030': 'Eastern Asia',
  '034': 'Southern Asia',
  '035': 'Southeast Asia',
  '145': 'Western Asia',
  '151': 'Eastern Europe',
  '154': 'Northern Europe',
  '039': 'Southern Europe',
  '155': 'Western Europe',
  '053': 'Australasia',
  '054': 'Melanesia',
  '057': 'Micronesian Region',
  '061': 'Polynesia',
};
const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** ua-parser-js names → the names GA4 reports. */
const BROWSER_NAMES: Readonly<Record<string, string>> = {
  'Mobile Safari': 'Safari',
  'Mobile Chrome': 'Chrome',
  'Chrome Headless': 'Chrome',
  'Mobile Firefox': 'Firefox',
  'Chrome WebView': 'Android Webview',
  'Samsung Internet': 'Samsung Internet',
};
const OS_NAMES: Readonly<Record<string, string>> = { macOS: 'Macintosh', 'Chromium OS': 'Chrome OS' };
/** Campaign fields that gtag.js reads from the page URL, by export column. */
const URL_CAMPAIGN_FIELDS = {
  manual_campaign_id: 'utm_id',
  manual_campaign_name: 'utm_campaign',
  manual_source: 'utm_source',
  manual_medium: 'utm_medium',
  manual_term: 'utm_term',
  manual_content: 'utm_content',
  manual_source_platform: 'utm_source_platform',
  manual_creative_format: 'utm_creative_format',
  manual_marketing_tactic: 'utm_marketing_tactic',
  gclid: 'gclid',
  dclid: 'dclid',
  srsltid: 'srsltid',
} as const satisfies Record<keyof ExportCollectedTrafficSource, string>;

/** YYYYMMDD of a µs timestamp, in UTC (the property time zone is UTC for now). */
export function eventDate(timestampMicros: number): string {
  const day = Math.floor(timestampMicros / MICROS_PER_DAY);
  if (day !== lastDay.day) lastDay = { day, date: new Date(day * MS_PER_DAY).toISOString().slice(0, 10).replaceAll('-', '') };
  return lastDay.date;
}
const MS_PER_DAY = 86_400_000;
const MICROS_PER_DAY = MS_PER_DAY * 1000;
/** The last day asked for: consecutive events nearly always fall on one day. */
let lastDay = { day: Number.NaN, date: '' };

/**
 * toExportValue, made safe for INT64: an integer beyond ±2^53 has already lost digits in JS and would not fit
 * the column exactly, so it is kept as a double as JSON gave it.
 */
function exportValue(value: string | number | boolean): ExportParamValue {
  const typed = toExportValue(value);
  if (typed.int_value !== null && !Number.isSafeInteger(typed.int_value)) {
    return { string_value: null, int_value: null, float_value: null, double_value: typed.int_value };
  }
  return typed;
}

/** gtag.js sends session ids as numbers but the MP docs allow digit strings; the export holds them as INT64. */
function integerValue(value: string | number | boolean): ExportParamValue {
  const n = typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? exportValue(Math.trunc(n)) : exportValue(value);
}

function eventParams(params: Record<string, MpParamValue>): ExportParam[] {
  const out: ExportParam[] = [];
  for (const [wireKey, value] of Object.entries(params)) {
    // GA4 keeps no param without a value; items go to their own column.
    if (value === null || Array.isArray(value)) continue;
    const key = RENAMED_PARAMS[wireKey] ?? wireKey;
    out.push({ key, value: INTEGER_PARAMS.has(key) ? integerValue(value) : exportValue(value) });
  }
  return out;
}

function str(value: MpParamValue | string | number | undefined): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

function num(value: MpParamValue | string | number | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function usd(amount: number | null, currency: string | null): number | null {
  return amount !== null && currency === 'USD' ? amount : null;
}

/**
 * Event-level item_list_*, promotion_* and creative_* params fill items that lack them (the item's own value wins).
 * Fields are read inline rather than through small closures: tsx (esbuild's keepNames) wraps every closure it
 * creates in a naming call, which cost more than the reads.
 */
function exportItem(item: MpItem, params: Record<string, MpParamValue>, eventName: string, currency: string | null): ExportItem {
  const price = num(item.price);
  const quantityValue = num(item.quantity);
  // GA4's documented default: an item without quantity counts once.
  const quantity = quantityValue !== null && Number.isSafeInteger(quantityValue) ? quantityValue : 1;
  const amount = price !== null ? price * quantity : null;
  const revenue = eventName === 'purchase' ? amount : null;
  const refund = eventName === 'refund' ? amount : null;
  const itemParams: ExportParam[] = [];
  for (const [key, value] of Object.entries(item)) {
    if (value === undefined || (STANDARD_ITEM_FIELDS.has(key) && !ITEM_FIELDS_AS_PARAMS.has(key))) continue;
    itemParams.push({ key, value: exportValue(value) });
  }
  return {
    item_id: str(item.item_id),
    item_name: str(item.item_name),
    item_brand: str(item.item_brand),
    item_variant: str(item.item_variant),
    item_category: str(item.item_category),
    item_category2: str(item.item_category2),
    item_category3: str(item.item_category3),
    item_category4: str(item.item_category4),
    item_category5: str(item.item_category5),
    price_in_usd: usd(price, currency),
    price,
    quantity,
    item_revenue_in_usd: usd(revenue, currency),
    item_revenue: revenue,
    item_refund_in_usd: usd(refund, currency),
    item_refund: refund,
    coupon: str(item.coupon),
    affiliation: str(item.affiliation),
    location_id: str(item.location_id),
    item_list_id: str(item.item_list_id) ?? str(params.item_list_id),
    item_list_name: str(item.item_list_name) ?? str(params.item_list_name),
    item_list_index: str(item.index),
    promotion_id: str(item.promotion_id) ?? str(params.promotion_id),
    promotion_name: str(item.promotion_name) ?? str(params.promotion_name),
    creative_name: str(item.creative_name) ?? str(params.creative_name),
    creative_slot: str(item.creative_slot) ?? str(params.creative_slot),
    item_params: itemParams,
  };
}

function ecommerceRecord(eventName: string, params: Record<string, MpParamValue>, items: readonly ExportItem[], currency: string | null): ExportEcommerce | null {
  if (!ECOMMERCE.has(eventName)) return null;
  const value = num(params.value);
  const isPurchase = eventName === 'purchase';
  const isRefund = eventName === 'refund';
  const shipping = isPurchase || isRefund ? num(params.shipping) : null;
  const tax = isPurchase || isRefund ? num(params.tax) : null;
  const uniqueIds = new Set(items.map((item) => item.item_id ?? `name:${item.item_name ?? ''}`));
  return {
    total_item_quantity: items.length > 0 ? items.reduce((sum, item) => sum + (item.quantity ?? 1), 0) : null,
    purchase_revenue_in_usd: isPurchase ? usd(value, currency) : null,
    purchase_revenue: isPurchase ? value : null,
    refund_value_in_usd: isRefund ? usd(value, currency) : null,
    refund_value: isRefund ? value : null,
    shipping_value_in_usd: usd(shipping, currency),
    shipping_value: shipping,
    tax_value_in_usd: usd(tax, currency),
    tax_value: tax,
    unique_items: items.length > 0 ? uniqueIds.size : null,
    transaction_id: isPurchase || isRefund ? str(params.transaction_id) : null,
  };
}

function categoryOf(uaType: string | undefined): string {
  switch (uaType) {
    case 'mobile':
    case 'wearable':
      return 'mobile';
    case 'tablet':
      return 'tablet';
    case 'smarttv':
      return 'smart tv';
    default:
      return 'desktop';
  }
}

/** Parsing a user agent costs more than the rest of a row; a client sends the same one with every hit. */
const uaCache = new Map<string, ReturnType<typeof UAParser>>();
const UA_CACHE_SIZE = 1000;

function parseUserAgent(userAgent: string): ReturnType<typeof UAParser> {
  let parsed = uaCache.get(userAgent);
  if (!parsed) {
    parsed = UAParser(userAgent);
    if (uaCache.size >= UA_CACHE_SIZE) uaCache.clear();
    uaCache.set(userAgent, parsed);
  }
  return parsed;
}

function deviceRecord(req: MpRequest, userAgent: string | undefined, language: string | null, hostname: string | null): ExportDevice {
  const ua = userAgent ? parseUserAgent(userAgent) : null;
  const given = req.device ?? {};
  const uaBrowser = ua?.browser.name ? (BROWSER_NAMES[ua.browser.name] ?? ua.browser.name) : undefined;
  const uaOs = ua?.os.name ? (OS_NAMES[ua.os.name] ?? ua.os.name) : undefined;
  const browser = given.browser ?? uaBrowser ?? null;
  const browserVersion = given.browser_version ?? ua?.browser.version ?? null;
  const os = given.operating_system ?? uaOs ?? null;
  // The export spells the OS version with the OS name in front ("iOS 17.1", "Windows 10").
  const osVersion = given.operating_system_version ?? (uaOs && ua?.os.version ? `${uaOs} ${ua.os.version}` : null);
  return {
    category: given.category ?? (ua ? categoryOf(ua.device.type) : null),
    mobile_brand_name: given.brand ?? ua?.device.vendor ?? null,
    mobile_model_name: given.model ?? ua?.device.model ?? null,
    mobile_marketing_name: null,
    mobile_os_hardware_model: null,
    operating_system: os,
    operating_system_version: osVersion,
    vendor_id: null,
    advertising_id: null,
    language: (given.language ?? language)?.toLowerCase() ?? null,
    is_limited_ad_tracking: 'No',
    time_zone_offset_seconds: null,
    browser,
    browser_version: browserVersion,
    web_info: { browser, browser_version: browserVersion, hostname },
  };
}

function geoRecord(loc: MpUserLocation | null | undefined): ExportGeo | null {
  if (!loc) return null;
  let country: string | null = null;
  if (loc.country_id) {
    try {
      country = regionNames.of(loc.country_id) ?? null;
    } catch {
      country = null; // not a region code Intl knows; the schema already checked its shape
    }
  }
  return {
    city: loc.city ?? null,
    country,
    continent: loc.continent_id ? (CONTINENTS[loc.continent_id] ?? null) : null,
    region: loc.region_id ?? null,
    sub_continent: loc.subcontinent_id ? (SUBCONTINENTS[loc.subcontinent_id] ?? null) : null,
    metro: null,
  };
}

function privacyRecord(req: MpRequest): ExportPrivacyInfo {
  // An approximation: MP consent speaks of ad_user_data / ad_personalization; the export's ads_storage is the
  // closest column. analytics_storage stays unset: a hit that arrived was allowed to be measured.
  const ads = req.consent?.ad_personalization;
  return { analytics_storage: null, ads_storage: ads === 'GRANTED' ? 'Yes' : ads === 'DENIED' ? 'No' : null, uses_transient_token: 'No' };
}

function userProperties(req: MpRequest, setAtMicros: number): ExportUserProperty[] {
  const out: ExportUserProperty[] = [];
  for (const [key, { value }] of Object.entries(req.user_properties ?? {})) {
    if (value === null) continue; // null clears a user property in GA4; nothing is exported for it
    out.push({ key, value: { ...exportValue(value), set_timestamp_micros: setAtMicros } });
  }
  return out;
}

function parseUrl(value: MpParamValue | undefined): URL | null {
  if (typeof value !== 'string') return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * The acquisition an event shows, as GA4 names it for first-touch `traffic_source`: UTM parameters first, else a
 * referral from another host, else direct.
 */
function acquisition(pageUrl: URL | null, referrer: MpParamValue | undefined): ExportTrafficSource {
  const query = pageUrl?.searchParams;
  const source = query?.get('utm_source');
  if (source) return { name: query?.get('utm_campaign') ?? '(not set)', medium: query?.get('utm_medium') ?? '(not set)', source };
  if (query?.get('gclid')) return { name: '(not set)', medium: 'cpc', source: 'google' };
  const ref = parseUrl(referrer);
  if (ref && ref.hostname && ref.hostname !== pageUrl?.hostname) return { name: '(referral)', medium: 'referral', source: ref.hostname };
  return { name: '(direct)', medium: '(none)', source: '(direct)' };
}

function collectedTrafficSource(pageUrl: URL | null): ExportCollectedTrafficSource | null {
  if (!pageUrl) return null;
  const query = pageUrl.searchParams;
  const source: ExportCollectedTrafficSource = {
    manual_campaign_id: query.get(URL_CAMPAIGN_FIELDS.manual_campaign_id),
    manual_campaign_name: query.get(URL_CAMPAIGN_FIELDS.manual_campaign_name),
    manual_source: query.get(URL_CAMPAIGN_FIELDS.manual_source),
    manual_medium: query.get(URL_CAMPAIGN_FIELDS.manual_medium),
    manual_term: query.get(URL_CAMPAIGN_FIELDS.manual_term),
    manual_content: query.get(URL_CAMPAIGN_FIELDS.manual_content),
    manual_source_platform: query.get(URL_CAMPAIGN_FIELDS.manual_source_platform),
    manual_creative_format: query.get(URL_CAMPAIGN_FIELDS.manual_creative_format),
    manual_marketing_tactic: query.get(URL_CAMPAIGN_FIELDS.manual_marketing_tactic),
    gclid: query.get(URL_CAMPAIGN_FIELDS.gclid),
    dclid: query.get(URL_CAMPAIGN_FIELDS.dclid),
    srsltid: query.get(URL_CAMPAIGN_FIELDS.srsltid),
  };
  return Object.values(source).some((v) => v !== null) ? source : null;
}

/** The export rows for one MP request, in the order of its events. */
export function mpToRows(req: MpRequest, ctx: MpContext): ExportRow[] {
  const userAgent = req.user_agent ?? ctx.userAgent;
  const privacy = privacyRecord(req);
  const geo = geoRecord(req.user_location ?? ctx.location);
  return req.events.map((event) => {
    const params = event.params ?? {};
    // Precedence as in GA4: the event's own time, then the request's, then the time of receipt.
    const timestamp = event.timestamp_micros ?? req.timestamp_micros ?? ctx.receivedAtMicros;
    const pageUrl = parseUrl(params.page_location);
    const hostname = pageUrl?.hostname || ctx.hostname || null;
    const currency = str(params.currency);
    const value = num(params.value);
    const touch = ctx.firstTouch
      ? ctx.firstTouch(req.client_id, timestamp, acquisition(pageUrl, params.page_referrer))
      : { timestamp, source: acquisition(pageUrl, params.page_referrer) };
    const items = Array.isArray(params.items) ? params.items.map((item) => exportItem(item, params, event.name, currency)) : [];
    return {
      event_date: eventDate(timestamp),
      event_timestamp: timestamp,
      event_name: event.name,
      event_params: eventParams(params),
      event_previous_timestamp: null,
      event_value_in_usd: usd(value, currency),
      event_bundle_sequence_id: null,
      event_server_timestamp_offset: null,
      user_id: req.user_id ?? null,
      user_pseudo_id: req.client_id,
      privacy_info: privacy,
      user_properties: userProperties(req, timestamp),
      user_first_touch_timestamp: touch.timestamp,
      user_ltv: null,
      device: deviceRecord(req, userAgent, str(params.language), hostname),
      geo,
      app_info: null,
      traffic_source: touch.source,
      stream_id: ctx.streamId,
      platform: 'WEB',
      event_dimensions: hostname ? { hostname } : null,
      ecommerce: ecommerceRecord(event.name, params, items, currency),
      items,
      collected_traffic_source: collectedTrafficSource(pageUrl),
      is_active_user: null,
      batch_event_index: null,
      batch_page_id: null,
      batch_ordering_id: null,
      session_traffic_source_last_click: null,
    };
  });
}
