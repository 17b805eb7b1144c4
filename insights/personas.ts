/**
 * Personas from behaviour: gender, age band, job (random forests) and the top three interests (category
 * engagement over the store's own exposure) of each user, from what GA4 records of them. Left out because they
 * give a label away or are not behaviour: geo (country, region, city → region), the user id, and everything in
 * ground_truth. Split by user (split.ts); baselines: majority class and the population prior.
 */
import { ageBand, AGE_BANDS, type Dataset, type TruthUser, trueTopInterests } from './dataset';
import { ForestClassifier, MajorityClassifier, PriorClassifier, type Classifier, type ForestJson } from './learners';
import { balancedAccuracy, confusionMatrix, macroF1, recallAtK } from './metrics';
import type { Score } from './scorecard';
import { userSplit, type Split } from './split';

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

export interface UserFeatures {
  names: string[];
  rows: Map<string, number[]>;
  /** Per user, per category (in `Dataset.categories` order): share of the user's weighted item engagement. */
  categoryShare: Map<string, number[]>;
}

export function userFeatures(ds: Dataset): UserFeatures {
  const cats = ds.categories;
  const eng = new Map<string, number[]>();
  const prices = new Map<string, number[]>();
  for (const e of ds.itemEvents) {
    const w = ITEM_WEIGHTS[e.name] ?? 0;
    const ci = cats.indexOf(e.category);
    if (w > 0 && ci >= 0) {
      let v = eng.get(e.userId);
      if (!v) eng.set(e.userId, (v = new Array<number>(cats.length).fill(0)));
      v[ci] = (v[ci] ?? 0) + w;
    }
    if (e.name === 'view_item' && e.price > 0) {
      let p = prices.get(e.userId);
      if (!p) prices.set(e.userId, (p = []));
      p.push(e.price);
    }
  }
  const hours = new Map<string, number[]>();
  for (const s of ds.sessions) {
    let h = hours.get(s.userId);
    if (!h) hours.set(s.userId, (h = [0, 0, 0, 0]));
    const hour = new Date(s.startMicros / 1000).getUTCHours();
    const b = Math.floor(hour / 6);
    h[b] = (h[b] ?? 0) + 1;
  }
  const names = [
    ...cats.map((c) => `share_${c}`),
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
    const e = eng.get(u.userId) ?? new Array<number>(cats.length).fill(0);
    const total = e.reduce((s, v) => s + v, 0);
    const share = e.map((v) => (total > 0 ? v / total : 0));
    categoryShare.set(u.userId, share);
    const p = prices.get(u.userId) ?? [];
    const meanPrice = p.length ? p.reduce((s, v) => s + v, 0) / p.length : 0;
    const n = Math.max(1, u.sessions);
    const h = hours.get(u.userId) ?? [0, 0, 0, 0];
    const hTotal = Math.max(1, h.reduce((s, v) => s + v, 0));
    rows.set(u.userId, [
      ...share,
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
      ...h.map((v) => v / hTotal),
    ]);
  }
  return { names, rows, categoryShare };
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
}

export interface PersonaModelJson {
  forests: Record<PersonaTarget, ForestJson>;
  /** How strongly the user's observed category share is divided by the store-wide share (chosen on training users). */
  exposureExponent: number;
  /** The training users' mean category share, in `Dataset.categories` order. */
  populationShare: number[];
  categories: string[];
  /** The commonest true interests among training users: the baseline, and the answer for a user with no item events. */
  priorTop: string[];
}

/** The top three interests of a user from their category share, by a trained model. */
export function predictInterests(m: PersonaModelJson, share: readonly number[]): string[] {
  if (share.every((v) => v === 0)) return m.priorTop.slice(0, 3);
  return rankInterests(share, m.populationShare, m.categories, m.exposureExponent).slice(0, 3);
}

/** Interest scores: the user's category share over the population's share to the power `alpha` (store exposure removed). */
export function rankInterests(share: readonly number[], population: readonly number[], cats: readonly string[], alpha: number): string[] {
  return cats
    .map((c, i) => [c, (share[i] ?? 0) / Math.max(1e-6, population[i] ?? 0) ** alpha] as const)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([c]) => c);
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
        ...(target === 'gender' ? { target_value: 0.8 } : {}),
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

  // Interests: the exposure exponent is chosen on training users only (0 = raw share; 1 = lift over the store).
  const cats = ds.categories;
  const popShare = cats.map((_, i) => {
    let s = 0;
    for (const u of train) s += feats.categoryShare.get(u.userId)?.[i] ?? 0;
    return s / Math.max(1, train.length);
  });
  const trainTruth = train.map((u) => trueTopInterests(truthOf(u.userId)));
  let best = { alpha: 0, recall: -1 };
  for (const alpha of [0, 0.25, 0.5, 0.75, 1]) {
    const recs = train.map((u) => rankInterests(feats.categoryShare.get(u.userId) ?? [], popShare, cats, alpha));
    const r = recallAtK(trainTruth, recs, 3);
    if (r > best.recall) best = { alpha, recall: r };
  }
  const counts = new Map<string, number>();
  for (const t of trainTruth) for (const c of t) counts.set(c, (counts.get(c) ?? 0) + 1);
  const priorTop = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([c]) => c);
  const model: PersonaModelJson = { forests, exposureExponent: best.alpha, populationShare: popShare, categories: cats, priorTop: priorTop.slice(0, 3) };
  // A user with no item events at all has nothing to rank: the population's commonest interests stand in.
  const interestsOf = (id: string): string[] => predictInterests(model, feats.categoryShare.get(id) ?? []);
  const testTruth = test.map((u) => trueTopInterests(truthOf(u.userId)));
  scores.push({
    task: 'personas',
    target: 'interests',
    metric: 'recall_at_3',
    model: 'category_engagement',
    value: recallAtK(
      testTruth,
      test.map((u) => interestsOf(u.userId)),
      3,
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
  return { predictions, scores, confusion, model };
}
