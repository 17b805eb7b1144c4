/**
 * `shoplab verify ga4`: GA4's event counts by name and day (the Data API's runReport) or in the last 30 minutes
 * (runRealtimeReport), beside the warehouse's, through the official `@google-analytics/data` client. The
 * warehouse side reads the analysis model stg_events, so both count the same events; names the Measurement
 * Protocol reserves (session_start, first_visit, user_engagement) are left out, since the relay cannot send them
 * and GA4 derives its own.
 */
import { BetaAnalyticsDataClient } from '@google-analytics/data';
import { googleAuthLibrary } from 'google-gax';
import { modelSql, suffixOf } from '../analysis/models';
import { isReservedEventName, SESSION_PARAMS } from '../ga4/measurement-protocol';
import { BIGQUERY_SESSION_SETUP } from '../warehouse/bigquery/query-bigquery';
import type { Warehouse } from '../warehouse/warehouse';

export interface VerifyGa4Options {
  /** GA4 property id (digits). */
  property: string;
  /** Only events of this simulated run (GA4 side: the custom dimension `customEvent:shoplab_run_id`). */
  runId?: string;
  /** Compare the last 30 minutes (runRealtimeReport) instead of days. */
  realtime?: boolean;
  /** Days to compare (YYYY-MM-DD); default the warehouse's first and last day. */
  from?: string;
  to?: string;
  /** Allowed difference per row, in percent of the warehouse's count. Default 0. */
  tolerancePct?: number;
  /** `host:port` of a stand-in (plain HTTP, no credentials); default Google with Application Default Credentials. */
  apiEndpoint?: string;
  /** Clock in ms (realtime window). Default Date.now. */
  now?: () => number;
}

export interface VerifyRow {
  eventName: string;
  /** YYYYMMDD; `last 30 min` in realtime mode. */
  date: string;
  warehouse: number;
  ga4: number;
  /** ga4 − warehouse. */
  diff: number;
  /** |diff| / warehouse in percent (100 when the warehouse has none and GA4 some). */
  diffPct: number;
  ok: boolean;
}

export interface VerifyResult {
  rows: VerifyRow[];
  ok: boolean;
  range: string;
  tolerancePct: number;
}

const PROPERTY = /^\d{1,20}$/;

export function dataClient(apiEndpoint?: string): BetaAnalyticsDataClient {
  if (!apiEndpoint) return new BetaAnalyticsDataClient();
  const m = /^([^:/\s]+|\[[^\]]+\]):(\d{1,5})$/.exec(apiEndpoint);
  if (!m) throw new Error(`--api-endpoint must be host:port, got "${apiEndpoint}"`);
  // The REST fallback over plain HTTP, credentials passed through: what a local stand-in needs.
  return new BetaAnalyticsDataClient({
    fallback: true,
    apiEndpoint: m[1],
    port: Number(m[2]),
    protocol: 'http',
    authClient: new googleAuthLibrary.PassThroughClient(),
  });
}

function isoOf(day: string, what: string): string {
  const s = suffixOf(day, what);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

function googleMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

export async function verifyGa4(wh: Warehouse, options: VerifyGa4Options): Promise<VerifyResult> {
  if (!PROPERTY.test(options.property)) throw new Error(`--property must be a GA4 property id (digits), got "${options.property}"`);
  const tolerancePct = options.tolerancePct ?? 0;
  if (!(tolerancePct >= 0)) throw new Error(`--tolerance must be a percentage ≥ 0, got ${options.tolerancePct}`);
  const now = options.now ?? Date.now;
  const client = dataClient(options.apiEndpoint);

  // Warehouse counts, through the one staging model.
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.runId !== undefined) {
    where.push('run_id = ?');
    params.push(options.runId);
  }
  let from = options.from === undefined ? undefined : isoOf(options.from, '--from');
  let to = options.to === undefined ? undefined : isoOf(options.to, '--to');
  if (options.realtime) {
    where.push('event_timestamp >= ?');
    params.push((now() - 30 * 60_000) * 1000);
  }
  const sql = modelSql('stg_events', { dataset: wh.dataset, ...(from ? { from } : {}), ...(to ? { to } : {}) });
  const local = await wh.query(
    `${BIGQUERY_SESSION_SETUP};\nSELECT event_name, event_date, count(*) AS n FROM (\n${sql}\n) AS e${where.length ? ` WHERE ${where.join(' AND ')}` : ''} GROUP BY ALL`,
    params,
  );
  const counts = new Map<string, { eventName: string; date: string; warehouse: number; ga4: number }>();
  const key = (name: string, date: string): string => `${name}\u0000${date}`;
  for (const r of local) {
    const name = typeof r.event_name === 'string' ? r.event_name : '';
    if (isReservedEventName(name)) continue;
    const date = options.realtime ? 'last 30 min' : typeof r.event_date === 'string' ? r.event_date : '';
    const k = key(name, date);
    const row = counts.get(k) ?? { eventName: name, date, warehouse: 0, ga4: 0 };
    row.warehouse += Number(r.n);
    counts.set(k, row);
  }
  if (!options.realtime) {
    const days = [...counts.values()].map((r) => r.date).sort();
    const iso = (d: string | undefined): string | undefined => (d ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : undefined);
    from ??= iso(days[0]) ?? isoOf(new Date(now()).toISOString().slice(0, 10), '--from');
    to ??= iso(days[days.length - 1]) ?? from;
  }

  const dimensionFilter = options.runId === undefined ? undefined : { filter: { fieldName: `customEvent:${SESSION_PARAMS.runId}`, stringFilter: { value: options.runId, matchType: 'EXACT' as const } } };
  const property = `properties/${options.property}`;
  try {
    if (options.realtime) {
      const [response] = await client.runRealtimeReport({
        property,
        dimensions: [{ name: 'eventName' }],
        metrics: [{ name: 'eventCount' }],
        minuteRanges: [{ startMinutesAgo: 29, endMinutesAgo: 0 }],
        ...(dimensionFilter ? { dimensionFilter } : {}),
        limit: 10_000,
      });
      for (const row of response.rows ?? []) {
        const name = row.dimensionValues?.[0]?.value ?? '';
        if (isReservedEventName(name)) continue;
        const k = key(name, 'last 30 min');
        const entry = counts.get(k) ?? { eventName: name, date: 'last 30 min', warehouse: 0, ga4: 0 };
        entry.ga4 += Number(row.metricValues?.[0]?.value ?? 0);
        counts.set(k, entry);
      }
    } else {
      const [response] = await client.runReport({
        property,
        dimensions: [{ name: 'eventName' }, { name: 'date' }],
        metrics: [{ name: 'eventCount' }],
        dateRanges: [{ startDate: from, endDate: to }],
        ...(dimensionFilter ? { dimensionFilter } : {}),
        limit: 100_000,
      });
      for (const row of response.rows ?? []) {
        const name = row.dimensionValues?.[0]?.value ?? '';
        const date = row.dimensionValues?.[1]?.value ?? '';
        if (isReservedEventName(name)) continue;
        const k = key(name, date);
        const entry = counts.get(k) ?? { eventName: name, date, warehouse: 0, ga4: 0 };
        entry.ga4 += Number(row.metricValues?.[0]?.value ?? 0);
        counts.set(k, entry);
      }
    }
  } catch (error) {
    throw new Error(`GA4 Data API (${property}): ${googleMessage(error)}`, { cause: error });
  } finally {
    await client.close();
  }

  const rows = [...counts.values()]
    .map((r) => {
      const diff = r.ga4 - r.warehouse;
      const diffPct = r.warehouse === 0 ? (r.ga4 === 0 ? 0 : 100) : (Math.abs(diff) / r.warehouse) * 100;
      return { ...r, diff, diffPct, ok: diffPct <= tolerancePct };
    })
    .sort((a, b) => a.date.localeCompare(b.date) || a.eventName.localeCompare(b.eventName));
  return { rows, ok: rows.every((r) => r.ok), range: options.realtime ? 'last 30 minutes' : `${from} .. ${to}`, tolerancePct };
}

/** The side-by-side table `shoplab verify ga4` prints. */
export function formatVerify(result: VerifyResult): string {
  const header = ['event_name', 'date', 'warehouse', 'ga4', 'diff', 'diff_%', ''];
  const body = result.rows.map((r) => [r.eventName, r.date, String(r.warehouse), String(r.ga4), r.diff > 0 ? `+${r.diff}` : String(r.diff), r.diffPct.toFixed(1), r.ok ? 'ok' : 'DIFF']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const total = (pick: (r: VerifyRow) => number): number => result.rows.reduce((s, r) => s + pick(r), 0);
  const bad = result.rows.filter((r) => !r.ok).length;
  return [
    line(header),
    ...body.map(line),
    '',
    `${result.range}: warehouse ${total((r) => r.warehouse)} events, GA4 ${total((r) => r.ga4)}; ${bad === 0 ? `all ${result.rows.length} rows within` : `${bad} of ${result.rows.length} rows beyond`} the tolerance of ${result.tolerancePct}%`,
  ].join('\n');
}
