/** The run summary, read back from the warehouse (not from the simulator's own bookkeeping). */
import type { Warehouse } from '../warehouse/warehouse';

export interface RunSummary {
  runId: string;
  users: number;
  sessions: number;
  events: number;
  eventsByName: Record<string, number>;
  purchases: number;
  revenue: number;
}

/** One place for the queries, so the demo's printout and the tests that check it run the same SQL. */
export const SUMMARY_SQL = {
  totals: `
    SELECT count(*) AS events,
           count(DISTINCT user_pseudo_id) AS users,
           count(DISTINCT user_pseudo_id || '/' || CAST(list_filter(event_params, p -> p.key = 'ga_session_id')[1].value.int_value AS VARCHAR)) AS sessions,
           count(*) FILTER (WHERE event_name = 'purchase') AS purchases,
           coalesce(round(sum(ecommerce.purchase_revenue) FILTER (WHERE event_name = 'purchase'), 2), 0) AS revenue
    FROM {events}
    WHERE list_filter(event_params, p -> p.key = 'shoplab_run_id')[1].value.string_value = ?`,
  byName: `
    SELECT event_name, count(*) AS n
    FROM {events}
    WHERE list_filter(event_params, p -> p.key = 'shoplab_run_id')[1].value.string_value = ?
    GROUP BY event_name ORDER BY n DESC, event_name`,
} as const;

export async function readSummary(wh: Warehouse, runId: string): Promise<RunSummary> {
  const table = `${wh.dataset}.events`;
  const [totals] = await wh.query(SUMMARY_SQL.totals.replaceAll('{events}', table), [runId]);
  const byName = await wh.query(SUMMARY_SQL.byName.replaceAll('{events}', table), [runId]);
  const eventsByName: Record<string, number> = {};
  for (const r of byName) if (typeof r.event_name === 'string') eventsByName[r.event_name] = Number(r.n);
  return {
    runId,
    users: Number(totals?.users ?? 0),
    sessions: Number(totals?.sessions ?? 0),
    events: Number(totals?.events ?? 0),
    eventsByName,
    purchases: Number(totals?.purchases ?? 0),
    revenue: Number(totals?.revenue ?? 0),
  };
}

export function formatSummary(s: RunSummary): string {
  const lines = [
    `run ${s.runId}`,
    `  users:     ${s.users}`,
    `  sessions:  ${s.sessions}`,
    `  events:    ${s.events}`,
    `  purchases: ${s.purchases}`,
    `  revenue:   ${s.revenue.toFixed(2)} USD`,
    '  events by name:',
    ...Object.entries(s.eventsByName).map(([name, n]) => `    ${name.padEnd(18)} ${n}`),
  ];
  return lines.join('\n');
}
