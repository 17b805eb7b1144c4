/**
 * Personas from behaviour: gender, age band, job (random forests) and the top three interests (category
 * engagement over the store's own exposure) of each user, from what GA4 records of them. Left out because they
 * give a label away or are not behaviour: geo (country, region, city → region), the user id, and everything in
 * ground_truth. Split by user (split.ts); baselines: majority class and the population prior.
 */
import { ageBand, AGE_BANDS, type Dataset, type TruthUser, trueTopInterests } from './dataset';
import { ForestClassifier, LogisticRegression, logisticScore, MajorityClassifier, PriorClassifier, type Classifier, type ForestJson, type LogisticModelJson } from './learners';
import { balancedAccuracy, bootstrapInterval, confusionMatrix, macroF1, recallAtK } from './metrics';
import type { Score } from './scorecard';
import { seededRandom, userSplit, type Split } from './split';

/** Features that would give a label away or are not behaviour, left out of every persona model. */
export const LEFT_OUT_FEATURES = [
  'geo.country / geo.region / geo.city (gives region away)',
  'user_pseudo_id, user_id (identity)',
  'ground_truth.* (the labels themselves)',
];

/** Weight of each item event in a user's category engagement: acting on an item says more than seeing it listed. */
const ITEM_WEIGHTS: Record<string, number> = {
  select_item: 1,
  view_item: 1,
  add_to_cart: 2,
  add_to_wishlist: 1.5,
  begin_checkout: 1,
  purchase: 2,
};

/** Weight of a category visit (a category page opened, a search naming it) beside an item event's. */
const VISIT_WEIGHT = 1.5;

export interface UserFeatures {
  names: string[];
  rows: Map<string, number[]>;
  /**
   * Per user: what the interests model reads, the share of the user's engagement per category (item events and
   * category visits, in `Dataset.categories` order) followed by log(1 + total engagement).
   */
  categoryShare: Map<string, number[]>;
  /** Per user: `categoryNeeds`, the sessions in which each category was engaged (`Dataset.categories` order). */
  categoryNeeds: Map<string, number[]>;
}

/**
 * Per user, per category (in `Dataset.categories` order): in how many sessions the shopper engaged with it at all
 * (a category page, a search naming it, an item event that carries weight). The engine picks a category per need
 * and then opens many items in it, so raw event counts repeat one choice many times; counting each session's
 * categories once is much closer to the independent draws a reader of interests wants.
 */
export function categoryNeeds(ds: Pick<Dataset, 'categories' | 'categoryVisits' | 'itemEvents'>): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const seen = new Set<string>();
  const add = (userId: string, session: number, category: string): void => {
    const ci = ds.categories.indexOf(category);
    const key = `${userId}\u0000${session}\u0000${category}`;
    if (ci < 0 || seen.has(key)) return;
    seen.add(key);
    let v = out.get(userId);
    if (!v) out.set(userId, (v = new Array<number>(ds.categories.length).fill(0)));
    v[ci] = (v[ci] ?? 0) + 1;
  };
  for (const c of ds.categoryVisits) add(c.userId, c.gaSessionId, c.category);
  for (const e of ds.itemEvents) if ((ITEM_WEIGHTS[e.name] ?? 0) > 0) add(e.userId, e.gaSessionId, e.category);
  return out;
}

const shares = (v: readonly number[]): number[] => {
  const total = v.reduce((s, x) => s + x, 0);
  return v.map((x) => (total > 0 ? x / total : 0));
};

export function userFeatures(ds: Dataset): UserFeatures {
  const cats = ds.categories;
  const zero = (): number[] => new Array<number>(cats.length).fill(0);
  const eng = new Map<string, number[]>();
  const visits = new Map<string, number[]>();
  const prices = new Map<string, number[]>();
  for (const e of ds.itemEvents) {
    const w = ITEM_WEIGHTS[e.name] ?? 0;
    const ci = cats.indexOf(e.category);
    if (w > 0 && ci >= 0) {
      let v = eng.get(e.userId);
      if (!v) eng.set(e.userId, (v = zero()));
      v[ci] = (v[ci] ?? 0) + w;
    }
    if (e.name === 'view_item' && e.price > 0) {
      let p = prices.get(e.userId);
      if (!p) prices.set(e.userId, (p = []));
      p.push(e.price);
    }
  }
  for (const c of ds.categoryVisits) {
    const ci = cats.indexOf(c.category);
    if (ci < 0) continue;
    let v = visits.get(c.userId);
    if (!v) visits.set(c.userId, (v = zero()));
    v[ci] = (v[ci] ?? 0) + c.weight;
  }
  const hours = new Map<string, number[]>();
  for (const s of ds.sessions) {
    let h = hours.get(s.userId);
    if (!h) hours.set(s.userId, (h = [0, 0, 0, 0]));
    const hour = new Date(s.startMicros / 1000).getUTCHours();
    const b = Math.floor(hour / 6);
    h[b] = (h[b] ?? 0) + 1;
  }
  const fw = cats.indexOf('womens-fashion');
  const fm = cats.indexOf('mens-fashion');
  const names = [
    ...cats.map((c) => `share_${c}`),
    ...cats.map((c) => `visit_share_${c}`),
    'log_item_engagement',
    'log_category_visits',
    // Women's over men's fashion, smoothed: the clearest trace of gender a general store's browsing leaves.
    'log_womens_over_mens_fashion',
    'log_sessions',
    'page_views_per_session',
    'log_duration_per_session',
    'searches_per_session',
    'item_views_per_session',
    'add_to_carts_per_session',
    'purchases',
    'log_mean_viewed_price',
    'device_mobile',
    'device_desktop',
    'hours_0_6',
    'hours_6_12',
    'hours_12_18',
    'hours_18_24',
  ];
  const rows = new Map<string, number[]>();
  const categoryShare = new Map<string, number[]>();
  for (const u of ds.users) {
    const e = eng.get(u.userId) ?? zero();
    const v = visits.get(u.userId) ?? zero();
    const combined = e.map((x, i) => x + VISIT_WEIGHT * (v[i] ?? 0));
    const total = combined.reduce((s, x) => s + x, 0);
    categoryShare.set(u.userId, [...shares(combined), Math.log1p(total)]);
    const p = prices.get(u.userId) ?? [];
    const meanPrice = p.length ? p.reduce((s, x) => s + x, 0) / p.length : 0;
    const n = Math.max(1, u.sessions);
    const h = hours.get(u.userId) ?? [0, 0, 0, 0];
    const hTotal = Math.max(1, h.reduce((s, x) => s + x, 0));
    rows.set(u.userId, [
      ...shares(e),
      ...shares(v),
      Math.log1p(e.reduce((s, x) => s + x, 0)),
      Math.log1p(v.reduce((s, x) => s + x, 0)),
      Math.log(((combined[fw] ?? 0) + 0.5) / ((combined[fm] ?? 0) + 0.5)),
      Math.log1p(u.sessions),
      u.pageViews / n,
      Math.log1p(u.durationS / n),
      u.searches / n,
      u.itemViews / n,
      u.addToCarts / n,
      u.purchases,
      Math.log1p(meanPrice),
      u.device === 'mobile' ? 1 : 0,
      u.device === 'desktop' ? 1 : 0,
      ...h.map((x) => x / hTotal),
    ]);
  }
  // Every user gets a vector, zeros when they engaged with nothing, so the models always read rows of one length.
  const needs = categoryNeeds(ds);
  return { names, rows, categoryShare, categoryNeeds: new Map(ds.users.map((u) => [u.userId, needs.get(u.userId) ?? zero()] as const)) };
}

export type PersonaTarget = 'gender' | 'age_band' | 'job';
export const PERSONA_TARGETS: readonly PersonaTarget[] = ['gender', 'age_band', 'job'];

function label(t: TruthUser, target: PersonaTarget): string {
  if (target === 'gender') return t.gender;
  if (target === 'age_band') return ageBand(t.age);
  return t.job;
}

export interface PersonaPrediction {
  userId: string;
  split: Split;
  gender: string;
  age_band: string;
  job: string;
  interests: string[];
}

export interface PersonaResult {
  predictions: PersonaPrediction[];
  scores: Score[];
  /** Per target: labels and the test confusion matrix (rows true, columns predicted). */
  confusion: Record<PersonaTarget, { labels: string[]; matrix: number[][] }>;
  model: PersonaModelJson;
  interests: InterestReport;
}

/** How the interests ranker was chosen and how its held-out recall depends on how much each shopper did. */
export interface InterestReport {
  chosen: string;
  /** Mean recall@3 of every candidate over three folds of the training users. */
  validation: { candidate: string; recallAt3: number }[];
  /**
   * Held-out users by their category events (category pages, searches naming a category, item events): recall@3
   * of the model and of the prior, and `visibleShare`, the share of their true top three they touched at all.
   */
  bands: { band: string; users: number; recallAt3: number; priorRecallAt3: number; visibleShare: number }[];
}

export const ACTIVITY_BANDS = ['0', '1-2', '3-5', '6-10', '11-20', '21+'] as const;

export function activityBand(events: number): (typeof ACTIVITY_BANDS)[number] {
  if (events === 0) return '0';
  if (events <= 2) return '1-2';
  if (events <= 5) return '3-5';
  if (events <= 10) return '6-10';
  if (events <= 20) return '11-20';
  return '21+';
}

/** Per user: how many events name a category (category visits and weighted item events) and which categories. */
export function categoryEventCounts(ds: Dataset): Map<string, { events: number; categories: Set<string> }> {
  const out = new Map<string, { events: number; categories: Set<string> }>();
  const add = (userId: string, category: string): void => {
    let v = out.get(userId);
    if (!v) out.set(userId, (v = { events: 0, categories: new Set() }));
    v.events++;
    v.categories.add(category);
  };
  for (const c of ds.categoryVisits) add(c.userId, c.category);
  for (const e of ds.itemEvents) if ((ITEM_WEIGHTS[e.name] ?? 0) > 0 && ds.categories.includes(e.category)) add(e.userId, e.category);
  return out;
}

export interface PersonaModelJson {
  forests: Record<PersonaTarget, ForestJson>;
  /**
   * How the top interests are ranked, chosen by cross-validation on training users: `lift` (the user's share
   * over the store-wide share to the power `exposureExponent`), `learned` (per category, a logistic model of
   * "is among the true top three" from the user's whole category mix, so a shopper seen only in the kitchen
   * gets the home and kids interests that go with it), `profiles` (a Bayes reader of the session needs over the
   * training shoppers' own interest profiles, `interestProfiles`).
   */
  interestModel: 'lift' | 'learned' | 'profiles';
  /** With `learned`: what the logistic models read, the event mix (`mix`) or the session needs (`needs`, `needsInput`). */
  interestInput: 'mix' | 'needs';
  /** How strongly the user's observed category share is divided by the store-wide share (chosen on training users). */
  exposureExponent: number;
  /** The training users' mean category share, in `Dataset.categories` order. */
  populationShare: number[];
  categories: string[];
  /** The commonest true interests among training users: the baseline, and the answer for a user with no item events. */
  priorTop: string[];
  /** With `learned`: one model per category, in `categories` order, over the input `interestInput` names. */
  interestLogistic: LogisticModelJson[];
  /** With `profiles`: the reader's prior and its tempering (empty weights otherwise). */
  interestProfiles: InterestProfiles;
}

/**
 * The empirical prior of the `profiles` reader: every training shopper's true interest weights (in `categories`
 * order) and whether that shopper engaged with any category at all. Shoppers who never open a category are
 * mostly casual browsers, so a shopper with no needs is read against the others with none, and one with needs
 * against those with some. `temperature` (≤ 1, chosen on training folds) can flatten the likelihood, because a
 * shopper's needs are not fully independent draws (a shopper who comes back for an item seen before repeats its
 * category).
 */
export interface InterestProfiles {
  weights: number[][];
  engaged: boolean[];
  temperature: number;
}

/** What the interests rankers read of one user: `UserFeatures.categoryShare` and `UserFeatures.categoryNeeds`. */
export interface InterestInput {
  share: readonly number[];
  needs: readonly number[];
}

/** The engine's rule for choosing a category (behaviours.ts): probability ∝ interest weight^1.5. */
const CHOICE_EXPONENT = 1.5;

/** The session needs as the `learned` model reads them: each category's share of the needs, then log(1 + needs). */
export function needsInput(needs: readonly number[]): number[] {
  const total = needs.reduce((a, b) => a + b, 0);
  return [...shares(needs), Math.log1p(total)];
}

/**
 * Per category, the posterior probability (up to a constant) that it is among the user's true top three: every
 * training profile of the user's kind (engaged or not) weighted by the likelihood of the user's needs as draws
 * ∝ weight^1.5 from it, tempered. With few needs the answer stays near the prior of those profiles; with many it
 * follows the needs: the shrinkage toward the prior depends on how much was seen, with nothing to tune per user.
 */
export function profileScores(p: InterestProfiles, cats: readonly string[], needs: readonly number[]): number[] {
  const engaged = needs.some((n) => n > 0);
  const matching = p.weights.map((_, m) => m).filter((m) => p.engaged[m] === engaged);
  const pool = matching.length > 0 ? matching : p.weights.map((_, m) => m);
  const ll = pool.map((m) => {
    const q = (p.weights[m] ?? []).map((w) => Math.max(1e-9, w) ** CHOICE_EXPONENT);
    const total = q.reduce((a, b) => a + b, 0);
    return p.temperature * needs.reduce((s, n, j) => (n > 0 ? s + n * Math.log((q[j] ?? 0) / total) : s), 0);
  });
  const max = ll.reduce((a, b) => Math.max(a, b), -Infinity);
  const score = new Array<number>(cats.length).fill(0);
  pool.forEach((m, k) => {
    const post = Math.exp((ll[k] ?? -Infinity) - max);
    for (const c of topOf(cats, p.weights[m] ?? [])) {
      const j = cats.indexOf(c);
      score[j] = (score[j] ?? 0) + post;
    }
  });
  return score;
}

/** The top three interests of a user from what they did (`InterestInput`), by a trained model. */
export function predictInterests(m: PersonaModelJson, input: InterestInput): string[] {
  const { share } = input;
  const top3 = (scores: readonly number[]): string[] =>
    m.categories
      .map((c, i) => [c, scores[i] ?? 0] as const)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([c]) => c);
  if (m.interestModel === 'learned') {
    const x = m.interestInput === 'needs' ? needsInput(input.needs) : share;
    return top3(m.categories.map((_, i) => (m.interestLogistic[i] ? logisticScore(m.interestLogistic[i], x) : 0)));
  }
  if (m.interestModel === 'profiles') return top3(profileScores(m.interestProfiles, m.categories, input.needs));
  if (share.slice(0, m.categories.length).every((v) => v === 0)) return m.priorTop.slice(0, 3);
  return rankInterests(share, m.populationShare, m.categories, m.exposureExponent).slice(0, 3);
}

/** Interest scores: the user's category share over the population's share to the power `alpha` (store exposure removed). */
export function rankInterests(share: readonly number[], population: readonly number[], cats: readonly string[], alpha: number): string[] {
  return cats
    .map((c, i) => [c, (share[i] ?? 0) / Math.max(1e-6, population[i] ?? 0) ** alpha] as const)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([c]) => c);
}

type InterestFit = Omit<PersonaModelJson, 'forests'>;

/** One interest ranker with its settings: what cross-validation on training users chooses among. */
export type InterestCandidate = { kind: 'lift' } | { kind: 'learned'; input: 'mix' | 'needs' } | { kind: 'profiles'; temperature: number };

/**
 * The rankers cross-validation chooses among. Others were tried on validation folds and lost (insights/README.md,
 * "Interests"): richer per-category features for the logistic model, saturated (log, presence) and shrunken
 * needs, behaviour beside the needs; they are not kept.
 */
export const INTEREST_CANDIDATES: readonly InterestCandidate[] = [
  { kind: 'lift' },
  { kind: 'learned', input: 'mix' },
  { kind: 'learned', input: 'needs' },
  { kind: 'profiles', temperature: 0.5 },
  { kind: 'profiles', temperature: 1 },
];

export function candidateName(c: InterestCandidate): string {
  if (c.kind === 'learned') return c.input === 'mix' ? 'learned' : 'learned_needs';
  if (c.kind === 'profiles') return `profiles_t${c.temperature}`;
  return c.kind;
}

/**
 * Fits one interest ranker on training users: what they did (`InterestInput`), their true interest weights (in
 * `cats` order) and the true top three those give.
 */
function fitInterests(
  candidate: InterestCandidate,
  cats: readonly string[],
  given: readonly InterestInput[],
  weights: readonly (readonly number[])[],
): InterestFit {
  const inputs = given.map((g) => g.share);
  const truth = weights.map((w) => topOf(cats, w));
  const populationShare = cats.map((_, i) => inputs.reduce((s, x) => s + (x[i] ?? 0), 0) / Math.max(1, inputs.length));
  const counts = new Map<string, number>();
  for (const t of truth) for (const c of t) counts.set(c, (counts.get(c) ?? 0) + 1);
  const priorTop = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([c]) => c).slice(0, 3);
  let exposureExponent = 0;
  let interestLogistic: LogisticModelJson[] = [];
  let interestInput: PersonaModelJson['interestInput'] = 'mix';
  let interestProfiles: InterestProfiles = { weights: [], engaged: [], temperature: 1 };
  if (candidate.kind === 'lift') {
    let best = -1;
    for (const alpha of [0, 0.25, 0.5, 0.75, 1]) {
      const r = recallAtK(truth, inputs.map((x) => rankInterests(x, populationShare, cats, alpha)), 3);
      if (r > best) [best, exposureExponent] = [r, alpha];
    }
  } else if (candidate.kind === 'learned') {
    interestInput = candidate.input;
    const x = candidate.input === 'needs' ? given.map((g) => needsInput(g.needs)) : inputs;
    interestLogistic = cats.map((c) => {
      const lr = new LogisticRegression(0.01, 300, 0.5);
      lr.fit(x, truth.map((t) => (t.includes(c) ? 1 : 0)));
      return lr.model;
    });
  } else {
    interestProfiles = { weights: weights.map((w) => [...w]), engaged: given.map((g) => g.needs.some((n) => n > 0)), temperature: candidate.temperature };
  }
  return { interestModel: candidate.kind, interestInput, exposureExponent, populationShare, categories: [...cats], priorTop, interestLogistic, interestProfiles };
}

const NO_INPUT: InterestInput = { share: [], needs: [] };

/** What the interests rankers read of one user. */
export function interestInput(feats: UserFeatures, userId: string): InterestInput {
  return { share: feats.categoryShare.get(userId) ?? [], needs: feats.categoryNeeds.get(userId) ?? [] };
}

/** The three categories of highest weight (ties by id), as `trueTopInterests` takes them. */
function topOf(cats: readonly string[], w: readonly number[]): string[] {
  return cats
    .map((c, i) => [c, w[i] ?? 0] as const)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 3)
    .map(([c]) => c);
}

/**
 * Which interest ranker recalls more of the true top three: three folds of the training users, never the test
 * users. Returns the winner and every candidate's mean validation recall (kept in the summary, so the choice can
 * be checked).
 */
function chooseInterestModel(
  seed: string,
  ids: readonly string[],
  cats: readonly string[],
  inputs: readonly InterestInput[],
  weights: readonly (readonly number[])[],
): { best: InterestCandidate; validation: { candidate: string; recallAt3: number }[] } {
  const fold = ids.map((id) => Math.floor(seededRandom(`${seed}/interest-fold/${id}`)() * 3));
  const validation: { candidate: string; recallAt3: number }[] = [];
  let best: InterestCandidate = INTEREST_CANDIDATES[0] ?? { kind: 'lift' };
  let bestRecall = -1;
  for (const candidate of INTEREST_CANDIDATES) {
    let mean = 0;
    for (let f = 0; f < 3; f++) {
      const tr = ids.map((_, i) => i).filter((i) => fold[i] !== f);
      const va = ids.map((_, i) => i).filter((i) => fold[i] === f);
      const m = fitInterests(candidate, cats, tr.map((i) => inputs[i] ?? NO_INPUT), tr.map((i) => weights[i] ?? []));
      const full = { ...m, forests: {} as PersonaModelJson['forests'] };
      mean += recallAtK(va.map((i) => topOf(cats, weights[i] ?? [])), va.map((i) => predictInterests(full, inputs[i] ?? NO_INPUT)), 3) / 3;
    }
    validation.push({ candidate: candidateName(candidate), recallAt3: mean });
    if (mean > bestRecall) [best, bestRecall] = [candidate, mean];
  }
  return { best, validation };
}

/**
 * The categories where the default population puts its gender signal (populations/default.json `modifiers`,
 * docs/population.md "Demographic signal"): the female modifier multiplies women's fashion by 3, beauty by 1.8 and
 * men's fashion by 0.2; the male one men's fashion by 3, women's fashion by 0.2 and beauty by 0.4. So a woman's
 * weight over a man's is 15 for women's fashion, 1/15 for men's fashion and 4.5 for beauty. Electronics and sports
 * (×1.25 for men only) are what the population itself calls mild, and job and age carry no gender at all.
 */
export const GENDERED_CATEGORIES: readonly string[] = ['womens-fashion', 'mens-fashion', 'beauty'];

/** Share of category choices a shopper's interests give to the gendered categories, by the engine's rule (weight^1.5, behaviours.ts). */
export function genderedChoiceShare(t: TruthUser): number {
  let all = 0;
  let gendered = 0;
  for (const [c, w] of Object.entries(t.interests)) {
    all += w ** 1.5;
    if (GENDERED_CATEGORIES.includes(c)) gendered += w ** 1.5;
  }
  return all > 0 ? gendered / all : 0;
}

/** Share of a shopper's category choices that must go to the gendered categories for gender to be in their behaviour. */
export const GENDER_SIGNAL_SHARE = 0.25;

/**
 * Where the population puts a gender signal, fixed from the population's definition before any held-out figure
 * was looked at (model18c): a female or male shopper (the population gives nonbinary shoppers no modifier) whose
 * interests send at least a quarter of their category choices to the gendered categories, so that in the handful
 * of category choices a typical shopper makes at least one is expected to land there, and who made at least one
 * category choice at all (a shopper who never opened a category or an item left no behaviour to read). Read from
 * the truth only to say which held-out users the figure is on.
 */
export function carriesGenderSignal(t: TruthUser, share: readonly number[] | undefined, cats: readonly string[]): boolean {
  const engaged = (share ?? []).slice(0, cats.length).some((v) => v > 0);
  return (t.gender === 'female' || t.gender === 'male') && genderedChoiceShare(t) >= GENDER_SIGNAL_SHARE && engaged;
}

/** How each interest ranker is named in the scores. */
function interestModelName(c: InterestCandidate): string {
  if (c.kind === 'lift') return 'category_lift';
  if (c.kind === 'learned') return c.input === 'mix' ? 'category_mix_logistic' : 'session_needs_logistic';
  return 'session_needs_profiles_bayes';
}

export function trainPersonas(ds: Dataset, seed: string): PersonaResult {
  const feats = userFeatures(ds);
  const users = ds.users.filter((u) => ds.truth.has(u.userId));
  const split = new Map(users.map((u) => [u.userId, userSplit(seed, u.userId)] as const));
  const train = users.filter((u) => split.get(u.userId) === 'train');
  const test = users.filter((u) => split.get(u.userId) === 'test');
  const xOf = (list: typeof users): number[][] => list.map((u) => feats.rows.get(u.userId) ?? []);
  const truthOf = (id: string): TruthUser => ds.truth.get(id) as TruthUser;
  const scores: Score[] = [];
  const predicted = new Map<string, Partial<Record<PersonaTarget, string>>>();
  const confusion = {} as PersonaResult['confusion'];
  const forests = {} as Record<PersonaTarget, ForestJson>;

  for (const target of PERSONA_TARGETS) {
    const yTrain = train.map((u) => label(truthOf(u.userId), target));
    const yTest = test.map((u) => label(truthOf(u.userId), target));
    const model = new ForestClassifier(`${seed}/${target}`, { trees: 40, maxFeatures: 0.5, maxDepth: 6, minLeaf: 3 });
    const baselines: Classifier[] = [new MajorityClassifier(), new PriorClassifier(`${seed}/${target}`)];
    model.fit(xOf(train), yTrain);
    forests[target] = model.toJSON();
    const all = model.predict(xOf(users));
    users.forEach((u, i) => {
      const p = predicted.get(u.userId) ?? {};
      p[target] = all[i] ?? '';
      predicted.set(u.userId, p);
    });
    const pTest = test.map((u) => predicted.get(u.userId)?.[target] ?? '');
    const labels = target === 'age_band' ? [...AGE_BANDS] : [...new Set([...yTrain, ...yTest])].sort();
    confusion[target] = { labels, matrix: confusionMatrix(yTest, pTest, labels) };
    for (const b of baselines) b.fit(xOf(train), yTrain);
    const [majority, prior] = baselines.map((b) => b.predict(xOf(test))) as [string[], string[]];
    if (target === 'gender') {
      const where = test.filter((u) => carriesGenderSignal(truthOf(u.userId), feats.categoryShare.get(u.userId), ds.categories));
      const yWhere = where.map((u) => label(truthOf(u.userId), target));
      const pWhere = where.map((u) => predicted.get(u.userId)?.gender ?? '');
      const trainFm = yTrain.filter((y) => y === 'female' || y === 'male');
      const majority = trainFm.filter((y) => y === 'female').length >= trainFm.length / 2 ? 'female' : 'male';
      scores.push({
        task: 'personas',
        target: 'gender_where_signal',
        metric: 'balanced_accuracy',
        model: model.name,
        value: balancedAccuracy(yWhere, pWhere),
        baseline: 'majority',
        baselineValue: balancedAccuracy(yWhere, yWhere.map(() => majority)),
        higherIsBetter: true,
        n: where.length,
        target_value: 0.8,
        interval: bootstrapInterval(
          yWhere.map((y, i) => [y, pWhere[i] ?? ''] as const),
          (rows) => balancedAccuracy(rows.map((r) => r[0]), rows.map((r) => r[1])),
          seededRandom(`${seed}/gender-where-signal/bootstrap`),
        ),
      });
    }
    scores.push(
      {
        task: 'personas',
        target,
        metric: 'balanced_accuracy',
        model: model.name,
        value: balancedAccuracy(yTest, pTest),
        baseline: 'majority',
        baselineValue: balancedAccuracy(yTest, majority),
        higherIsBetter: true,
        n: test.length,
      },
      {
        task: 'personas',
        target,
        metric: 'macro_f1',
        model: model.name,
        value: macroF1(yTest, pTest),
        baseline: 'prior',
        baselineValue: macroF1(yTest, prior),
        higherIsBetter: true,
        n: test.length,
      },
    );
  }

  // Interests: the ranker and its setting are chosen on training users only (cross-validated), then refitted on all of them.
  const cats = ds.categories;
  const trainInputs = train.map((u) => interestInput(feats, u.userId));
  const weightsOf = (id: string): number[] => cats.map((c) => truthOf(id).interests[c] ?? 0);
  const trainWeights = train.map((u) => weightsOf(u.userId));
  const chosen = chooseInterestModel(seed, train.map((u) => u.userId), cats, trainInputs, trainWeights);
  const model: PersonaModelJson = { forests, ...fitInterests(chosen.best, cats, trainInputs, trainWeights) };
  const priorTop = model.priorTop;
  // A user with no item events at all has nothing to rank: the population's commonest interests stand in.
  const interestsOf = (id: string): string[] => predictInterests(model, interestInput(feats, id));
  const testTruth = test.map((u) => trueTopInterests(truthOf(u.userId)));
  scores.push({
    task: 'personas',
    target: 'interests',
    metric: 'recall_at_3',
    model: interestModelName(chosen.best),
    value: recallAtK(
      testTruth,
      test.map((u) => interestsOf(u.userId)),
      3,
    ),
    interval: bootstrapInterval(
      test.map((u, i) => [testTruth[i] ?? [], interestsOf(u.userId)] as const),
      (rows) => recallAtK(rows.map((r) => r[0]), rows.map((r) => r[1]), 3),
      seededRandom(`${seed}/interests/bootstrap`),
    ),
    baseline: 'prior',
    baselineValue: recallAtK(
      testTruth,
      test.map(() => priorTop.slice(0, 3)),
      3,
    ),
    higherIsBetter: true,
    n: test.length,
    target_value: 0.8,
  });

  // Recall by how much a held-out shopper did: how far the figure is a matter of data rather than model.
  const activity = categoryEventCounts(ds);
  const interestBands = ACTIVITY_BANDS.map((b) => {
    const inBand = test.filter((u) => activityBand(activity.get(u.userId)?.events ?? 0) === b);
    const truthIn = inBand.map((u) => trueTopInterests(truthOf(u.userId)));
    const visible = inBand.map((u, i) => {
      const touched = activity.get(u.userId)?.categories ?? new Set<string>();
      return (truthIn[i] ?? []).filter((c) => touched.has(c)).length / 3;
    });
    return {
      band: b,
      users: inBand.length,
      recallAt3: recallAtK(truthIn, inBand.map((u) => interestsOf(u.userId)), 3),
      priorRecallAt3: recallAtK(truthIn, inBand.map(() => priorTop.slice(0, 3)), 3),
      visibleShare: visible.length ? visible.reduce((a, v) => a + v, 0) / visible.length : NaN,
    };
  });

  const predictions: PersonaPrediction[] = users.map((u) => {
    const p = predicted.get(u.userId) ?? {};
    return {
      userId: u.userId,
      split: split.get(u.userId) ?? 'train',
      gender: p.gender ?? '',
      age_band: p.age_band ?? '',
      job: p.job ?? '',
      interests: interestsOf(u.userId),
    };
  });
  return { predictions, scores, confusion, model, interests: { chosen: candidateName(chosen.best), validation: chosen.validation, bands: interestBands } };
}
