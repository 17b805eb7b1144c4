/** The run summary, read back from the warehouse (not from the simulator's own bookkeeping). */
import { modelSql } from '../analysis/models';
import { BIGQUERY_SESSION_SETUP } from '../warehouse/bigquery/query-bigquery';
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

/**
 * Read through the analysis models (analysis/models/), the same sessions every other consumer reads: users and
 * sessions as the sessions model counts them, events by name from the staged events.
 */
export async function readSummary(wh: Warehouse, runId: string): Promise<RunSummary> {
  const sessions = modelSql('sessions', { dataset: wh.dataset });
  const events = modelSql('stg_events', { dataset: wh.dataset });
  const [totals] = await wh.query(
    `${BIGQUERY_SESSION_SETUP};
     SELECT count(DISTINCT client_key) AS users, count(*) AS sessions, coalesce(sum(count_purchase), 0) AS purchases,
            coalesce(round(sum(revenue), 2), 0) AS revenue
     FROM (${sessions}) WHERE run_id = ?`,
    [runId],
  );
  const byName = await wh.query(`SELECT event_name, count(*) AS n FROM (${events}) WHERE run_id = ? GROUP BY event_name ORDER BY n DESC, event_name`, [runId]);
  const eventsByName: Record<string, number> = {};
  let total = 0;
  for (const r of byName) {
    if (typeof r.event_name === 'string') eventsByName[r.event_name] = Number(r.n);
    total += Number(r.n);
  }
  return {
    runId,
    users: Number(totals?.users ?? 0),
    sessions: Number(totals?.sessions ?? 0),
    events: total,
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
