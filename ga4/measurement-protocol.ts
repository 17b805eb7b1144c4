/**
 * The wire contract: the GA4 Measurement Protocol request body, plus the session fields gtag.js would add.
 * Facts from Google's Measurement Protocol reference: `client_id` is required on web; ≤ 25 events per request;
 * `session_id`, `engagement_time_msec` and `timestamp_micros` are params with special meaning; an event's own
 * timestamp wins over the request's, which wins over the time of receipt.
 */

export type MpParamValue = string | number | boolean | MpItem[] | null;

export interface MpItem {
  [field: string]: string | number | undefined;
}

export interface MpEvent {
  name: string;
  params?: Record<string, MpParamValue>;
  /** Per-event time in µs since the epoch (GA4 accepts this on the event as well as on the request). */
  timestamp_micros?: number;
}

export interface MpUserProperty {
  value: string | number | null;
}

export interface MpDevice {
  category?: string;
  language?: string;
  screen_resolution?: string;
  operating_system?: string;
  operating_system_version?: string;
  model?: string;
  brand?: string;
  browser?: string;
  browser_version?: string;
}

export interface MpUserLocation {
  city?: string;
  region_id?: string;
  country_id?: string;
  subcontinent_id?: string;
  continent_id?: string;
}

export interface MpRequest {
  client_id: string;
  user_id?: string;
  timestamp_micros?: number;
  user_properties?: Record<string, MpUserProperty>;
  consent?: { ad_user_data?: 'GRANTED' | 'DENIED'; ad_personalization?: 'GRANTED' | 'DENIED' };
  user_location?: MpUserLocation;
  ip_override?: string;
  device?: MpDevice;
  user_agent?: string;
  validation_behavior?: 'RELAXED' | 'ENFORCE_RECOMMENDATIONS';
  non_personalized_ads?: boolean;
  events: MpEvent[];
}

/**
 * ShopLab's own data stream: what the local tag sends with and the collector accepts unless configured otherwise
 * (`measurement_id`, `api_secret`, and the `stream_id` stored with its events).
 */
export const LOCAL_STREAM = { measurementId: 'G-SHOPLAB', apiSecret: 'shoplab-local', streamId: '1000000001' } as const;

export const MP_LIMITS = {
  eventsPerRequest: 25,
  paramsPerEvent: 25,
  userProperties: 25,
  eventNameLength: 40,
  paramNameLength: 40,
  paramValueLength: 100,
  userPropertyNameLength: 24,
  userPropertyValueLength: 36,
  userIdLength: 256,
  customItemParams: 10,
  bodyBytes: 130 * 1024,
  maxPastHours: 72,
} as const;

/** Longer value limits GA4 allows for a few page params. */
export const LONG_PARAM_LIMITS: Readonly<Record<string, number>> = {
  page_title: 300,
  page_referrer: 420,
  page_location: 1000,
};

/**
 * Event params that ShopLab's local tag adds to every event, as gtag.js does. `session_id` and `session_number`
 * become `ga_session_id` / `ga_session_number` in the export (the `ga_` prefix is reserved on the wire).
 */
export const SESSION_PARAMS = {
  sessionId: 'session_id',
  sessionNumber: 'session_number',
  engagementTime: 'engagement_time_msec',
  runId: 'shoplab_run_id',
} as const;

/** Event names the Measurement Protocol refuses (GA4 collects them itself). `dynamic_link_` etc. are prefixes. */
export const RESERVED_EVENT_NAMES: ReadonlySet<string> = new Set([
  'ad_activeview',
  'ad_click',
  'ad_exposure',
  'ad_impression',
  'ad_query',
  'ad_reward',
  'adunit_exposure',
  'app_background',
  'app_clear_data',
  'app_exception',
  'app_install',
  'app_remove',
  'app_store_refund',
  'app_store_subscription_cancel',
  'app_store_subscription_convert',
  'app_store_subscription_renew',
  'app_update',
  'app_upgrade',
  'error',
  'firebase_campaign',
  'first_open',
  'first_visit',
  'in_app_purchase',
  'os_update',
  'screen_view',
  'session_start',
  'user_engagement',
]);
const RESERVED_EVENT_PREFIXES = ['dynamic_link_', 'firebase_', 'notification_'] as const;

export function isReservedEventName(name: string): boolean {
  return RESERVED_EVENT_NAMES.has(name) || RESERVED_EVENT_PREFIXES.some((p) => name.startsWith(p));
}

/** Param name prefixes the Measurement Protocol reserves. */
export const RESERVED_PARAM_PREFIXES = ['_', 'firebase_', 'ga_', 'google_', 'gtag.'] as const;
