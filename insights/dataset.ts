/**
 * The data every insight is trained and scored on: the warehouse read through the analysis models (users,
 * sessions, stg_events, item_events), joined to the ground truth (ground_truth.sim_users / sim_sessions) on
 * client id = user_pseudo_id. The truth is kept apart from the behaviour (`truth` below) so that no feature can
 * read it; models see only `users`, `sessions` and `itemEvents`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryModel } from '../analysis/models';
import type { JsonValue, Warehouse } from '../warehouse/warehouse';

/** One GA4 event of a session, as the live collector also sees it. */
export interface SessionEvent {
  name: string;
  /** event_timestamp, microseconds. */
  t: number;
}

export interface SessionRecord {
  userId: string;
  gaSessionId: number;
  sessionNumber: number;
  startMicros: number;
  device: string;
  converted: boolean;
  revenue: number;
  /** In time order. */
  events: SessionEvent[];
}

export interface UserRecord {
  userId: string;
  sessions: number;
  pageViews: number;
  events: number;
  durationS: number;
  engagementMs: number;
  searches: number;
  itemViews: number;
  addToCarts: number;
  purchases: number;
  revenue: number;
  recencyDays: number;
  frequency: number;
  monetary: number;
  device: string;
}

export interface ItemEvent {
  userId: string;
  gaSessionId: number;
  t: number;
  name: string;
  itemId: string;
  /** Top-level category id (e.g. `kitchen-cooking`), the ids persona interests are written in. */
  category: string;
  price: number;
}

/**
 * A category the shopper chose to look into, without choosing an item yet: a category page opened (its list
 * `category_<id>` shown) or a search for a word of the category's name. What a shopper browses says most about
 * what they like; item events alone see only the few items they opened.
 */
export interface CategoryVisit {
  userId: string;
  gaSessionId: number;
  t: number;
  category: string;
  /** A share of one visit: a search word that names two categories ("fashion") counts half for each. */
  weight: number;
  via: 'list' | 'search';
}

/** Who a shopper really is (ground_truth.sim_users); never a feature. */
export interface TruthUser {
  userId: string;
  segment: string;
  age: number;
  gender: string;
  job: string;
  region: string;
  device: string;
  /** Category id → weight, every category (unlisted ones at the persona's baseline). */
  interests: Record<string, number>;
  budget: number;
}

export interface Manifest {
  /** sha256 over every session's key and event count and every truth row: what the models were trained on. */
  fingerprint: string;
  runIds: string[];
  users: number;
  sessions: number;
  events: number;
  firstEventMicros: number;
  lastEventMicros: number;
}

export interface Dataset {
  manifest: Manifest;
  categories: string[];
  users: UserRecord[];
  sessions: SessionRecord[];
  itemEvents: ItemEvent[];
  categoryVisits: CategoryVisit[];
  truth: Map<string, TruthUser>;
}

interface Category {
  id: string;
  name: string;
}

/** The store's top-level categories; the events carry their names (item_category), the personas their ids. */
export function storeCategories(): Category[] {
  const raw = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'src', 'data', 'categories.json'), 'utf8')) as Category[];
  return raw.map((c) => ({ id: c.id, name: c.name }));
}

const num = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0);
const str = (v: JsonValue | undefined): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === null || v === undefined ? '' : JSON.stringify(v);

function parseJson(v: JsonValue | undefined): JsonValue {
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as JsonValue;
    } catch {
      return null;
    }
  }
  return v ?? null;
}

/** Reads everything; throws a one-line error when the warehouse has no sessions or no ground truth to score against. */
export async function loadDataset(wh: Warehouse): Promise<Dataset> {
  const categories = storeCategories();
  const byName = new Map(categories.map((c) => [c.name, c.id]));

  const userRows = await queryModel(wh, 'users', { orderBy: 'user_pseudo_id' });
  if (userRows.length === 0) throw new Error('the warehouse has no sessions yet (run `shoplab simulate` first)');
  const sessionRows = await queryModel(wh, 'sessions', { orderBy: 'user_pseudo_id, session_start_micros' });
  const eventRows = await queryModel(wh, 'stg_events', {
    where: 'ga_session_id IS NOT NULL',
    orderBy: 'user_pseudo_id, ga_session_id, event_timestamp, event_name',
  });
  // List impressions (every item of every list shown) are most of the rows and say nothing of the shopper's choice.
  const itemRows = await queryModel(wh, 'item_events', {
    where: "event_name <> 'view_item_list'",
    orderBy: 'user_pseudo_id, event_timestamp, event_name, item_id',
  });

  const truthTable = await wh.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'ground_truth' AND table_name = 'sim_users'`,
  );
  if (truthTable.length === 0) throw new Error('the warehouse has no ground truth (ground_truth.sim_users): train needs a `shoplab simulate` run');
  const truthRows = await wh.query(
    `SELECT client_id, segment, age, gender, job, region, device, CAST(interests AS VARCHAR) AS interests,
            CAST(persona AS VARCHAR) AS persona, budget
     FROM ground_truth.sim_users ORDER BY client_id, run_id`,
  );

  const eventsBySession = new Map<string, SessionEvent[]>();
  for (const r of eventRows) {
    const key = `${str(r.user_pseudo_id)}\u0000${num(r.ga_session_id)}`;
    let list = eventsBySession.get(key);
    if (!list) eventsBySession.set(key, (list = []));
    list.push({ name: str(r.event_name), t: num(r.event_timestamp) });
  }

  const sessions: SessionRecord[] = sessionRows.map((r) => ({
    userId: str(r.user_pseudo_id),
    gaSessionId: num(r.ga_session_id),
    sessionNumber: num(r.session_number),
    startMicros: num(r.session_start_micros),
    device: str(r.device_category),
    converted: r.converted === true,
    revenue: num(r.revenue),
    events: eventsBySession.get(`${str(r.user_pseudo_id)}\u0000${num(r.ga_session_id)}`) ?? [],
  }));

  const users: UserRecord[] = userRows.map((r) => ({
    userId: str(r.user_pseudo_id),
    sessions: num(r.sessions),
    pageViews: num(r.page_views),
    events: num(r.events),
    durationS: num(r.total_duration_s),
    engagementMs: num(r.engagement_time_msec),
    searches: num(r.searches),
    itemViews: num(r.item_views),
    addToCarts: num(r.add_to_carts),
    purchases: num(r.purchases),
    revenue: num(r.revenue),
    recencyDays: num(r.recency_days),
    frequency: num(r.frequency),
    monetary: num(r.monetary),
    device: str(r.device_category),
  }));

  const itemEvents: ItemEvent[] = itemRows.map((r) => ({
    userId: str(r.user_pseudo_id),
    gaSessionId: num(r.ga_session_id),
    t: num(r.event_timestamp),
    name: str(r.event_name),
    itemId: str(r.item_id),
    category: byName.get(str(r.item_category)) ?? str(r.item_category),
    price: num(r.price),
  }));

  const ids = new Set(categories.map((c) => c.id));
  const byWord = new Map<string, string[]>();
  for (const c of categories) {
    for (const w of new Set(c.name.toLowerCase().split(/[^a-z0-9-]+/).filter((x) => x.length > 2))) byWord.set(w, [...(byWord.get(w) ?? []), c.id]);
  }
  const categoryVisits: CategoryVisit[] = [];
  for (const r of eventRows) {
    const name = str(r.event_name);
    const base = { userId: str(r.user_pseudo_id), gaSessionId: num(r.ga_session_id), t: num(r.event_timestamp) };
    if (name === 'view_item_list') {
      const list = str(r.item_list_id);
      const cat = list.startsWith('category_') ? list.slice('category_'.length) : '';
      if (ids.has(cat)) categoryVisits.push({ ...base, category: cat, weight: 1, via: 'list' });
    } else if (name === 'search') {
      const words = str(r.search_term).toLowerCase().split(/[^a-z0-9-]+/);
      const cats = words.flatMap((w) => byWord.get(w) ?? []);
      for (const c of cats) categoryVisits.push({ ...base, category: c, weight: 1 / cats.length, via: 'search' });
    }
  }

  const truth = new Map<string, TruthUser>();
  for (const r of truthRows) {
    const listed = parseJson(r.interests);
    const persona = parseJson(r.persona);
    const baseline = persona && typeof persona === 'object' && !Array.isArray(persona) && typeof persona.baseline === 'number' ? persona.baseline : 0.1;
    const interests: Record<string, number> = {};
    for (const c of categories) {
      const w = listed && typeof listed === 'object' && !Array.isArray(listed) ? listed[c.id] : undefined;
      interests[c.id] = typeof w === 'number' ? w : baseline;
    }
    truth.set(str(r.client_id), {
      userId: str(r.client_id),
      segment: str(r.segment),
      age: num(r.age),
      gender: str(r.gender),
      job: str(r.job),
      region: str(r.region),
      device: str(r.device),
      interests,
      budget: num(r.budget),
    });
  }

  const runIds = [...new Set(sessionRows.map((r) => str(r.run_id)).filter((r) => r !== ''))].sort();
  const hash = createHash('sha256');
  for (const s of sessions) hash.update(`${s.userId}|${s.gaSessionId}|${s.events.length}|${s.converted}\n`);
  for (const t of [...truth.values()].sort((a, b) => (a.userId < b.userId ? -1 : 1))) hash.update(`${t.userId}|${t.segment}\n`);
  let first = Infinity;
  let last = -Infinity;
  for (const r of eventRows) {
    const t = num(r.event_timestamp);
    if (t < first) first = t;
    if (t > last) last = t;
  }
  const manifest: Manifest = {
    fingerprint: hash.digest('hex'),
    runIds,
    users: users.length,
    sessions: sessions.length,
    events: eventRows.length,
    firstEventMicros: Number.isFinite(first) ? first : 0,
    lastEventMicros: Number.isFinite(last) ? last : 0,
  };
  return { manifest, categories: categories.map((c) => c.id), users, sessions, itemEvents, categoryVisits, truth };
}

/** The three categories a shopper truly cares most about (ties broken by category id, so the answer is stable). */
export function trueTopInterests(t: TruthUser, k = 3): string[] {
  return Object.entries(t.interests)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([c]) => c);
}

export const AGE_BANDS = ['18-24', '25-34', '35-44', '45-54', '55+'] as const;

/** The bands; the few under-18 shoppers a population may draw fall into the youngest. */
export function ageBand(age: number): string {
  if (age < 25) return '18-24';
  if (age < 35) return '25-34';
  if (age < 45) return '35-44';
  if (age < 55) return '45-54';
  return '55+';
}
