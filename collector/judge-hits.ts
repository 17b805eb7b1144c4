/**
 * What the collector decides about a request's hits, apart from HTTP and storage: parse the body, validate it for
 * its stream, map the valid events to export rows (with their dedupe ids) and the invalid ones to reject rows.
 * It runs in the collector's ingest worker thread (ingest-worker.ts), which owns the first-touch state it updates.
 */

import { MP_LIMITS, SESSION_PARAMS, type MpEvent } from '../ga4/measurement-protocol';
import type { EventId, ExportRow, RejectRow } from '../warehouse/warehouse';
import { locationFromGeoHeader } from './geo-header';
import { parseGtagHits } from './gtag-wire';
import { scanJson } from './json-scan';
import { VALIDATION_CODES, validateMpBody, wellFormed, type MpRules, type ValidationMessage } from './mp-schema';
import { mpToRows, type MpContext } from './mp-to-rows';
import type { StreamConfig } from './server';

/** Deeper JSON than any valid MP body (body → events → params → items → item is 6 levels). */
const MAX_JSON_DEPTH = 16;
/** Longest payload text kept in a reject row. */
const MAX_REJECT_PAYLOAD = MP_LIMITS.bodyBytes;

/** A stream as the judge needs it: no secret (authentication happens before, on the HTTP side). */
export type StreamInfo = Pick<StreamConfig, 'measurementId' | 'streamId' | 'localTag'>;

/** One request's hits, as the HTTP side received them. Plain data, so that it can be posted to a worker. */
export interface HitsInput {
  endpoint: '/mp/collect' | '/g/collect';
  /** /mp/collect: the measurement id of the stream the request authenticated for. Unused for /g/collect. */
  measurementId: string | null;
  /** The URL's query string with its `?` (gtag hits carry their fields there). */
  search: string;
  /** The body as text ('' for a GET). */
  text: string;
  userAgent: string | undefined;
  origin: string | undefined;
  referer: string | undefined;
  geo: string | string[] | undefined;
  /** When the request arrived, in µs since the epoch. */
  receivedAt: number;
}

export interface JudgedHits {
  rows: ExportRow[];
  /** One dedupe id (or null) per row. */
  ids: (EventId | null)[];
  rejects: RejectRow[];
}

/**
 * A stable identity for an event, so that a retried request stores it once. An event's own `timestamp_micros`
 * (ShopLab's tag makes it strictly increasing per browser) identifies it with the client and name; with only the
 * request's timestamp, the event's position in the request is added. Without any timestamp there is no identity
 * (the receive time differs on every retry), and the event is always stored.
 */
function eventIdentity(measurementId: string, clientId: string, event: MpEvent, requestMicros: number | undefined, index: number): EventId | null {
  // A simulated run's label is part of the identity: two runs with the same seed replay the same clock, and the
  // second must not be taken for retries of the first.
  const run = event.params?.[SESSION_PARAMS.runId];
  const runId = typeof run === 'string' && run ? run : null;
  const suffix = runId === null ? '' : `|${runId}`;
  if (event.timestamp_micros !== undefined) return { key: `${measurementId}|${clientId}|${event.timestamp_micros}|${event.name}${suffix}`, clientId, micros: event.timestamp_micros, runId };
  if (requestMicros !== undefined) return { key: `${measurementId}|${clientId}|${requestMicros}#${index}|${event.name}${suffix}`, clientId, micros: requestMicros, runId };
  return null;
}

export function truncatePayload(text: string): string {
  return text.length > MAX_REJECT_PAYLOAD ? text.slice(0, MAX_REJECT_PAYLOAD) : text;
}

/** Parses JSON text into a body, or says (as Google would) why it cannot be one. */
export function parseJsonBody(text: string): { body: unknown; message: ValidationMessage | null; surrogates: boolean } {
  const { problem, surrogates } = scanJson(text, MAX_JSON_DEPTH);
  if (problem?.kind === 'depth') return { body: null, surrogates, message: { fieldPath: problem.path, description: `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, validationCode: VALIDATION_CODES.valueInvalid } };
  if (problem?.kind === 'duplicate') return { body: null, surrogates, message: { fieldPath: problem.path, description: `the name ${problem.path} appears twice in one object`, validationCode: VALIDATION_CODES.nameDuplicated } };
  try {
    return { body: JSON.parse(text), message: null, surrogates };
  } catch (error) {
    return { body: null, surrogates, message: { fieldPath: '', description: `body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, validationCode: VALIDATION_CODES.valueInvalid } };
  }
}

/**
 * A refused event's record. Its text comes from what the sender sent, which may hold lone UTF-16 surrogates (the
 * very reason it was refused, say); DuckDB stores only well-formed text, so each becomes U+FFFD here rather than
 * failing the write of the whole group.
 */
export function rejectRow(endpoint: string, stream: StreamInfo | null, measurementId: string | null, receivedAt: number, fields: Partial<RejectRow> & Pick<RejectRow, 'field_path' | 'validation_code' | 'description'>): RejectRow {
  const row: RejectRow = {
    received_at_micros: receivedAt,
    endpoint,
    measurement_id: measurementId?.slice(0, 100) ?? null,
    stream_id: stream?.streamId ?? null,
    client_id: null,
    event_index: null,
    event_name: null,
    payload: null,
    ...fields,
  };
  for (const key of ['measurement_id', 'client_id', 'event_name', 'field_path', 'description', 'payload'] as const) {
    const value = row[key];
    if (value !== null) row[key] = wellFormed(value);
  }
  return row;
}

function hostnameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  try {
    return new URL(header).hostname || undefined;
  } catch {
    return undefined;
  }
}

function eventNameOf(raw: unknown): string | null {
  const name = (raw as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name.slice(0, 100) : null;
}

/** Validates one MP body for a stream and splits it into rows to store and events to record as refused. */
function judgeBody(input: HitsInput, stream: StreamInfo, body: unknown, rules: MpRules, dedupe: boolean, firstTouch: MpContext['firstTouch'], out: JudgedHits): void {
  const { endpoint, receivedAt } = input;
  const verdict = validateMpBody(body, rules);
  if (!verdict.request) {
    const rawClient = (body as { client_id?: unknown } | null)?.client_id;
    const clientId = typeof rawClient === 'string' ? rawClient.slice(0, 256) : null;
    const first = verdict.envelopeMessages[0];
    const description = verdict.envelopeMessages.map((m) => `${m.fieldPath || '(body)'}: ${m.description}`).join('; ');
    const events = verdict.events.length > 0 ? verdict.events : [{ index: null, raw: body }];
    for (const e of events) {
      out.rejects.push(rejectRow(endpoint, stream, stream.measurementId, receivedAt, {
        client_id: clientId,
        event_index: e.index,
        event_name: eventNameOf(e.raw),
        field_path: first?.fieldPath ?? '',
        validation_code: first?.validationCode ?? VALIDATION_CODES.valueInvalid,
        description,
        payload: truncatePayload(JSON.stringify(e.raw) ?? 'null'),
      }));
    }
    return;
  }
  for (const e of verdict.events) {
    const first = e.messages[0];
    if (e.event || !first) continue;
    out.rejects.push(rejectRow(endpoint, stream, stream.measurementId, receivedAt, {
      client_id: verdict.request.client_id,
      event_index: e.index,
      event_name: eventNameOf(e.raw),
      field_path: first.fieldPath,
      validation_code: first.validationCode,
      description: e.messages.map((m) => `${m.fieldPath}: ${m.description}`).join('; '),
      payload: truncatePayload(JSON.stringify(e.raw) ?? 'null'),
    }));
  }
  const request = verdict.request;
  if (request.events.length === 0) return;
  const rows = mpToRows(request, {
    receivedAtMicros: receivedAt,
    streamId: stream.streamId,
    userAgent: input.userAgent,
    hostname: hostnameOf(input.origin) ?? hostnameOf(input.referer),
    location: locationFromGeoHeader(input.geo),
    ...(firstTouch ? { firstTouch } : {}),
  });
  for (const row of rows) out.rows.push(row);
  request.events.forEach((event, i) => out.ids.push(dedupe ? eventIdentity(stream.measurementId, request.client_id, event, request.timestamp_micros, i) : null));
}

/**
 * Judges the hits of one /mp/collect request (already authenticated for `input.measurementId`) or one /g/collect
 * request (each hit names its stream). `firstTouch` is the user state that mapping reads and updates.
 */
export function judgeHits(input: HitsInput, streams: readonly StreamInfo[], firstTouch?: MpContext['firstTouch']): JudgedHits {
  const out: JudgedHits = { rows: [], ids: [], rejects: [] };
  const { endpoint, receivedAt } = input;
  if (endpoint === '/mp/collect') {
    const stream = streams.find((s) => s.measurementId === input.measurementId);
    if (!stream) throw new Error(`judgeHits: no stream ${JSON.stringify(input.measurementId)}; authenticate the request first`);
    const parsed = parseJsonBody(input.text);
    if (parsed.message) {
      out.rejects.push(rejectRow(endpoint, stream, stream.measurementId, receivedAt, { field_path: parsed.message.fieldPath, validation_code: parsed.message.validationCode, description: parsed.message.description, payload: truncatePayload(input.text) }));
    } else {
      const rules: MpRules = { allowAutomaticEvents: stream.localTag === true, enforceMaxPast: stream.localTag !== true, nowMicros: receivedAt, surrogateFree: !parsed.surrogates };
      judgeBody(input, stream, parsed.body, rules, true, firstTouch, out);
    }
    return out;
  }
  for (const hit of parseGtagHits(new URLSearchParams(input.search), input.text)) {
    const stream = streams.find((s) => s.measurementId === hit.measurementId);
    if (!stream) {
      out.rejects.push(rejectRow(endpoint, null, hit.measurementId, receivedAt, { field_path: 'tid', validation_code: hit.measurementId ? VALIDATION_CODES.valueInvalid : VALIDATION_CODES.valueRequired, description: `unknown measurement id (tid) ${JSON.stringify(hit.measurementId?.slice(0, 40) ?? null)}`, payload: truncatePayload(JSON.stringify(hit.body)) }));
      continue;
    }
    // gtag.js sends the automatic web events itself, and its hits carry no time of their own (receive time).
    // Its hits have no stable identity either (`_s` restarts per page in small clients), so none is deduplicated.
    judgeBody(input, stream, hit.body, { allowAutomaticEvents: true, enforceMaxPast: false, nowMicros: receivedAt }, false, firstTouch, out);
  }
  return out;
}
