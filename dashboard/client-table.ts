/**
 * Every client the dashboard has seen, one row each in typed columns, and each client's latest session: an object
 * while it is live, archived once it has left the window (the numbers the lists read in columns, the rest as one
 * JSON string). The state keeps every client for as long as the server runs (59,030 after seeding the
 * million-event bench warehouse), and as objects they were about two dozen heap objects each, which every major
 * collection of the collector's heap marked again, on the threads ingest runs on: that was most of what the dashboard
 * cost ingest (docs/dashboard.md, "Figures"). In columns a client is a Map entry and at most one string.
 */

/** What the table reads of a session (live-state.ts's SessionState has it). */
export interface TabledSession {
  key: string;
  sessionId: number;
  stage: number;
  engagement: number;
  end: number;
  device: string;
  score: number | null;
}

/** What the lists and the targeting read of one client. */
export interface ClientSummary {
  sessions: number;
  purchases: number;
  revenue: number;
  /** Event time of the end of the client's latest session, µs. */
  lastEnd: number;
  /** Event time of the client's latest purchase, µs. */
  lastPurchaseAt: number | null;
}

/** A client's latest session as the lists rank it, without building the session. */
export interface LastSessionBrief {
  sessionId: number;
  stage: number;
  engagement: number;
  end: number;
}

const FIRST_CAPACITY = 1024;

function grown<T extends Float64Array | Int32Array | Uint8Array>(column: T, capacity: number, fill?: number): T {
  const next = new (column.constructor as new (n: number) => T)(capacity);
  next.set(column);
  if (fill !== undefined) next.fill(fill, column.length);
  return next;
}

export class ClientTable<SessionState extends TabledSession> {
  private readonly index = new Map<string, number>();
  private readonly ids: string[] = [];
  private sessionCounts = new Int32Array(FIRST_CAPACITY);
  private purchaseCounts = new Int32Array(FIRST_CAPACITY);
  private revenues = new Float64Array(FIRST_CAPACITY);
  private lastEnds = new Float64Array(FIRST_CAPACITY);
  /** NaN: no purchase. */
  private lastPurchases = new Float64Array(FIRST_CAPACITY).fill(NaN);
  private activeMinutes = new Float64Array(FIRST_CAPACITY).fill(-Infinity);
  /** The latest session while it is an object (live, or asked for since); undefined once archived. */
  private readonly lastLive: (SessionState | undefined)[] = [];
  /** The archived latest session: SessionState as JSON, and beside it what ranking it needs. */
  private readonly archived: (string | undefined)[] = [];
  private archivedSession = new Float64Array(FIRST_CAPACITY);
  private archivedStage = new Uint8Array(FIRST_CAPACITY);
  private archivedEngagement = new Float64Array(FIRST_CAPACITY);
  private archivedEnd = new Float64Array(FIRST_CAPACITY);
  /** Its propensity once scored (NaN: not yet); an archived session no longer changes. */
  private archivedScore = new Float64Array(FIRST_CAPACITY).fill(NaN);

  get size(): number {
    return this.ids.length;
  }

  has(clientId: string): boolean {
    return this.index.has(clientId);
  }

  /** The client's row, added (with `first` as its latest session) when new. */
  rowOf(clientId: string, first: SessionState): number {
    let i = this.index.get(clientId);
    if (i !== undefined) return i;
    i = this.ids.length;
    if (i === this.sessionCounts.length) this.grow(2 * i);
    this.index.set(clientId, i);
    this.ids.push(clientId);
    this.lastEnds[i] = first.end;
    this.lastLive[i] = first;
    this.archived[i] = undefined;
    return i;
  }

  row(clientId: string): number | undefined {
    return this.index.get(clientId);
  }

  private grow(capacity: number): void {
    this.sessionCounts = grown(this.sessionCounts, capacity);
    this.purchaseCounts = grown(this.purchaseCounts, capacity);
    this.revenues = grown(this.revenues, capacity);
    this.lastEnds = grown(this.lastEnds, capacity);
    this.lastPurchases = grown(this.lastPurchases, capacity, NaN);
    this.activeMinutes = grown(this.activeMinutes, capacity, -Infinity);
    this.archivedSession = grown(this.archivedSession, capacity);
    this.archivedStage = grown(this.archivedStage, capacity);
    this.archivedEngagement = grown(this.archivedEngagement, capacity);
    this.archivedEnd = grown(this.archivedEnd, capacity);
    this.archivedScore = grown(this.archivedScore, capacity, NaN);
  }

  addSession(i: number): void {
    this.sessionCounts[i]! += 1;
  }

  addPurchase(i: number, at: number): void {
    this.purchaseCounts[i]! += 1;
    this.notePurchaseAt(i, at);
  }

  notePurchaseAt(i: number, at: number): void {
    const was = this.lastPurchases[i]!;
    if (Number.isNaN(was) || at > was) this.lastPurchases[i] = at;
  }

  addRevenue(i: number, revenue: number): void {
    this.revenues[i]! += revenue;
  }

  lastEnd(i: number): number {
    return this.lastEnds[i]!;
  }

  activeMinute(i: number): number {
    return this.activeMinutes[i]!;
  }

  setActiveMinute(i: number, minute: number): void {
    this.activeMinutes[i] = minute;
  }

  /** The key of the client's latest session, without building it. */
  lastKey(i: number): string {
    const live = this.lastLive[i];
    return live ? live.key : `${this.ids[i]!}.${this.archivedSession[i]!}`;
  }

  /** Makes `s` the client's latest session (it ends at or after the one before). */
  setLast(i: number, s: SessionState): void {
    this.lastEnds[i] = s.end;
    this.lastLive[i] = s;
    this.archived[i] = undefined;
  }

  isLast(i: number, s: SessionState): boolean {
    return this.lastLive[i] === s;
  }

  /** The latest session has left the window: keep it as text and columns, and let the object go. */
  archive(i: number): void {
    const s = this.lastLive[i];
    if (!s) return;
    // Through bytes and back: V8 builds a long JSON.stringify result as a tree of string pieces, which the GC would
    // walk piece by piece; decoded, it is one flat string.
    this.archived[i] = Buffer.from(JSON.stringify(s)).toString();
    this.archivedSession[i] = s.sessionId;
    this.archivedStage[i] = s.stage;
    this.archivedEngagement[i] = s.engagement;
    this.archivedEnd[i] = s.end;
    this.archivedScore[i] = s.score ?? NaN;
    this.lastLive[i] = undefined;
  }

  /** The latest session to read: the object if live, else a copy rebuilt from the archive and not kept. */
  last(i: number): SessionState {
    const live = this.lastLive[i];
    if (live) return live;
    const s = JSON.parse(this.archived[i]!) as SessionState;
    // JSON has no NaN (a session id that is not a number), and the score may have been worked out since.
    s.sessionId = this.archivedSession[i]!;
    const score = this.archivedScore[i]!;
    s.score = Number.isNaN(score) ? null : score;
    return s;
  }

  /** The latest session back as the object (a late event of it came): `last`, kept until it is archived again. */
  thaw(i: number): SessionState {
    const s = this.last(i);
    this.lastLive[i] = s;
    this.archived[i] = undefined;
    return s;
  }

  /**
   * The latest session's figures without building it, and its propensity: `score` is called (with the session
   * built once) only for an archived session not yet scored.
   */
  brief(i: number): LastSessionBrief {
    const live = this.lastLive[i];
    if (live) return { sessionId: live.sessionId, stage: live.stage, engagement: live.engagement, end: live.end };
    return { sessionId: this.archivedSession[i]!, stage: this.archivedStage[i]!, engagement: this.archivedEngagement[i]!, end: this.archivedEnd[i]! };
  }

  /** The propensity of the client's latest session; an archived one is scored once, from a copy that is let go. */
  lastPropensity(i: number, score: (s: SessionState) => number): number {
    const live = this.lastLive[i];
    if (live) return (live.score ??= score(live));
    let p = this.archivedScore[i]!;
    if (Number.isNaN(p)) {
      this.archivedScore[i] = p = score(this.last(i));
    }
    return p;
  }

  /** The device of the latest session (for the few rows a list shows). */
  lastDevice(i: number): string {
    const live = this.lastLive[i];
    return live ? live.device : (JSON.parse(this.archived[i]!) as SessionState).device;
  }

  summary(i: number): ClientSummary {
    const purchase = this.lastPurchases[i]!;
    return { sessions: this.sessionCounts[i]!, purchases: this.purchaseCounts[i]!, revenue: this.revenues[i]!, lastEnd: this.lastEnds[i]!, lastPurchaseAt: Number.isNaN(purchase) ? null : purchase };
  }

  purchases(i: number): number {
    return this.purchaseCounts[i]!;
  }

  /** Every client's id and row, in the order they were first seen. */
  *rows(): IterableIterator<[string, number]> {
    for (let i = 0; i < this.ids.length; i++) yield [this.ids[i]!, i];
  }
}
