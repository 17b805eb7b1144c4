/**
 * The dashboard's numbers, kept up to date event by event instead of recomputed by scans: every committed export
 * row updates its session, its client, the minute it fell in and a handful of counters, so that a refresh costs
 * the same with ten events stored or ten million. Time is event time (`event_timestamp`), never the wall clock:
 * "now" is the latest event seen, so a run replayed in virtual time reads like a live day at whatever speed it is
 * produced.
 */
import { digestLines, digestRow, pathOf, type EventDigest } from '../warehouse/row-digest';
import type { ExportRow, JsonValue } from '../warehouse/warehouse';
import { ClientTable, type ClientSummary } from './client-table';
import { engagementScore, ruleScore, STAGES, type Stage } from './scores';

const MINUTE_US = 60_000_000;
/** GA4 Realtime's window. */
export const WINDOW_MINUTES = 30;
/** A visitor with no event for this long (event time) and no purchase counts as having left. */
export const LEFT_AFTER_MINUTES = 10;
/** Live visitors drawn in the sunburst. */
const MAX_BUBBLES = 300;
/** Pages kept per live session, for the visitor's path and click-stream similarity. */
const MAX_PAGES = 60;

export type { EventDigest };

export type VisitorState = 'browsing' | 'cart' | 'checkout' | 'purchased' | 'left';
export const VISITOR_STATES: readonly VisitorState[] = ['browsing', 'cart', 'checkout', 'purchased', 'left'];

export interface PageVisit {
  path: string;
  title: string | null;
  /** µs since the epoch (event time). */
  at: number;
}

/** One session as the dashboard knows it. */
export interface SessionState {
  key: string;
  clientId: string;
  sessionId: number;
  start: number;
  end: number;
  device: string;
  region: string | null;
  pageViews: number;
  engagementMs: number;
  stage: Stage;
  revenue: number;
  /** First product click (select_item or view_item), µs; the start of click-to-purchase lag. */
  firstClick: number | null;
  purchaseAt: number | null;
  /** Pages seen while the dashboard watched (empty for sessions known only from the seed). */
  pages: PageVisit[];
  /** Its engagement score, as counted in the engagement sum. */
  engagement: number;
  /** ga_session_number: which visit of the client it is (0 when unknown). */
  sessionNumber: number;
  /**
   * What the propensity model reads: the events before the checkout begins (insights/propensity.ts scores that
   * prefix, so a live score means the same as a trained one), as counts by name with their first and last time.
   */
  prefix: SessionPrefix;
  /** The propensity as last scored; null once an event changed the session. */
  score: number | null;
}

export interface SessionPrefix {
  counts: Record<string, number>;
  events: number;
  first: number;
  last: number;
  /** The checkout (or the purchase) has begun: later events are not part of it. */
  closed: boolean;
}

/** Events that end the scored prefix (as in insights/propensity.ts). */
const OUTCOME_EVENTS = new Set(['begin_checkout', 'add_shipping_info', 'add_payment_info', 'purchase']);

/** The cards, as numbers (null where there is nothing to divide by yet). */
export interface Cards {
  activeUsers: number;
  sessions: number;
  conversionRate: number | null;
  revenue: number;
  avgSessionDurationS: number | null;
  dropOffRate: number | null;
  clickToPurchaseLagS: number | null;
  engagementScore: number | null;
}

export interface Snapshot {
  /** Latest event time seen, µs (0 before any). */
  now: number;
  /** Wall-clock ms at which the newest commit counted here reached the dashboard (0 before any): how fresh it is. */
  committedAt: number;
  /** Whether what the warehouse held at start has been counted (until then the cards show only what came since). */
  seeded: boolean;
  /** Which propensity the visitors carry. */
  propensity: { source: PropensityScorer['source']; description: string };
  cards: Cards;
  /** Active users per minute, oldest first, WINDOW_MINUTES entries ending at `now`'s minute. */
  activeByMinute: { minute: number; users: number }[];
  funnel: { step: string; sessions: number; dropOff: number | null }[];
  topPages: { path: string; views: number }[];
  topItems: { name: string; views: number; purchases: number }[];
  /** Items an offer can feature (recently viewed). */
  featurable: { itemId: string; name: string }[];
  devices: { device: string; sessions: number }[];
  visitorStates: { state: VisitorState; visitors: number }[];
  regions: { region: string; sessions: number; conversionRate: number }[];
  /** Live visitors by the site section and page they are on (the most recently active MAX_BUBBLES). */
  sections: { section: string; page: string; visitor: string; timeOnSiteS: number; propensity: number }[];
}

/**
 * A message of the dashboard's event stream: the snapshot, with the visitor bubbles (`sections`, 30 of a snapshot's
 * ~33 KB with a busy store) in at most one message a second (SseHub's full messages); the page keeps the last
 * bubbles it got until then.
 */
export type StreamMessage = Omit<Snapshot, 'sections'> & { sections?: Snapshot['sections'] };

export interface VisitorRow {
  key: string;
  clientId: string;
  device: string;
  region: string | null;
  state: VisitorState;
  propensity: number;
  engagement: number;
  timeOnSiteS: number;
  pageViews: number;
  currentPage: string | null;
  lastSeen: number;
}

/** What the dashboard knows of an item from its views, enough to feature it in an offer. */
export interface ItemInfo {
  item_id: string;
  item_name: string;
  price: number;
  item_category: string | null;
  /** Its page in the store (where it was viewed). */
  path: string;
}

/** Event names and the `sessions` model's column counting them, for a seeded session's prefix. */
const SEED_COUNTS = [
  ['page_view', 'page_views'],
  ...(['view_item_list', 'select_item', 'view_item', 'view_promotion', 'select_promotion', 'search', 'scroll', 'add_to_wishlist', 'add_to_cart', 'remove_from_cart', 'view_cart', 'login', 'sign_up'] as const).map((e) => [e, `count_${e}`] as const),
  ...(['begin_checkout', 'add_shipping_info', 'add_payment_info', 'purchase'] as const).map((e) => [e, `count_${e}`] as const),
] as const;

/** The columns of analysis' `sessions` model that `seedSession` reads. */
export const SEED_COLUMNS = [
  'user_pseudo_id',
  'ga_session_id',
  'session_start_micros',
  'session_end_micros',
  'device_category',
  'region',
  'page_views',
  'engagement_time_msec',
  'revenue',
  'exit_page',
  'converted',
  'reached_checkout',
  'added_to_cart',
  'count_view_item',
  'session_number',
  'events',
  ...SEED_COUNTS.map(([, column]) => column),
] as const;

/** A session's propensity, and what the dashboard says it is: the insights model when trained, else the rule. */
export interface PropensityScorer {
  source: 'model' | 'rule';
  /** One line for the page, e.g. which model and when it was trained. */
  description: string;
  score(s: SessionState): number;
}

/** The documented rule (scores.ts). */
export const RULE_PROPENSITY: PropensityScorer = {
  source: 'rule',
  description: 'Rule score (no trained model in <data>/insights/): funnel steps, engaged time and pages, see docs/dashboard.md',
  score: ruleScore,
};

const FUNNEL_STEPS = ['Sessions', 'Viewed an item', 'Added to cart', 'Began checkout', 'Purchased'] as const;

/** The site section a path belongs to (its first segment), for the sunburst. */
export function sectionOf(path: string): string {
  const first = path.split('/').filter(Boolean)[0];
  return first === undefined ? 'home' : first;
}

const num = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : 0);
const str = (v: JsonValue | undefined): string | null => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null);

function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function topOf<T>(map: Map<string, T>, value: (t: T) => number, n: number): [string, T][] {
  return [...map].sort((a, b) => value(b[1]) - value(a[1]) || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

/** The live sessions whose latest event (event time) fell in one minute, and how many of them are at each stage. */
interface MinuteBucket {
  sessions: Set<SessionState>;
  stages: number[];
}

export class LiveState {
  /**
   * The live sessions, by key: those with an event in the window (event time). A session leaves it, and this map,
   * when its minute drops out of the window, so the map stays as small as the live traffic however long the server
   * runs; what the cards count of it stays in the sums below, and its client keeps it as `last` if it was the latest.
   */
  readonly sessions = new Map<string, SessionState>();
  /**
   * Every client: its counts, the latest minute it was active in (see latestMinuteCounts) and its latest session,
   * kept (archived, client-table.ts) once it has left the live window: what the retargeting list and an offer's
   * segment read of a client who is gone.
   */
  readonly clients = new ClientTable<SessionState>();
  /** Live sessions by the minute of their latest event: a minute leaves the window whole. */
  private readonly buckets = new Map<number, MinuteBucket>();
  /**
   * Where each live session is counted: its bucket's minute, the stage counted there, and its end when last filed
   * (a bucket's sessions are in the order their latest events arrived).
   */
  private readonly placed = new Map<SessionState, { minute: number; stage: Stage; end: number }>();
  /** Sessions ever counted (the sessions card), live or gone. */
  private sessionCount = 0;
  /** The window's first minute when last pruned. */
  private prunedFrom = -Infinity;
  /** The live session of the latest event: a request's events are mostly one session's, found without a lookup. */
  private lastOpened: SessionState | null = null;
  private readonly minutes = new Map<number, Set<string>>();
  /**
   * Clients by the latest minute they were active in: a client was active in the window exactly when that minute is
   * in it, so the active-users card is a sum of at most 30 counts rather than a union of the minutes' sets.
   */
  private readonly latestMinuteCounts = new Map<number, number>();
  private readonly stageCounts = [0, 0, 0, 0, 0];
  private readonly pageViews = new Map<string, number>();
  private readonly itemCounts = new Map<string, { views: number; purchases: number }>();
  /** Items by id, as last viewed. */
  readonly items = new Map<string, ItemInfo>();
  private readonly devices = new Map<string, number>();
  private readonly regions = new Map<string, { sessions: number; purchased: number }>();
  /** Clients who saw / clicked each promotion (by promotion_id), for the offers' events. */
  readonly promotions = new Map<string, { views: Set<string>; selects: Set<string> }>();
  private lags: number[] = [];
  private lagsSorted = true;
  private revenue = 0;
  private durationSumS = 0;
  private engagementSum = 0;
  /** Latest event time, µs. */
  now = 0;
  /** Events applied since the start (seed excluded). */
  events = 0;
  /** See Snapshot.committedAt. */
  committedAt = 0;
  /** See Snapshot.seeded. */
  seeded = false;

  constructor(readonly scorer: PropensityScorer = RULE_PROPENSITY) {}

  /** Counts a seeded session (a row of analysis/models/sessions.sql); returns it, or null for a row without a client. */
  seedSession(row: Record<string, JsonValue>): SessionState | null {
    const clientId = str(row.user_pseudo_id);
    const sessionId = num(row.ga_session_id);
    if (clientId === null) return null;
    const stage: Stage = row.converted === true ? 4 : row.reached_checkout === true ? 3 : row.added_to_cart === true ? 2 : num(row.count_view_item) > 0 ? 1 : 0;
    const s = this.open(clientId, sessionId, num(row.session_start_micros), str(row.device_category) ?? '(not set)', str(row.region));
    // s.end moves in advance(), which counts the duration into the average.
    const end = Math.max(s.end, num(row.session_end_micros));
    s.pageViews = num(row.page_views);
    s.engagementMs = num(row.engagement_time_msec);
    s.revenue = num(row.revenue);
    this.revenue += s.revenue;
    s.sessionNumber = num(row.session_number);
    // The model scores the events before the checkout; the sessions model counts whole sessions, so for a seeded
    // session that reached the checkout the events after it are counted too (such sessions nearly always bought,
    // and a purchase scores 1 whatever the model says).
    let outcome = 0;
    for (const [event, column] of SEED_COUNTS) {
      const n = num(row[column]);
      if (n <= 0) continue;
      if (OUTCOME_EVENTS.has(event)) outcome += n;
      else s.prefix.counts[event] = n;
    }
    s.prefix.events = Math.max(0, num(row.events) - outcome);
    s.prefix.first = s.start;
    s.prefix.last = end;
    s.prefix.closed = outcome > 0;
    s.score = null;
    const exit = pathOf(str(row.exit_page));
    if (exit !== null) s.pages.push({ path: exit, title: null, at: end });
    this.advance(s, stage, end);
    this.touch(s, end, false);
    return s;
  }

  /** Applies export rows given as JSON lines, each parsed whole (the collector's commits come digested: applyDigest). */
  applyLines(lines: readonly string[]): void {
    for (const d of digestLines(lines)) this.applyDigest(d);
  }

  applyRow(row: Partial<ExportRow>): void {
    const d = digestRow(row);
    if (d) this.applyDigest(d);
  }

  /** Counts one event (see EventDigest). */
  applyDigest(d: EventDigest): void {
    const { client: clientId, t: at, name } = d;
    this.events++;
    const s = this.open(clientId, d.session, at, d.device, d.region);
    s.score = null;
    if (s.sessionNumber === 0 && d.sessionNumber !== null) s.sessionNumber = d.sessionNumber;
    const prefix = s.prefix;
    if (OUTCOME_EVENTS.has(name)) prefix.closed = true;
    else if (!prefix.closed) {
      prefix.counts[name] = (prefix.counts[name] ?? 0) + 1;
      if (prefix.events === 0 || at < prefix.first) prefix.first = at;
      if (prefix.events === 0 || at > prefix.last) prefix.last = at;
      prefix.events++;
    }
    if (d.engagementMs !== null) s.engagementMs += d.engagementMs;
    if (name === 'page_view') {
      s.pageViews++;
      const path = d.path ?? '/';
      this.pageViews.set(path, (this.pageViews.get(path) ?? 0) + 1);
      if (s.pages.length < MAX_PAGES) s.pages.push({ path, title: d.title, at });
    }
    const first = d.item;
    if (name === 'view_item' && first?.name) {
      this.itemOf(first.name).views++;
      if (first.id && d.path !== null && first.price !== null) {
        this.items.set(first.id, { item_id: first.id, item_name: first.name, price: first.price, item_category: first.category, path: d.path });
      }
    }
    if ((name === 'select_item' || name === 'view_item') && s.firstClick === null) s.firstClick = at;
    if ((name === 'view_promotion' || name === 'select_promotion') && d.promotionId !== null) {
      let promo = this.promotions.get(d.promotionId);
      if (!promo) this.promotions.set(d.promotionId, (promo = { views: new Set(), selects: new Set() }));
      (name === 'view_promotion' ? promo.views : promo.selects).add(clientId);
    }
    if (name === 'purchase') {
      const buyer = this.clients.row(clientId);
      if (buyer !== undefined) {
        this.clients.notePurchaseAt(buyer, at);
        this.clients.addRevenue(buyer, d.revenue);
      }
      for (const itemName of d.purchasedItems) this.itemOf(itemName).purchases++;
      s.revenue += d.revenue;
      this.revenue += d.revenue;
      if (s.purchaseAt === null) {
        s.purchaseAt = at;
        if (s.firstClick !== null) {
          this.lags.push((at - s.firstClick) / 1e6);
          this.lagsSorted = false;
        }
      }
    }
    const stage: Stage | null =
      name === 'purchase' ? 4 : name === 'begin_checkout' || name === 'add_shipping_info' || name === 'add_payment_info' ? 3 : name === 'add_to_cart' ? 2 : name === 'view_item' ? 1 : null;
    this.advance(s, stage ?? s.stage, at);
    this.touch(s, at, true);
  }

  private itemOf(name: string): { views: number; purchases: number } {
    let it = this.itemCounts.get(name);
    if (!it) this.itemCounts.set(name, (it = { views: 0, purchases: 0 }));
    return it;
  }

  private open(clientId: string, sessionId: number, at: number, device: string, region: string | null): SessionState {
    const recent = this.lastOpened;
    if (recent !== null && recent.sessionId === sessionId && recent.clientId === clientId) return recent;
    const key = `${clientId}.${sessionId}`;
    let s = this.sessions.get(key);
    if (s) return (this.lastOpened = s);
    const known = this.clients.row(clientId);
    // A late event of a client's latest session, which had left the window: it comes back, counted once still.
    if (known !== undefined && this.clients.lastKey(known) === key) {
      const last = this.clients.thaw(known);
      this.sessions.set(key, last);
      return (this.lastOpened = last);
    }
    s = { key, clientId, sessionId, start: at, end: at, device, region, pageViews: 0, engagementMs: 0, stage: 0, revenue: 0, firstClick: null, purchaseAt: null, pages: [], engagement: 0, sessionNumber: 0, prefix: { counts: {}, events: 0, first: at, last: at, closed: false }, score: null };
    this.sessions.set(key, s);
    this.lastOpened = s;
    this.sessionCount++;
    this.stageCounts[0] = (this.stageCounts[0] ?? 0) + 1;
    this.devices.set(device, (this.devices.get(device) ?? 0) + 1);
    if (region !== null) {
      const r = this.regions.get(region) ?? { sessions: 0, purchased: 0 };
      r.sessions++;
      this.regions.set(region, r);
    }
    this.clients.addSession(this.clients.rowOf(clientId, s));
    return s;
  }

  /** Moves a session down the funnel (never back) and refreshes its sums. */
  private advance(s: SessionState, stage: Stage, at: number): void {
    if (stage > s.stage) {
      for (let i = s.stage + 1; i <= stage; i++) this.stageCounts[i] = (this.stageCounts[i] ?? 0) + 1;
      if (stage === 4) {
        const client = this.clients.row(s.clientId);
        if (client !== undefined) this.clients.addPurchase(client, s.purchaseAt ?? s.end);
        if (s.region !== null) {
          const r = this.regions.get(s.region);
          if (r) r.purchased++;
        }
      }
      s.stage = stage;
    }
    const before = (s.end - s.start) / 1e6;
    if (at > s.end) s.end = at;
    if (at < s.start) s.start = at;
    this.durationSumS += (s.end - s.start) / 1e6 - before;
    const engagement = engagementScore(s);
    this.engagementSum += engagement - s.engagement;
    s.engagement = engagement;
  }

  /** Marks the session and its client active at `at` (event time) and moves the clock. */
  private touch(s: SessionState, at: number, live: boolean): void {
    const client = this.clients.row(s.clientId);
    if (client !== undefined && s.end >= this.clients.lastEnd(client)) this.clients.setLast(client, s);
    if (at > this.now) this.now = at;
    const nowMinute = Math.floor(this.now / MINUTE_US);
    const first = nowMinute - WINDOW_MINUTES + 1;
    // A seeded session counts as active in every minute it spanned; a live event in its own minute.
    const from = live ? Math.floor(at / MINUTE_US) : Math.max(first, Math.floor(s.start / MINUTE_US));
    const to = Math.floor(at / MINUTE_US);
    for (let m = Math.max(from, first); m <= to; m++) {
      let users = this.minutes.get(m);
      if (!users) this.minutes.set(m, (users = new Set()));
      users.add(s.clientId);
    }
    if (client !== undefined && to > this.clients.activeMinute(client)) {
      const was = this.clients.activeMinute(client);
      const before = this.latestMinuteCounts.get(was);
      if (before !== undefined && before > 0) this.latestMinuteCounts.set(was, before - 1);
      // A minute before the window is never recorded, so that pruning only when the window moves keeps it exact.
      if (to >= first) this.latestMinuteCounts.set(to, (this.latestMinuteCounts.get(to) ?? 0) + 1);
      this.clients.setActiveMinute(client, to);
    }
    this.place(s, first);
    if (first > this.prunedFrom) this.prune(first);
  }

  /** Files a session under the minute of its latest event and its stage, or lets it go if that is before the window. */
  private place(s: SessionState, firstMinute: number): void {
    const minute = Math.floor(s.end / MINUTE_US);
    const was = this.placed.get(s);
    if (was && was.minute === minute && was.stage === s.stage) {
      if (s.end > was.end) {
        const sessions = this.buckets.get(minute)?.sessions;
        sessions?.delete(s);
        sessions?.add(s);
        was.end = s.end;
      }
      return;
    }
    if (was) {
      const old = this.buckets.get(was.minute);
      if (old) {
        old.sessions.delete(s);
        old.stages[was.stage] = (old.stages[was.stage] ?? 0) - 1;
      }
    }
    if (minute < firstMinute) {
      this.placed.delete(s);
      this.leave(s);
      if (this.lastOpened === s) this.lastOpened = null;
      return;
    }
    let bucket = this.buckets.get(minute);
    if (!bucket) this.buckets.set(minute, (bucket = { sessions: new Set(), stages: [0, 0, 0, 0, 0] }));
    bucket.sessions.add(s);
    bucket.stages[s.stage] = (bucket.stages[s.stage] ?? 0) + 1;
    if (was) {
      was.minute = minute;
      was.stage = s.stage;
      was.end = s.end;
    } else this.placed.set(s, { minute, stage: s.stage, end: s.end });
  }

  /** Drops what fell out of the window: its minutes, and the sessions whose latest event is that old. */
  private prune(firstMinute: number): void {
    this.prunedFrom = firstMinute;
    this.lastOpened = null;
    for (const m of this.minutes.keys()) if (m < firstMinute) this.minutes.delete(m);
    for (const m of this.latestMinuteCounts.keys()) if (m < firstMinute) this.latestMinuteCounts.delete(m);
    for (const [m, bucket] of this.buckets) {
      if (m >= firstMinute) continue;
      for (const s of bucket.sessions) {
        this.placed.delete(s);
        this.leave(s);
      }
      this.buckets.delete(m);
    }
  }

  /** A session leaves the window; its client's latest session is archived rather than dropped. */
  private leave(s: SessionState): void {
    this.sessions.delete(s.key);
    const client = this.clients.row(s.clientId);
    if (client !== undefined && this.clients.isLast(client, s)) this.clients.archive(client);
  }

  stateOf(s: { stage: number; end: number }): VisitorState {
    if (s.stage === 4) return 'purchased';
    if (this.now - s.end > LEFT_AFTER_MINUTES * MINUTE_US) return 'left';
    return s.stage === 3 ? 'checkout' : s.stage === 2 ? 'cart' : 'browsing';
  }

  /** Scored when asked and kept until the session's next event. */
  propensity(s: SessionState): number {
    return (s.score ??= this.scorer.score(s));
  }

  private sortedLags(): number[] {
    if (!this.lagsSorted) {
      this.lags.sort((a, b) => a - b);
      this.lagsSorted = true;
    }
    return this.lags;
  }

  cards(): Cards {
    const sessions = this.sessionCount;
    const purchased = this.stageCounts[4] ?? 0;
    const viewed = this.stageCounts[1] ?? 0;
    return {
      activeUsers: this.activeUsers(),
      sessions,
      conversionRate: sessions === 0 ? null : purchased / sessions,
      revenue: Math.round(this.revenue * 100) / 100,
      avgSessionDurationS: sessions === 0 ? null : this.durationSumS / sessions,
      dropOffRate: viewed === 0 ? null : 1 - purchased / viewed,
      clickToPurchaseLagS: median(this.sortedLags()),
      engagementScore: sessions === 0 ? null : this.engagementSum / sessions,
    };
  }

  private activeUsers(): number {
    let users = 0;
    for (const n of this.latestMinuteCounts.values()) users += n; // pruned to the window
    return users;
  }

  /** A session by key: a live one, or a client's latest session after it left the window (older ones are not kept). */
  session(key: string): SessionState | undefined {
    const live = this.sessions.get(key);
    if (live) return live;
    const client = this.clients.row(key.slice(0, key.lastIndexOf('.')));
    return client !== undefined && this.clients.lastKey(client) === key ? this.clients.last(client) : undefined;
  }

  /** One client's counts, or undefined if never seen. */
  client(clientId: string): ClientSummary | undefined {
    const row = this.clients.row(clientId);
    return row === undefined ? undefined : this.clients.summary(row);
  }

  /** The propensity of the latest session of the client in `row` (ClientTable), scored once if it is archived. */
  lastPropensity(row: number): number {
    return this.clients.lastPropensity(row, (s) => this.scorer.score(s));
  }

  /** Live sessions (an event within the window), most recently active first. */
  liveSessions(): SessionState[] {
    const out: SessionState[] = [];
    for (const minute of [...this.buckets.keys()].sort((a, b) => b - a)) out.push(...this.newestFirst(minute));
    return out;
  }

  /** A minute's live sessions, the most recently active first. */
  private newestFirst(minute: number): SessionState[] {
    return [...(this.buckets.get(minute)?.sessions ?? [])].sort((a, b) => b.end - a.end);
  }

  /**
   * Live visitors by state, from the minutes' counts: a minute wholly more than LEFT_AFTER_MINUTES before `now`
   * holds only visitors who left (or bought), one wholly after it none; only the minute across that line is walked.
   */
  private visitorStateCounts(): Map<VisitorState, number> {
    const counts = new Map<VisitorState, number>(VISITOR_STATES.map((s) => [s, 0]));
    const add = (state: VisitorState, n: number): void => void counts.set(state, (counts.get(state) ?? 0) + n);
    const leftBefore = this.now - LEFT_AFTER_MINUTES * MINUTE_US;
    for (const [minute, bucket] of this.buckets) {
      const [browsing = 0, viewed = 0, cart = 0, checkout = 0, purchased = 0] = bucket.stages;
      if ((minute + 1) * MINUTE_US <= leftBefore) {
        add('purchased', purchased);
        add('left', browsing + viewed + cart + checkout);
      } else if (minute * MINUTE_US >= leftBefore) {
        add('browsing', browsing + viewed);
        add('cart', cart);
        add('checkout', checkout);
        add('purchased', purchased);
      } else for (const s of bucket.sessions) add(this.stateOf(s), 1);
    }
    return counts;
  }

  visitorRow(s: SessionState): VisitorRow {
    return {
      key: s.key,
      clientId: s.clientId,
      device: s.device,
      region: s.region,
      state: this.stateOf(s),
      propensity: this.propensity(s),
      engagement: s.engagement,
      timeOnSiteS: Math.round((s.end - s.start) / 1e6),
      pageViews: s.pageViews,
      currentPage: s.pages.at(-1)?.path ?? null,
      lastSeen: s.end,
    };
  }

  snapshot(): Snapshot;
  snapshot(options: { bubbles: false }): StreamMessage;
  snapshot(options: { bubbles?: boolean } = {}): StreamMessage {
    const nowMinute = Math.floor(this.now / MINUTE_US);
    const activeByMinute = [];
    for (let m = nowMinute - WINDOW_MINUTES + 1; m <= nowMinute; m++) activeByMinute.push({ minute: m, users: this.minutes.get(m)?.size ?? 0 });
    const funnel = FUNNEL_STEPS.map((step, i) => {
      const n = this.stageCounts[i] ?? 0;
      const prev = i === 0 ? null : (this.stageCounts[i - 1] ?? 0);
      return { step, sessions: n, dropOff: prev === null || prev === 0 ? null : 1 - n / prev };
    });
    const states = this.visitorStateCounts();
    const message: StreamMessage = {
      now: this.now,
      committedAt: this.committedAt,
      seeded: this.seeded,
      propensity: { source: this.scorer.source, description: this.scorer.description },
      cards: this.cards(),
      activeByMinute,
      funnel,
      topPages: topOf(this.pageViews, (v) => v, 10).map(([path, views]) => ({ path, views })),
      topItems: topOf(this.itemCounts, (v) => v.views + 10 * v.purchases, 10).map(([name, v]) => ({ name, ...v })),
      featurable: [...this.items.values()].slice(-20).map((i) => ({ itemId: i.item_id, name: i.item_name })),
      devices: topOf(this.devices, (v) => v, 10).map(([device, sessions]) => ({ device, sessions })),
      visitorStates: [...states].map(([state, visitors]) => ({ state, visitors })),
      regions: [...this.regions].map(([region, r]) => ({ region, sessions: r.sessions, conversionRate: r.sessions === 0 ? 0 : r.purchased / r.sessions })),
    };
    if (options.bubbles === false) return message;
    return { ...message, sections: this.bubbles(nowMinute) };
  }

  /** The most recently active live visitors, at most MAX_BUBBLES, oldest first. */
  private bubbles(nowMinute: number): Snapshot['sections'] {
    // Drawn (and scored) however many are on the site: the newest minutes are walked, each from its latest arrival
    // back, until there are enough (no sort: a minute can hold thousands).
    const here: SessionState[] = [];
    for (let m = nowMinute; m >= nowMinute - WINDOW_MINUTES && here.length < MAX_BUBBLES; m--) {
      const bucket = this.buckets.get(m);
      if (!bucket) continue;
      const arrived = [...bucket.sessions];
      for (let i = arrived.length - 1; i >= 0 && here.length < MAX_BUBBLES; i--) {
        const s = arrived[i]!;
        if (this.stateOf(s) !== 'left') here.push(s);
      }
    }
    here.reverse();
    return here.map((s) => {
      const page = s.pages.at(-1)?.path ?? '/';
      // Three decimals are more than a colour shows, and a tenth of a bubble's bytes fewer.
      return { section: sectionOf(page), page, visitor: s.key, timeOnSiteS: Math.round((s.end - s.start) / 1e6), propensity: Math.round(1000 * this.propensity(s)) / 1000 };
    });
  }

  stageName(s: SessionState): string {
    return STAGES[s.stage];
  }
}
