/**
 * The dashboard's lists, computed from the live state on request: visitors (filtered and sorted), visitors similar
 * to one by click-stream, sessions to retarget, and RFM segments.
 */
import { quintileScores } from '../insights/segments';
import { VISITOR_STATES, type LiveState, type SessionState, type VisitorRow, type VisitorState } from './live-state';

export const VISITOR_SORTS = ['propensity', 'engagement', 'timeOnSiteS', 'pageViews', 'lastSeen'] as const;
export type VisitorSort = (typeof VISITOR_SORTS)[number];

export interface VisitorFilter {
  device?: string;
  states?: readonly VisitorState[];
  minPropensity?: number;
  maxPropensity?: number;
  sort?: VisitorSort;
  descending?: boolean;
  limit?: number;
}

/** Reads a filter from query parameters, refusing anything outside the known values. */
export function parseVisitorFilter(params: URLSearchParams): VisitorFilter {
  const filter: VisitorFilter = {};
  const device = params.get('device');
  if (device) filter.device = device.slice(0, 40);
  const states = params.getAll('state');
  if (states.length > 0) {
    for (const s of states) if (!(VISITOR_STATES as readonly string[]).includes(s)) throw new Error(`state must be one of ${VISITOR_STATES.join(', ')}, got "${s.slice(0, 40)}"`);
    filter.states = states as VisitorState[];
  }
  const bound = (name: string): number | undefined => {
    const text = params.get(name);
    if (text === null || text === '') return undefined;
    const v = Number(text);
    if (!Number.isFinite(v) || v < 0 || v > 1) throw new Error(`${name} must be a number from 0 to 1, got "${text.slice(0, 40)}"`);
    return v;
  };
  const min = bound('min');
  const max = bound('max');
  if (min !== undefined) filter.minPropensity = min;
  if (max !== undefined) filter.maxPropensity = max;
  const sort = params.get('sort');
  if (sort !== null) {
    if (!(VISITOR_SORTS as readonly string[]).includes(sort)) throw new Error(`sort must be one of ${VISITOR_SORTS.join(', ')}`);
    filter.sort = sort as VisitorSort;
  }
  filter.descending = params.get('dir') !== 'asc';
  const limit = params.get('limit');
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error('limit must be an integer from 1 to 1000');
    filter.limit = n;
  }
  return filter;
}

export function listVisitors(state: LiveState, filter: VisitorFilter = {}): VisitorRow[] {
  const rows: VisitorRow[] = [];
  for (const s of state.liveSessions()) {
    if (filter.device && s.device !== filter.device) continue;
    const row = state.visitorRow(s);
    if (filter.states && !filter.states.includes(row.state)) continue;
    if (filter.minPropensity !== undefined && row.propensity < filter.minPropensity) continue;
    if (filter.maxPropensity !== undefined && row.propensity > filter.maxPropensity) continue;
    rows.push(row);
  }
  const sort = filter.sort ?? 'lastSeen';
  const sign = filter.descending === false ? 1 : -1;
  rows.sort((a, b) => sign * (a[sort] - b[sort]) || (a.key < b.key ? -1 : 1));
  return rows.slice(0, filter.limit ?? 200);
}

/** Jaccard similarity of the sets of pages two sessions visited (their click-streams). */
export function clickStreamSimilarity(a: SessionState, b: SessionState): number {
  const pa = new Set(a.pages.map((p) => p.path));
  const pb = new Set(b.pages.map((p) => p.path));
  if (pa.size === 0 && pb.size === 0) return 0;
  let common = 0;
  for (const p of pa) if (pb.has(p)) common++;
  return common / (pa.size + pb.size - common);
}

/** Live visitors at least `min` similar to one visitor, most similar first (the visitor itself first). */
export function similarVisitors(state: LiveState, key: string, min: number): (VisitorRow & { similarity: number })[] | null {
  const seed = state.session(key);
  if (!seed) return null;
  const out: (VisitorRow & { similarity: number })[] = [];
  for (const s of state.liveSessions()) {
    const similarity = s.key === key ? 1 : clickStreamSimilarity(seed, s);
    if (similarity >= min) out.push({ ...state.visitorRow(s), similarity: Math.round(similarity * 1000) / 1000 });
  }
  return out.sort((a, b) => b.similarity - a.similarity || (a.key < b.key ? -1 : 1)).slice(0, 500);
}

const DAY_US = 86_400_000_000;

/**
 * Sessions worth retargeting: each client's latest session that did not end in a purchase, ranked by engagement
 * (0–100) times propensity, weighted up by churn risk (the longer since the client was last seen, the likelier they
 * are lost: 1 − e^(−days/7)).
 */
export function retargetList(state: LiveState, limit = 50): { key: string; clientId: string; device: string; state: VisitorState; engagement: number; propensity: number; churnRisk: number; score: number }[] {
  // Ranked from the client table's columns; only the rows shown read their session's device.
  const ranked = [];
  for (const [clientId, row] of state.clients.rows()) {
    const s = state.clients.brief(row);
    if (s.stage === 4 || s.stage === 0) continue;
    const days = Math.max(0, (state.now - state.clients.lastEnd(row)) / DAY_US);
    const churnRisk = Math.round(1000 * (1 - Math.exp(-days / 7))) / 1000;
    const propensity = state.lastPropensity(row);
    const score = Math.round(1000 * (s.engagement / 100) * propensity * (0.5 + churnRisk)) / 1000;
    ranked.push({ key: `${clientId}.${s.sessionId}`, clientId, row, state: state.stateOf(s), engagement: s.engagement, propensity, churnRisk, score });
  }
  return ranked
    .sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1))
    .slice(0, limit)
    .map(({ row, ...r }) => ({ key: r.key, clientId: r.clientId, device: state.clients.lastDevice(row), state: r.state, engagement: r.engagement, propensity: r.propensity, churnRisk: r.churnRisk, score: r.score }));
}

export const RFM_SEGMENTS = ['Champions', 'Loyal customers', 'Potential loyalists', 'New customers', 'At risk', 'Hibernating', 'Need attention', 'Prospects'] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/**
 * RFM segments of the clients who bought: recency (days since last seen, fewer is better), frequency (purchases)
 * and monetary (revenue) scored 1–5 by quintile, then named by the usual R×F grid. Clients without a purchase are
 * "Prospects".
 */
export function rfmSegments(state: LiveState): { segment: RfmSegment; clients: number; revenue: number }[] {
  const clients = [...state.clients.rows()].map(([id, row]) => [id, state.clients.summary(row)] as const);
  const buyers = clients.filter(([, c]) => c.purchases > 0);
  // Quintile scores among the buyers (higher is better: recency is negated), insights' scoring.
  const recency = quintileScores(buyers.map(([, c]) => -(state.now - c.lastEnd)));
  const frequency = quintileScores(buyers.map(([, c]) => c.purchases));
  const scores = new Map(buyers.map(([id, c], i) => [id, { r: recency[i] ?? 1, f: c.purchases > 1 ? (frequency[i] ?? 1) : 1 }]));
  const sizes = new Map<RfmSegment, { clients: number; revenue: number }>(RFM_SEGMENTS.map((s) => [s, { clients: 0, revenue: 0 }]));
  for (const [id, c] of clients) {
    let segment: RfmSegment = 'Prospects';
    const score = scores.get(id);
    if (score) {
      const { r, f } = score;
      segment = r >= 4 && f >= 4 ? 'Champions' : f >= 4 ? 'Loyal customers' : r >= 4 && f >= 2 ? 'Potential loyalists' : r >= 4 ? 'New customers' : r <= 2 && f >= 3 ? 'At risk' : r <= 2 ? 'Hibernating' : 'Need attention';
    }
    const s = sizes.get(segment);
    if (s) {
      s.clients++;
      s.revenue += c.revenue;
    }
  }
  return [...sizes].map(([segment, s]) => ({ segment, clients: s.clients, revenue: Math.round(s.revenue * 100) / 100 }));
}
