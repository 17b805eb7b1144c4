/**
 * The Measurement Protocol request body as the collector accepts it: every field bounded before anything is
 * stored. Limits come from GA4's collection limits (ga4/measurement-protocol.ts MP_LIMITS). Deliberately NOT
 * enforced here, because ShopLab's own tag sends them on purpose: reserved event names (`session_start`,
 * `first_visit`, `user_engagement` are automatic gtag.js events) and the 72-hour age limit (virtual time
 * replays past weeks).
 */

import { z } from 'zod';
import { LONG_PARAM_LIMITS, MP_LIMITS, type MpRequest } from '../ga4/measurement-protocol';

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const USER_PROPERTY_NAME = /^[A-Za-z][A-Za-z0-9_]{0,23}$/;
/** Prefixes GA4 reserves for its own params; ours would collide with e.g. the export's `ga_session_id`. */
const RESERVED_PARAM_PREFIXES = ['ga_', 'google_', 'firebase_'] as const;
/** 2001-09-09 in µs: anything smaller is almost surely seconds or milliseconds sent by mistake. */
const MIN_TIMESTAMP_MICROS = 1e15;
export const MAX_ITEMS_PER_EVENT = 200;

/** Item fields with a meaning of their own in GA4; any other field is a custom item param. */
export const STANDARD_ITEM_FIELDS = new Set([
  'item_id',
  'item_name',
  'affiliation',
  'coupon',
  'creative_name',
  'creative_slot',
  'discount',
  'index',
  'item_brand',
  'item_category',
  'item_category2',
  'item_category3',
  'item_category4',
  'item_category5',
  'item_list_id',
  'item_list_name',
  'item_variant',
  'location_id',
  'price',
  'quantity',
  'promotion_id',
  'promotion_name',
]);

const timestampMicros = z
  .number()
  .int()
  .min(MIN_TIMESTAMP_MICROS, 'must be µs since the epoch (this value looks like seconds or milliseconds)')
  .max(Number.MAX_SAFE_INTEGER);

const itemSchema = z
  .record(z.string().regex(NAME, 'item field names are letters, digits and _, starting with a letter, ≤ 40 chars'), z.union([z.string().max(MP_LIMITS.paramValueLength), z.number()]))
  .superRefine((item, ctx) => {
    if (item.item_id === undefined && item.item_name === undefined) {
      ctx.addIssue({ code: 'custom', message: 'an item needs item_id or item_name' });
    }
    for (const field of ['price', 'discount'] as const) {
      if (item[field] !== undefined && typeof item[field] !== 'number') {
        ctx.addIssue({ code: 'custom', path: [field], message: 'must be a number' });
      }
    }
    for (const field of ['quantity', 'index'] as const) {
      const value = item[field];
      if (value !== undefined && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'must be a non-negative integer' });
      }
    }
    const custom = Object.keys(item).filter((k) => !STANDARD_ITEM_FIELDS.has(k));
    if (custom.length > MP_LIMITS.customItemParams) {
      ctx.addIssue({ code: 'custom', message: `at most ${MP_LIMITS.customItemParams} custom item params, got ${custom.length} (${custom.join(', ')})` });
    }
  });

// zod's number() already refuses NaN and ±Infinity, which JSON cannot carry anyway.
const paramValueSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(itemSchema).max(MAX_ITEMS_PER_EVENT),
]);

const paramsSchema = z
  .record(z.string().regex(NAME, 'param names are letters, digits and _, starting with a letter, ≤ 40 chars'), paramValueSchema)
  .superRefine((params, ctx) => {
    const keys = Object.keys(params);
    if (keys.length > MP_LIMITS.paramsPerEvent) {
      ctx.addIssue({ code: 'custom', message: `at most ${MP_LIMITS.paramsPerEvent} params per event, got ${keys.length}` });
    }
    for (const key of keys) {
      const value = params[key];
      const reserved = RESERVED_PARAM_PREFIXES.find((p) => key.startsWith(p));
      if (reserved) ctx.addIssue({ code: 'custom', path: [key], message: `the prefix ${reserved} is reserved by GA4` });
      if (Array.isArray(value) && key !== 'items') {
        ctx.addIssue({ code: 'custom', path: [key], message: 'only the `items` param may be an array' });
      }
      if (key === 'items' && value !== undefined && value !== null && !Array.isArray(value)) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'must be an array of items' });
      }
      const limit = LONG_PARAM_LIMITS[key] ?? MP_LIMITS.paramValueLength;
      if (typeof value === 'string' && value.length > limit) {
        ctx.addIssue({ code: 'custom', path: [key], message: `at most ${limit} characters, got ${value.length}` });
      }
    }
  });

const eventSchema = z.strictObject({
  name: z.string().regex(NAME, 'event names are letters, digits and _, starting with a letter, ≤ 40 chars'),
  params: paramsSchema.optional(),
  timestamp_micros: timestampMicros.optional(),
});

const userPropertiesSchema = z
  .record(
    z.string().regex(USER_PROPERTY_NAME, 'user property names are letters, digits and _, starting with a letter, ≤ 24 chars'),
    z.strictObject({ value: z.union([z.string().max(MP_LIMITS.userPropertyValueLength), z.number(), z.null()]) }),
  )
  .refine((props) => Object.keys(props).length <= MP_LIMITS.userProperties, `at most ${MP_LIMITS.userProperties} user properties`);

const consentValue = z.enum(['GRANTED', 'DENIED']);
const shortText = z.string().max(100);

/** The whole request body. Unknown fields are refused (not ignored), so a typo never loses data silently. */
export const mpRequestSchema = z.strictObject({
  client_id: z.string().min(1).max(256),
  user_id: z.string().min(1).max(MP_LIMITS.userIdLength).optional(),
  timestamp_micros: timestampMicros.optional(),
  user_properties: userPropertiesSchema.optional(),
  consent: z.strictObject({ ad_user_data: consentValue.optional(), ad_personalization: consentValue.optional() }).optional(),
  user_location: z
    .strictObject({
      city: shortText.optional(),
      region_id: z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'must be an ISO 3166-2 code such as US-CA').optional(),
      country_id: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US').optional(),
      subcontinent_id: z.string().regex(/^\d{3}$/, 'must be a UN M49 code such as 021').optional(),
      continent_id: z.string().regex(/^\d{3}$/, 'must be a UN M49 code such as 019').optional(),
    })
    .optional(),
  ip_override: z.string().max(45).optional(),
  device: z
    .strictObject({
      category: shortText.optional(),
      language: shortText.optional(),
      screen_resolution: z.string().regex(/^\d{1,5}x\d{1,5}$/, 'must look like 1280x2856').optional(),
      operating_system: shortText.optional(),
      operating_system_version: shortText.optional(),
      model: shortText.optional(),
      brand: shortText.optional(),
      browser: shortText.optional(),
      browser_version: shortText.optional(),
    })
    .optional(),
  user_agent: z.string().max(2048).optional(),
  validation_behavior: z.enum(['RELAXED', 'ENFORCE_RECOMMENDATIONS']).optional(),
  non_personalized_ads: z.boolean().optional(),
  events: z.array(eventSchema).min(1).max(MP_LIMITS.eventsPerRequest),
});

export type ParsedMpRequest = z.infer<typeof mpRequestSchema>;
// Compile-time proof that what the schema lets through is a valid wire request.
const _parsedIsMpRequest = (r: ParsedMpRequest): MpRequest => r;
void _parsedIsMpRequest;

export interface MpIssue {
  /** Where in the body, e.g. `events[0].params.items[3].price`; empty for the body itself. */
  path: string;
  message: string;
}

export type MpParseResult = { ok: true; request: MpRequest } | { ok: false; issues: MpIssue[] };

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** With the `u` flag a proper surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * JSON can carry `"\ud800"`, which is no Unicode text; the warehouse (DuckDB) refuses it. Found here, it is the
 * sender's error with a path, not a failed write.
 */
function findLoneSurrogate(value: unknown, path: PropertyKey[]): PropertyKey[] | null {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, Array.isArray(value) ? Number(key) : key];
    if (LONE_SURROGATE.test(key)) return childPath;
    const found = findLoneSurrogate(child, childPath);
    if (found) return found;
  }
  return null;
}

/** Validates a parsed JSON body; on failure lists every problem with the path of the field it concerns. */
export function parseMpRequest(body: unknown): MpParseResult {
  const badText = findLoneSurrogate(body, []);
  if (badText) return { ok: false, issues: [{ path: formatPath(badText), message: 'contains a lone UTF-16 surrogate (not valid Unicode text)' }] };
  const result = mpRequestSchema.safeParse(body);
  if (result.success) return { ok: true, request: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => {
      // For unknown keys zod reports the parent's path; naming the keys themselves is what helps.
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const path = formatPath(issue.path);
      return keys.length > 0
        ? { path: keys.map((k) => (path === '' ? k : `${path}.${k}`)).join(', '), message: 'not a Measurement Protocol field' }
        : { path, message: issue.message };
    }),
  };
}
