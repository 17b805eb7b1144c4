/**
 * The Measurement Protocol request body as the collector accepts it: every field bounded by a zod schema before
 * anything is stored, and every problem reported the way Google's /debug/mp/collect reports it
 * (`{ fieldPath, description, validationCode }`). Limits and reserved names come from GA4's collection limits
 * (ga4/measurement-protocol.ts MP_LIMITS, shared/REFERENCE-GA4.md §2).
 *
 * Validation is per event: a bad envelope (client_id, user_properties, …) refuses the whole request, while a bad
 * event refuses only itself, so the rest of its request is still stored.
 */

import { z } from 'zod';
import { MAX_ITEMS } from '../ga4/events';
import { isReservedEventName, LONG_PARAM_LIMITS, MP_LIMITS, RESERVED_PARAM_PREFIXES, type MpEvent, type MpRequest } from '../ga4/measurement-protocol';

/** Google's validation codes, as /debug/mp/collect answers them. */
export const VALIDATION_CODES = {
  valueInvalid: 'VALUE_INVALID',
  valueRequired: 'VALUE_REQUIRED',
  nameInvalid: 'NAME_INVALID',
  nameReserved: 'NAME_RESERVED',
  valueOutOfBounds: 'VALUE_OUT_OF_BOUNDS',
  exceededMaxEntities: 'EXCEEDED_MAX_ENTITIES',
  nameDuplicated: 'NAME_DUPLICATED',
} as const;
export type ValidationCode = (typeof VALIDATION_CODES)[keyof typeof VALIDATION_CODES];

/** One problem, shaped like an entry of Google's `validationMessages`. */
export interface ValidationMessage {
  /** Where in the body, e.g. `events[0].params.items[3].price`; empty for the body itself. */
  fieldPath: string;
  description: string;
  validationCode: ValidationCode;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** 2001-09-09 in µs: anything smaller is almost surely seconds or milliseconds sent by mistake. */
const MIN_TIMESTAMP_MICROS = 1e15;

/**
 * The reserved names that gtag.js sends automatically. ShopLab's own tag sends them too, on purpose, so a stream
 * marked `localTag` accepts them (see StreamConfig); the debug endpoint still reports them.
 */
export const AUTOMATIC_WEB_EVENTS = new Set(['first_visit', 'session_start', 'user_engagement']);
const RESERVED_USER_PROPERTY_PREFIXES = ['_', 'firebase_', 'ga_', 'google_'] as const;
export const RESERVED_USER_PROPERTIES = new Set(['first_open_time', 'first_visit_time', 'last_deep_link_referrer', 'user_id', 'first_open_after_install']);

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

type Ctx = z.core.$RefinementCtx;

function report(ctx: Ctx, path: PropertyKey[], validationCode: ValidationCode, message: string): void {
  ctx.addIssue({ code: 'custom', path, message, params: { validationCode } });
}

type NameFault = { kind: 'reserved'; prefix: string } | { kind: 'long' } | { kind: 'characters' };

/**
 * What is wrong with a name, or null. NAME_RESERVED wins over NAME_INVALID (Google reports `_x` and `ga_x` as
 * reserved, not as malformed). The one rule for names, used by checkName (zod) and by the fast path (isPlainEvent).
 */
function nameFault(name: string, maxLength: number, reservedPrefixes: readonly string[]): NameFault | null {
  const prefix = reservedPrefixes.find((p) => name.startsWith(p));
  if (prefix !== undefined) return { kind: 'reserved', prefix };
  if (name.length > maxLength) return { kind: 'long' };
  if (!NAME.test(name)) return { kind: 'characters' };
  return null;
}

function checkName(ctx: Ctx, path: PropertyKey[], name: string, what: string, maxLength: number, reservedPrefixes: readonly string[]): boolean {
  const fault = nameFault(name, maxLength, reservedPrefixes);
  if (fault === null) return true;
  const shown = JSON.stringify(name.slice(0, 50));
  switch (fault.kind) {
    case 'reserved':
      report(ctx, path, VALIDATION_CODES.nameReserved, `${what} ${JSON.stringify(name)} uses the reserved prefix ${fault.prefix}`);
      break;
    case 'long':
      report(ctx, path, VALIDATION_CODES.nameInvalid, `${what} ${shown} is longer than ${maxLength} characters`);
      break;
    case 'characters':
      report(ctx, path, VALIDATION_CODES.nameInvalid, `${what} ${shown} must start with a letter and hold only letters, digits and _`);
      break;
  }
  return false;
}

const timestampMicros = z
  .number()
  .int()
  .min(MIN_TIMESTAMP_MICROS, 'must be µs since the epoch (this value looks like seconds or milliseconds)')
  .max(Number.MAX_SAFE_INTEGER);

const itemValue = z.union([z.string().max(MP_LIMITS.paramValueLength), z.number()]);

const itemSchema = z.record(z.string(), itemValue).superRefine((item, ctx) => {
  if (item.item_id === undefined && item.item_name === undefined) {
    report(ctx, [], VALIDATION_CODES.valueRequired, 'an item needs item_id or item_name');
  }
  for (const field of ['price', 'discount'] as const) {
    if (item[field] !== undefined && typeof item[field] !== 'number') report(ctx, [field], VALIDATION_CODES.valueInvalid, 'must be a number');
  }
  for (const field of ['quantity', 'index'] as const) {
    const value = item[field];
    if (value !== undefined && !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) {
      report(ctx, [field], VALIDATION_CODES.valueInvalid, 'must be a non-negative integer');
    }
  }
  let custom = 0;
  for (const key in item) {
    if (STANDARD_ITEM_FIELDS.has(key)) continue;
    custom++;
    checkName(ctx, [key], key, 'item param name', MP_LIMITS.paramNameLength, RESERVED_PARAM_PREFIXES);
  }
  if (custom > MP_LIMITS.customItemParams) {
    report(ctx, [], VALIDATION_CODES.exceededMaxEntities, `at most ${MP_LIMITS.customItemParams} custom item params, got ${custom}`);
  }
});

const itemsSchema = z.array(itemSchema).max(MAX_ITEMS);

/**
 * Param values are checked by hand inside the record's refinement rather than by a zod union: a union tries its
 * branches one by one, which made validation the largest cost of ingest. Items still go through their schema.
 */
const paramsSchema = z.record(z.string(), z.unknown()).superRefine((params, ctx) => {
  let count = 0;
  for (const key in params) {
    count++;
    const value = params[key];
    checkName(ctx, [key], key, 'param name', MP_LIMITS.paramNameLength, RESERVED_PARAM_PREFIXES);
    if (typeof value === 'string') {
      const limit = LONG_PARAM_LIMITS[key] ?? MP_LIMITS.paramValueLength;
      if (value.length > limit) report(ctx, [key], VALIDATION_CODES.valueOutOfBounds, `at most ${limit} characters, got ${value.length}`);
    } else if (key === 'items') {
      if (value === null) continue;
      if (!Array.isArray(value)) {
        report(ctx, [key], VALIDATION_CODES.valueInvalid, 'must be an array of items');
        continue;
      }
      const items = itemsSchema.safeParse(value);
      if (!items.success) for (const issue of items.error.issues) ctx.addIssue({ ...issue, path: [key, ...issue.path] });
    } else if (Array.isArray(value)) {
      report(ctx, [key], VALIDATION_CODES.valueInvalid, 'only the `items` param may be an array');
    } else if (!(value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))) {
      report(ctx, [key], VALIDATION_CODES.valueInvalid, 'must be a string, number, boolean or null');
    }
  }
  if (count > MP_LIMITS.paramsPerEvent) {
    report(ctx, [], VALIDATION_CODES.exceededMaxEntities, `at most ${MP_LIMITS.paramsPerEvent} params per event, got ${count}`);
  }
});

export const eventSchema = z.strictObject({
  name: z.string().superRefine((name, ctx) => {
    if (name === '') {
      report(ctx, [], VALIDATION_CODES.valueRequired, 'an event needs a name');
      return;
    }
    // Reserved names are checked in checkEvent, where a stream's rules may allow the automatic web events.
    if (!isReservedEventName(name)) checkName(ctx, [], name, 'event name', MP_LIMITS.eventNameLength, []);
  }),
  params: paramsSchema.optional(),
  timestamp_micros: timestampMicros.optional(),
});

const userPropertiesSchema = z
  .record(z.string(), z.strictObject({ value: z.union([z.string().max(MP_LIMITS.userPropertyValueLength), z.number(), z.null()]) }))
  .superRefine((props, ctx) => {
    let count = 0;
    for (const key in props) {
      count++;
      if (RESERVED_USER_PROPERTIES.has(key)) report(ctx, [key], VALIDATION_CODES.nameReserved, `the user property ${key} is reserved by GA4`);
      else checkName(ctx, [key], key, 'user property name', MP_LIMITS.userPropertyNameLength, RESERVED_USER_PROPERTY_PREFIXES);
    }
    if (count > MP_LIMITS.userProperties) {
      report(ctx, [], VALIDATION_CODES.exceededMaxEntities, `at most ${MP_LIMITS.userProperties} user properties, got ${count}`);
    }
  });

const consentValue = z.enum(['GRANTED', 'DENIED']);
const shortText = z.string().max(100);

export const userLocationSchema = z.strictObject({
  city: shortText.optional(),
  region_id: z.string().regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'must be an ISO 3166-2 code such as US-CA').optional(),
  country_id: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US').optional(),
  subcontinent_id: z.string().regex(/^\d{3}$/, 'must be a UN M49 code such as 021').optional(),
  continent_id: z.string().regex(/^\d{3}$/, 'must be a UN M49 code such as 019').optional(),
});

/**
 * The request body without its events (each event is checked on its own). Unknown fields are refused, not
 * ignored, so a typo never loses data silently.
 */
export const mpEnvelopeSchema = z.strictObject({
  client_id: z.string().min(1, 'client_id is required').max(256),
  user_id: z.string().min(1).max(MP_LIMITS.userIdLength).optional(),
  timestamp_micros: timestampMicros.optional(),
  user_properties: userPropertiesSchema.optional(),
  consent: z.strictObject({ ad_user_data: consentValue.optional(), ad_personalization: consentValue.optional() }).optional(),
  user_location: userLocationSchema.optional(),
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
  events: z.array(z.unknown()).min(1, 'events must hold at least one event').max(MP_LIMITS.eventsPerRequest),
});

/** Which of Google's rules a stream relaxes for ShopLab's own tag. */
export interface MpRules {
  /** Accept the automatic web events (`first_visit`, `session_start`, `user_engagement`) that the MP reserves. */
  allowAutomaticEvents: boolean;
  /** Refuse event times more than 72 hours before `nowMicros` (Google's rule). Off for replays in virtual time. */
  enforceMaxPast: boolean;
  nowMicros: number;
  /**
   * Refuse event times more than this many µs after `nowMicros`, on every stream (a virtual-time replay runs
   * ahead of the clock only as far as its plan; a time years ahead is a broken clock). Default: no bound.
   */
  maxFutureMicros?: number;
  /** The body's text held no surrogate at all (scanJson): skip looking for lone ones in every value. */
  surrogateFree?: boolean;
}

export const GOOGLE_RULES = { allowAutomaticEvents: false, enforceMaxPast: true } as const;

export interface EventVerdict {
  index: number;
  /** The event as sent (possibly malformed); kept for the rejects table. */
  raw: unknown;
  /** Set when the event passed; null when `messages` says why not. */
  event: MpEvent | null;
  messages: ValidationMessage[];
}

export interface MpValidation {
  /** The envelope with only the events that passed; null when the envelope itself was refused. */
  request: MpRequest | null;
  /** Problems with the envelope: each refuses every event of the request. */
  envelopeMessages: ValidationMessage[];
  events: EventVerdict[];
  /** Every message, envelope first, with full paths: what /debug/mp/collect answers. */
  messages: ValidationMessage[];
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function toMessages(issues: readonly z.core.$ZodIssue[], input: unknown, prefix: readonly PropertyKey[]): ValidationMessage[] {
  return issues.map((issue): ValidationMessage => {
    const fieldPath = formatPath([...prefix, ...issue.path]);
    switch (issue.code) {
      case 'custom': {
        const code = (issue.params as { validationCode?: ValidationCode } | undefined)?.validationCode ?? VALIDATION_CODES.valueInvalid;
        return { fieldPath, description: issue.message, validationCode: code };
      }
      case 'invalid_type':
        return valueAt(input, issue.path) === undefined
          ? { fieldPath, description: `${fieldPath || 'value'} is required`, validationCode: VALIDATION_CODES.valueRequired }
          : { fieldPath, description: issue.message, validationCode: VALIDATION_CODES.valueInvalid };
      case 'too_big':
        return {
          fieldPath,
          description: issue.message,
          validationCode: issue.origin === 'array' ? VALIDATION_CODES.exceededMaxEntities : VALIDATION_CODES.valueOutOfBounds,
        };
      case 'too_small':
        return {
          fieldPath,
          description: issue.message,
          validationCode: Number(issue.minimum) <= 1 && issue.origin !== 'number' ? VALIDATION_CODES.valueRequired : VALIDATION_CODES.valueOutOfBounds,
        };
      case 'unrecognized_keys':
        return { fieldPath: issue.keys.map((k) => formatPath([...prefix, ...issue.path, k])).join(', '), description: 'not a Measurement Protocol field', validationCode: VALIDATION_CODES.nameInvalid };
      case 'invalid_union': {
        // A union's branches each fail; the most telling one is the branch whose type matches.
        const inner = issue.errors.find((branch) => branch.length > 0 && branch.every((i) => i.code !== 'invalid_type'));
        if (inner) return toMessages(inner, input, [...prefix, ...issue.path])[0] ?? { fieldPath, description: issue.message, validationCode: VALIDATION_CODES.valueInvalid };
        return { fieldPath, description: 'must be a string, number, boolean, null or (for items) an array of items', validationCode: VALIDATION_CODES.valueInvalid };
      }
      default:
        return { fieldPath, description: issue.message, validationCode: VALIDATION_CODES.valueInvalid };
    }
  });
}

/** With the `u` flag a proper surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'gu');

/** The text with each lone surrogate replaced by U+FFFD: text DuckDB will store. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATES, '\uFFFD');
}

/**
 * JSON can carry `"\ud800"`, which is no Unicode text; the warehouse (DuckDB) refuses it. Found here, it is the
 * sender's error with a path, not a failed write.
 */
function findLoneSurrogate(value: unknown, path: PropertyKey[]): PropertyKey[] | null {
  // The common case (no bad text anywhere) allocates nothing; the path is only built once something is found.
  if (!hasLoneSurrogate(value)) return null;
  if (typeof value === 'string') return path;
  if (typeof value !== 'object' || value === null) return null;
  for (const key in value) {
    const childPath = [...path, Array.isArray(value) ? Number(key) : key];
    if (LONE_SURROGATE.test(key)) return childPath;
    const found = findLoneSurrogate((value as Record<string, unknown>)[key], childPath);
    if (found) return found;
  }
  return null;
}

function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (typeof value !== 'object' || value === null) return false;
  for (const key in value) {
    if (LONE_SURROGATE.test(key) || hasLoneSurrogate((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** A name that checkName accepts. */
function isPlainName(name: string, maxLength: number, reservedPrefixes: readonly string[]): boolean {
  return nameFault(name, maxLength, reservedPrefixes) === null;
}

/** An item that itemSchema accepts, checked without zod; false says only "ask zod". */
function isPlainItem(item: unknown): boolean {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const fields = item as Record<string, unknown>;
  if (fields.item_id === undefined && fields.item_name === undefined) return false;
  let custom = 0;
  for (const key in fields) {
    const value = fields[key];
    if (typeof value === 'string') {
      if (value.length > MP_LIMITS.paramValueLength || key === 'price' || key === 'discount' || key === 'quantity' || key === 'index') return false;
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      return false;
    } else if ((key === 'quantity' || key === 'index') && !(Number.isSafeInteger(value) && value >= 0)) {
      return false;
    }
    if (!STANDARD_ITEM_FIELDS.has(key)) {
      custom++;
      if (!isPlainName(key, MP_LIMITS.paramNameLength, RESERVED_PARAM_PREFIXES)) return false;
    }
  }
  return custom <= MP_LIMITS.customItemParams;
}

/**
 * True when eventSchema would accept the event without a single message, decided without zod: the usual case,
 * where zod's generic machinery was a third of the ingest worker's time. It only ever says "valid" for events that
 * eventSchema accepts too (mp-schema.test.ts checks that against zod on good and broken events); anything it is
 * unsure of goes to zod, which then also words the messages.
 */
export function isPlainEvent(raw: unknown): raw is MpEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const event = raw as Record<string, unknown>;
  for (const key in event) if (key !== 'name' && key !== 'params' && key !== 'timestamp_micros') return false;
  const { name, params, timestamp_micros: ts } = event;
  if (typeof name !== 'string' || name === '') return false;
  if (!isReservedEventName(name) && !isPlainName(name, MP_LIMITS.eventNameLength, [])) return false;
  if (ts !== undefined && !(typeof ts === 'number' && Number.isSafeInteger(ts) && ts >= MIN_TIMESTAMP_MICROS)) return false;
  if (params === undefined) return true;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return false;
  let count = 0;
  for (const key in params) {
    count++;
    if (!isPlainName(key, MP_LIMITS.paramNameLength, RESERVED_PARAM_PREFIXES)) return false;
    const value = (params as Record<string, unknown>)[key];
    if (typeof value === 'string') {
      if (value.length > (LONG_PARAM_LIMITS[key] ?? MP_LIMITS.paramValueLength)) return false;
    } else if (key === 'items') {
      if (value === null) continue;
      if (!Array.isArray(value) || value.length > MAX_ITEMS) return false;
      for (const item of value) if (!isPlainItem(item)) return false;
    } else if (!(value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))) {
      return false;
    }
  }
  return count <= MP_LIMITS.paramsPerEvent;
}

const MAX_PAST_MICROS = MP_LIMITS.maxPastHours * 3600 * 1e6;

function checkEvent(raw: unknown, index: number, envelope: MpRequest, rules: MpRules): EventVerdict {
  const prefix = ['events', index];
  const bad = rules.surrogateFree === true ? null : findLoneSurrogate(raw, prefix);
  if (bad) return { index, raw, event: null, messages: [{ fieldPath: formatPath(bad), description: 'contains a lone UTF-16 surrogate (not valid Unicode text)', validationCode: VALIDATION_CODES.valueInvalid }] };
  const result = isPlainEvent(raw) ? { success: true as const, data: raw } : eventSchema.safeParse(raw);
  const messages = result.success ? [] : toMessages(result.error.issues, raw, prefix);
  const name = (raw as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && isReservedEventName(name) && !(rules.allowAutomaticEvents && AUTOMATIC_WEB_EVENTS.has(name))) {
    messages.unshift({ fieldPath: `events[${index}].name`, description: `the event name ${name} is reserved by GA4`, validationCode: VALIDATION_CODES.nameReserved });
  }
  if (result.success) {
    const ts = result.data.timestamp_micros ?? envelope.timestamp_micros;
    const field = result.data.timestamp_micros !== undefined ? `events[${index}].timestamp_micros` : 'timestamp_micros';
    if (rules.enforceMaxPast && ts !== undefined && ts < rules.nowMicros - MAX_PAST_MICROS) {
      messages.push({ fieldPath: field, description: `more than ${MP_LIMITS.maxPastHours} hours in the past`, validationCode: VALIDATION_CODES.valueOutOfBounds });
    }
    if (rules.maxFutureMicros !== undefined && ts !== undefined && ts > rules.nowMicros + rules.maxFutureMicros) {
      messages.push({ fieldPath: field, description: `more than ${Math.round(rules.maxFutureMicros / 3.6e9)} hours after its receipt (the collector's future horizon)`, validationCode: VALIDATION_CODES.valueOutOfBounds });
    }
  }
  if (messages.length > 0 || !result.success) return { index, raw, event: null, messages };
  // The params were checked by hand in paramsSchema, so they are MpParamValues even though zod types them unknown.
  return { index, raw, event: result.data as MpEvent, messages };
}

/**
 * Validates a parsed JSON body. Every problem gets Google's validation code and the path of its field; events
 * are judged one by one, so `request.events` holds exactly the events that passed.
 */
export function validateMpBody(body: unknown, rules: MpRules): MpValidation {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const message: ValidationMessage = { fieldPath: '', description: 'the body must be a JSON object', validationCode: VALIDATION_CODES.valueInvalid };
    return { request: null, envelopeMessages: [message], events: [], messages: [message] };
  }
  const rawEvents = (body as { events?: unknown }).events;
  const envelopeResult = mpEnvelopeSchema.safeParse(body);
  const envelopeBad = envelopeResult.success && rules.surrogateFree !== true ? findLoneSurrogate({ ...body, events: [] }, []) : null;
  const envelopeMessages = envelopeResult.success
    ? envelopeBad
      ? [{ fieldPath: formatPath(envelopeBad), description: 'contains a lone UTF-16 surrogate (not valid Unicode text)', validationCode: VALIDATION_CODES.valueInvalid }]
      : []
    : toMessages(envelopeResult.error.issues, body, []);
  const list = Array.isArray(rawEvents) ? rawEvents.slice(0, MP_LIMITS.eventsPerRequest * 2) : [];
  const envelope = envelopeResult.success && envelopeMessages.length === 0 ? (envelopeResult.data as Omit<MpRequest, 'events'>) : null;
  const events = list.map((raw, i) => checkEvent(raw, i, { ...(envelope ?? { client_id: '' }), events: [] }, rules));
  const messages = [...envelopeMessages, ...events.flatMap((e) => e.messages)];
  if (!envelope) return { request: null, envelopeMessages, events, messages };
  const accepted = events.flatMap((e) => (e.event ? [e.event] : []));
  return { request: { ...envelope, events: accepted }, envelopeMessages, events, messages };
}
