/**
 * What each shopper wants: per user × item interest scores from four recommenders, scored on a time-based split
 * (each user's last session held out; everything before it, from every user, trains). Item-item collaborative
 * filtering on session co-occurrence (co-view, co-cart, co-buy, weighted by what was done), user-item implicit
 * ALS (Hu, Koren & Volinsky 2008; written here with ml-matrix's solver, no maintained JS library fits), and the
 * two baselines: session-kNN (SKNN) and popularity.
 */
import { Matrix, solve } from 'ml-matrix';
import { trueTopInterests, type Dataset, type ItemEvent } from './dataset';
import { hitRateAtK, ndcgAtK } from './metrics';
import type { Score } from './scorecard';
import { seededRandom } from './split';

/** How much an item event says the shopper wants the item; list impressions say nothing of the user's choice. */
export const INTERACTION_WEIGHTS: Record<string, number> = {
  select_item: 1,
  view_item: 1,
  add_to_wishlist: 2,
  add_to_cart: 3,
  begin_checkout: 3,
  purchase: 5,
};

export const K = 10;

type Weights = Map<string, Map<string, number>>;

function add(m: Weights, a: string, b: string, w: number): void {
  let row = m.get(a);
  if (!row) m.set(a, (row = new Map<string, number>()));
  row.set(b, (row.get(b) ?? 0) + w);
}

function topK(scores: Map<string, number>, k: number, fallback: readonly string[]): string[] {
  const out = [...scores.entries()]
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([i]) => i);
  for (const i of fallback) {
    if (out.length >= k) break;
    if (!out.includes(i)) out.push(i);
  }
  return out;
}

export interface Recommender {
  readonly name: string;
  fit(train: readonly ItemEvent[]): void;
  recommend(userId: string, k: number): string[];
}

/** Items by how many distinct users interacted with them. */
export class Popularity implements Recommender {
  readonly name = 'popularity';
  ranked: string[] = [];
  fit(train: readonly ItemEvent[]): void {
    const users = new Map<string, Set<string>>();
    for (const e of train) {
      if (!(e.name in INTERACTION_WEIGHTS)) continue;
      let s = users.get(e.itemId);
      if (!s) users.set(e.itemId, (s = new Set()));
      s.add(e.userId);
    }
    this.ranked = [...users.entries()].sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1)).map(([i]) => i);
  }
  recommend(_userId: string, k: number): string[] {
    return this.ranked.slice(0, k);
  }
}

function userItems(train: readonly ItemEvent[]): Weights {
  const m: Weights = new Map();
  for (const e of train) {
    const w = INTERACTION_WEIGHTS[e.name];
    if (w) add(m, e.userId, e.itemId, w);
  }
  return m;
}

function sessionItems(train: readonly ItemEvent[]): Weights {
  const m: Weights = new Map();
  for (const e of train) {
    const w = INTERACTION_WEIGHTS[e.name];
    if (w) add(m, `${e.userId}\u0000${e.gaSessionId}`, e.itemId, w);
  }
  return m;
}

/** Item-item CF: cosine of items' weighted session co-occurrence; a user's score for j sums sim(i, j) over their items. */
export class ItemItem implements Recommender {
  readonly name = 'item_item_cf';
  private sim: Weights = new Map();
  private users: Weights = new Map();
  private readonly pop = new Popularity();
  fit(train: readonly ItemEvent[]): void {
    this.pop.fit(train);
    this.users = userItems(train);
    const co: Weights = new Map();
    const norm = new Map<string, number>();
    for (const items of sessionItems(train).values()) {
      const list = [...items.entries()];
      for (const [i, wi] of list) {
        norm.set(i, (norm.get(i) ?? 0) + wi * wi);
        for (const [j, wj] of list) if (i !== j) add(co, i, j, wi * wj);
      }
    }
    this.sim = new Map();
    for (const [i, row] of co) for (const [j, v] of row) add(this.sim, i, j, v / Math.sqrt((norm.get(i) ?? 1) * (norm.get(j) ?? 1)));
  }
  recommend(userId: string, k: number): string[] {
    const scores = new Map<string, number>();
    for (const [i, w] of this.users.get(userId) ?? []) {
      for (const [j, s] of this.sim.get(i) ?? []) scores.set(j, (scores.get(j) ?? 0) + w * s);
      // What the shopper already acted on is a candidate too: repeat views are common in a store.
      scores.set(i, (scores.get(i) ?? 0) + w);
    }
    return topK(scores, k, this.pop.ranked);
  }
}

/** Session-kNN: the sessions most like the user's latest one vote for their items, weighted by cosine similarity. */
export class SessionKnn implements Recommender {
  readonly name = 'sknn';
  private sessions: Weights = new Map();
  private latest = new Map<string, string>();
  private readonly pop = new Popularity();
  constructor(private readonly neighbours = 50) {}
  fit(train: readonly ItemEvent[]): void {
    this.pop.fit(train);
    this.sessions = sessionItems(train);
    const latestT = new Map<string, number>();
    for (const e of train) {
      if (!(e.name in INTERACTION_WEIGHTS)) continue;
      if ((latestT.get(e.userId) ?? -Infinity) < e.t) {
        latestT.set(e.userId, e.t);
        this.latest.set(e.userId, `${e.userId}\u0000${e.gaSessionId}`);
      }
    }
  }
  recommend(userId: string, k: number): string[] {
    const key = this.latest.get(userId);
    const current = key ? this.sessions.get(key) : undefined;
    if (!current) return this.pop.ranked.slice(0, k);
    const sims: [string, number][] = [];
    for (const [other, items] of this.sessions) {
      if (other === key) continue;
      let common = 0;
      for (const i of items.keys()) if (current.has(i)) common++;
      if (common > 0) sims.push([other, common / Math.sqrt(items.size * current.size)]);
    }
    sims.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const scores = new Map<string, number>();
    for (const [other, s] of sims.slice(0, this.neighbours)) for (const i of this.sessions.get(other)?.keys() ?? []) scores.set(i, (scores.get(i) ?? 0) + s);
    for (const i of current.keys()) scores.set(i, (scores.get(i) ?? 0) + 1);
    return topK(scores, k, this.pop.ranked);
  }
}

export interface AlsJson {
  factors: number;
  items: string[];
  itemFactors: number[][];
  users: string[];
  userFactors: number[][];
  /** Added to each item's score (in `items` order): weight × its share of users, when validation chose a blend. */
  itemBias?: number[];
  /** The settings chosen on the validation split (see `tuneAls`). */
  settings?: AlsSettings;
}

export interface AlsSettings {
  factors: number;
  lambda: number;
  alpha: number;
  /** Weight of the item's popularity (share of training users) added to the factor score. */
  popularity: number;
}

/** Implicit-feedback ALS: confidence 1 + alpha·weight on observed pairs, preference 1 there and 0 elsewhere. */
export class ImplicitAls implements Recommender {
  readonly name = 'implicit_als';
  model: AlsJson = { factors: 0, items: [], itemFactors: [], users: [], userFactors: [] };
  private readonly pop = new Popularity();
  constructor(
    private readonly seed: string,
    private readonly settings: AlsSettings = { factors: 16, lambda: 0.1, alpha: 10, popularity: 0 },
    private readonly iterations = 10,
  ) {}
  private get factors(): number {
    return this.settings.factors;
  }
  private get lambda(): number {
    return this.settings.lambda;
  }
  private get alpha(): number {
    return this.settings.alpha;
  }
  fit(train: readonly ItemEvent[]): void {
    this.pop.fit(train);
    const ui = userItems(train);
    const users = [...ui.keys()].sort();
    const items = [...new Set([...ui.values()].flatMap((r) => [...r.keys()]))].sort();
    const itemIndex = new Map(items.map((i, n) => [i, n]));
    const byUser = users.map((u) => [...(ui.get(u) ?? new Map<string, number>()).entries()].map(([i, w]) => [itemIndex.get(i) ?? 0, w] as const));
    const byItem: (readonly [number, number])[][] = items.map(() => []);
    byUser.forEach((row, u) => row.forEach(([i, w]) => byItem[i]?.push([u, w])));
    const rand = seededRandom(`${this.seed}/als`);
    const f = this.factors;
    const init = (n: number): Matrix => new Matrix(Array.from({ length: n }, () => Array.from({ length: f }, () => (rand() - 0.5) * 0.1)));
    let X = init(users.length);
    let Y = init(items.length);
    const step = (fixed: Matrix, rows: (readonly (readonly [number, number])[])[]): Matrix => {
      const gram = fixed.transpose().mmul(fixed);
      const out = Matrix.zeros(rows.length, f);
      rows.forEach((obs, r) => {
        const A = gram.clone();
        const b = Matrix.zeros(f, 1);
        for (const [j, w] of obs) {
          const c = 1 + this.alpha * w;
          const y = fixed.getRow(j);
          for (let a = 0; a < f; a++) {
            b.set(a, 0, b.get(a, 0) + c * (y[a] ?? 0));
            for (let d = 0; d < f; d++) A.set(a, d, A.get(a, d) + (c - 1) * (y[a] ?? 0) * (y[d] ?? 0));
          }
        }
        for (let a = 0; a < f; a++) A.set(a, a, A.get(a, a) + this.lambda);
        const x = solve(A, b);
        for (let a = 0; a < f; a++) out.set(r, a, x.get(a, 0));
      });
      return out;
    };
    for (let it = 0; it < this.iterations; it++) {
      X = step(Y, byUser);
      Y = step(X, byItem);
    }
    const share = items.map((i) => (byItem[itemIndex.get(i) ?? 0]?.length ?? 0) / Math.max(1, users.length));
    this.model = { factors: f, items, itemFactors: Y.to2DArray(), users, userFactors: X.to2DArray(), settings: { ...this.settings } };
    if (this.settings.popularity > 0) this.model.itemBias = share.map((v) => v * this.settings.popularity);
  }
  recommend(userId: string, k: number): string[] {
    return alsRecommend(this.model, userId, k, this.pop.ranked);
  }
}

export function alsRecommend(m: AlsJson, userId: string, k: number, fallback: readonly string[]): string[] {
  const u = m.users.indexOf(userId);
  if (u < 0) return fallback.slice(0, k);
  const x = m.userFactors[u] ?? [];
  const scores = new Map<string, number>();
  m.items.forEach((item, i) => {
    const y = m.itemFactors[i] ?? [];
    let s = 0;
    for (let a = 0; a < x.length; a++) s += (x[a] ?? 0) * (y[a] ?? 0);
    scores.set(item, s + (m.itemBias?.[i] ?? 0) + 1e-9);
  });
  return topK(scores, k, fallback);
}

export interface RecsResult {
  scores: Score[];
  /** Per model: HR@10, NDCG@10 and the share of recommendations in the true interests, for the report. */
  table: { model: string; hr: number; ndcg: number; inInterests: number }[];
  /** Top-10 of the user-item model for every user. */
  recommendations: { userId: string; items: string[] }[];
  als: AlsJson;
  popular: string[];
  heldOutUsers: number;
  /** ALS's settings as chosen on the validation split, with the HR@10 they and popularity had there. */
  alsTuning: { settings: AlsSettings; validationHr: number; validationPopularityHr: number };
}

/** Each user's last session, when it comes after at least one earlier session. */
export function heldOutSessions(ds: Dataset): Map<string, number> {
  const byUser = new Map<string, { id: number; t: number; n: number }>();
  for (const s of ds.sessions) {
    const cur = byUser.get(s.userId);
    const n = (cur?.n ?? 0) + 1;
    if (!cur || s.startMicros > cur.t) byUser.set(s.userId, { id: s.gaSessionId, t: s.startMicros, n });
    else cur.n = n;
  }
  const out = new Map<string, number>();
  for (const [u, v] of byUser) if (v.n >= 2) out.set(u, v.id);
  return out;
}

/** Each user's last session (of those with an earlier one) held out of `events`: what trains, and what each user then did. */
export function timeSplit(events: readonly ItemEvent[]): { train: ItemEvent[]; relevant: Map<string, Set<string>> } {
  const sessions = new Map<string, Map<number, number>>();
  for (const e of events) {
    let m = sessions.get(e.userId);
    if (!m) sessions.set(e.userId, (m = new Map<number, number>()));
    m.set(e.gaSessionId, Math.min(m.get(e.gaSessionId) ?? Infinity, e.t));
  }
  const held = new Map<string, number>();
  for (const [u, m] of sessions) {
    if (m.size < 2) continue;
    const last = [...m.entries()].sort((a, b) => b[1] - a[1])[0];
    if (last) held.set(u, last[0]);
  }
  const isHeld = (e: ItemEvent): boolean => held.get(e.userId) === e.gaSessionId;
  const relevant = new Map<string, Set<string>>();
  for (const e of events) {
    if (!isHeld(e) || !(e.name in INTERACTION_WEIGHTS)) continue;
    let s = relevant.get(e.userId);
    if (!s) relevant.set(e.userId, (s = new Set()));
    s.add(e.itemId);
  }
  return { train: events.filter((e) => !isHeld(e)), relevant };
}

/** The ALS settings tried on the validation split (never on the test split). */
export const ALS_GRID: readonly AlsSettings[] = [4, 8, 16].flatMap((factors) =>
  [1, 10].flatMap((lambda) => [2, 10, 40].flatMap((alpha) => [0, 0.5, 2].map((popularity) => ({ factors, lambda, alpha, popularity })))),
);

/**
 * Chooses ALS's settings on a validation split cut from the training events alone: each user's last training
 * session (of users with two or more) is held out again, the rest trains, and the settings with the best HR@10
 * (then NDCG@10) win. The test sessions are never seen.
 */
export function tuneAls(train: readonly ItemEvent[], seed: string, grid: readonly AlsSettings[] = ALS_GRID): { settings: AlsSettings; hr: number; popularityHr: number } {
  const val = timeSplit(train);
  const users = [...val.relevant.keys()].sort();
  const rel = users.map((u) => val.relevant.get(u) ?? new Set<string>());
  const pop = new Popularity();
  pop.fit(val.train);
  const popularityHr = hitRateAtK(rel, users.map(() => pop.ranked.slice(0, K)), K);
  const share = popularityShare(val.train);
  let best = { settings: grid[0] ?? { factors: 16, lambda: 0.1, alpha: 10, popularity: 0 }, hr: -1, ndcg: -1 };
  // Factors are fitted once per (factors, lambda, alpha); the popularity blend only re-ranks them.
  const fitted = new Map<string, AlsJson>();
  for (const g of grid) {
    const key = `${g.factors}/${g.lambda}/${g.alpha}`;
    let m = fitted.get(key);
    if (!m) {
      const als = new ImplicitAls(seed, { ...g, popularity: 0 }, 8);
      als.fit(val.train);
      fitted.set(key, (m = als.model));
    }
    const blended: AlsJson = g.popularity > 0 ? { ...m, itemBias: m.items.map((i) => (share.get(i) ?? 0) * g.popularity) } : m;
    const recs = users.map((u) => alsRecommend(blended, u, K, pop.ranked));
    const hr = hitRateAtK(rel, recs, K);
    const ndcg = ndcgAtK(rel, recs, K);
    if (hr > best.hr || (hr === best.hr && ndcg > best.ndcg)) best = { settings: g, hr, ndcg };
  }
  return { settings: best.settings, hr: best.hr, popularityHr };
}

/** Item → share of users who interacted with it. */
function popularityShare(train: readonly ItemEvent[]): Map<string, number> {
  const users = new Map<string, Set<string>>();
  const all = new Set<string>();
  for (const e of train) {
    if (!(e.name in INTERACTION_WEIGHTS)) continue;
    all.add(e.userId);
    let s = users.get(e.itemId);
    if (!s) users.set(e.itemId, (s = new Set()));
    s.add(e.userId);
  }
  return new Map([...users.entries()].map(([i, s]) => [i, s.size / Math.max(1, all.size)]));
}

export function trainRecs(ds: Dataset, seed: string): RecsResult {
  const held = heldOutSessions(ds);
  const isHeld = (e: ItemEvent): boolean => held.get(e.userId) === e.gaSessionId;
  const train = ds.itemEvents.filter((e) => !isHeld(e));
  const relevant = new Map<string, Set<string>>();
  for (const e of ds.itemEvents) {
    if (!isHeld(e) || !(e.name in INTERACTION_WEIGHTS)) continue;
    let s = relevant.get(e.userId);
    if (!s) relevant.set(e.userId, (s = new Set()));
    s.add(e.itemId);
  }
  const evalUsers = [...relevant.keys()].sort();
  const tuned = tuneAls(train, seed);
  const category = new Map(ds.itemEvents.map((e) => [e.itemId, e.category]));
  const pop = new Popularity();
  const als = new ImplicitAls(seed, tuned.settings);
  const models: Recommender[] = [new ItemItem(), als, new SessionKnn(), pop];
  const table: RecsResult['table'] = [];
  for (const m of models) {
    m.fit(train);
    const recs = evalUsers.map((u) => m.recommend(u, K));
    const rel = evalUsers.map((u) => relevant.get(u) ?? new Set<string>());
    let inside = 0;
    let total = 0;
    evalUsers.forEach((u, i) => {
      const t = ds.truth.get(u);
      if (!t) return;
      const top = new Set(trueTopInterests(t));
      for (const item of recs[i] ?? []) {
        total++;
        if (top.has(category.get(item) ?? '')) inside++;
      }
    });
    table.push({ model: m.name, hr: hitRateAtK(rel, recs, K), ndcg: ndcgAtK(rel, recs, K), inInterests: total ? inside / total : NaN });
  }
  const popRow = table.find((r) => r.model === 'popularity') as RecsResult['table'][number];
  const scores: Score[] = [];
  for (const r of table) {
    if (r.model === 'popularity') continue;
    const common = { task: 'recommendations' as const, target: 'held_out_session', model: r.model, baseline: 'popularity', higherIsBetter: true, n: evalUsers.length };
    scores.push(
      { ...common, metric: 'hr_at_10', value: r.hr, baselineValue: popRow.hr },
      { ...common, metric: 'ndcg_at_10', value: r.ndcg, baselineValue: popRow.ndcg },
      { ...common, metric: 'share_in_true_interests', value: r.inInterests, baselineValue: popRow.inInterests },
    );
  }
  const recommendations = ds.users.map((u) => ({ userId: u.userId, items: als.recommend(u.userId, K) }));
  return { scores, table, recommendations, als: als.model, popular: pop.ranked.slice(0, 50), heldOutUsers: evalUsers.length, alsTuning: { settings: tuned.settings, validationHr: tuned.hr, validationPopularityHr: tuned.popularityHr } };
}
