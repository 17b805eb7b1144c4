/**
 * Purchase propensity per session, from what is known at the moment of scoring. No leakage: every feature is
 * computed from the session's prefix, the events strictly before its first `begin_checkout` or `purchase` (the
 * whole session when there is neither), so the checkout, the purchase and whatever follows them are never seen
 * (in the simulated store nearly every begun checkout ends in a purchase, so a prefix that kept it would score
 * the outcome, not predict it);
 * the session's totals from the sessions model (converted, revenue, event counts) are used only as the label.
 * Sessions are split by user, so a shopper's other sessions never inform their own score. The same
 * `sessionFeatures` serves a live session as it happens (score.ts).
 */
import type { Dataset, SessionEvent, SessionRecord } from './dataset';
import { ConstantRate, ForestBinary, KnnBinary, LogisticRegression, type BinaryModel, type ForestJson, type LogisticModelJson } from './learners';
import { brier, prAuc, reliabilityCurve, rocAuc, type ReliabilityBin } from './metrics';
import type { Score } from './scorecard';
import { userSplit, type Split } from './split';

/** Events whose counts describe a session so far. */
const COUNTED = [
  'page_view',
  'view_item_list',
  'select_item',
  'view_item',
  'search',
  'view_promotion',
  'select_promotion',
  'add_to_wishlist',
  'add_to_cart',
  'remove_from_cart',
  'view_cart',
  'scroll',
  'login',
  'sign_up',
] as const;

export const SESSION_FEATURES = [
  ...COUNTED.map((e) => `log_${e}`),
  'log_events',
  'log_elapsed_s',
  'reached_cart',
  'returning',
  'device_mobile',
  'device_desktop',
] as const;

/** A session as far as it has got: its events so far (time order), which visit of the user it is, its device. */
export interface LiveSession {
  events: readonly SessionEvent[];
  sessionNumber: number;
  device: string;
}

/** The numbers every propensity model reads, in SESSION_FEATURES order. Pure: the server may call it per event. */
export function sessionFeatures(s: LiveSession): number[] {
  const counts = new Map<string, number>();
  let first = Infinity;
  let last = -Infinity;
  for (const e of s.events) {
    counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
    if (e.t < first) first = e.t;
    if (e.t > last) last = e.t;
  }
  const c = (n: string): number => counts.get(n) ?? 0;
  return [
    ...COUNTED.map((e) => Math.log1p(c(e))),
    Math.log1p(s.events.length),
    Math.log1p(s.events.length > 0 ? (last - first) / 1e6 : 0),
    c('add_to_cart') > 0 || c('view_cart') > 0 ? 1 : 0,
    s.sessionNumber > 1 ? 1 : 0,
    s.device === 'mobile' ? 1 : 0,
    s.device === 'desktop' ? 1 : 0,
  ];
}

/** Events that settle the outcome (or nearly): the scored prefix stops before the first of them. */
const OUTCOME_EVENTS = new Set(['begin_checkout', 'add_shipping_info', 'add_payment_info', 'purchase']);

/** The prefix scored: every event before the checkout begins (or the purchase, when there is no checkout event). */
export function prefixBeforeCheckout(events: readonly SessionEvent[]): SessionEvent[] {
  const at = events.findIndex((e) => OUTCOME_EVENTS.has(e.name));
  return at < 0 ? [...events] : events.slice(0, at);
}

/** An earlier moment: the first `k` events of that prefix (how well a session is read while it is young). */
export function earlyPrefix(events: readonly SessionEvent[], k: number): SessionEvent[] {
  return prefixBeforeCheckout(events).slice(0, k);
}

export interface PropensityModelJson {
  features: readonly string[];
  /** The model scoreSession uses. */
  logistic: LogisticModelJson;
  forest: ForestJson;
  trainRate: number;
}

export interface SessionPrediction {
  userId: string;
  gaSessionId: number;
  split: Split;
  propensity: number;
  converted: boolean;
}

export interface PropensityResult {
  model: PropensityModelJson;
  predictions: SessionPrediction[];
  scores: Score[];
  /** Test sessions: the chosen model's probabilities and the labels, for the distribution chart. */
  testProbabilities: { p: number; y: number }[];
  reliability: Record<string, ReliabilityBin[]>;
  /** The model behind `propensity` in the CSV and scoreSession. */
  chosen: string;
}

const live = (s: SessionRecord, events: readonly SessionEvent[]): LiveSession => ({ events, sessionNumber: s.sessionNumber, device: s.device });

export function trainPropensity(ds: Dataset, seed: string): PropensityResult {
  const sessions = ds.sessions;
  const split = sessions.map((s) => userSplit(seed, s.userId));
  const x = sessions.map((s) => sessionFeatures(live(s, prefixBeforeCheckout(s.events))));
  const xEarly = sessions.map((s) => sessionFeatures(live(s, earlyPrefix(s.events, 5))));
  const y = sessions.map((s) => (s.converted ? 1 : 0));
  const tr = (_: unknown, i: number): boolean => split[i] === 'train';
  const te = (_: unknown, i: number): boolean => split[i] === 'test';
  const xTrain = x.filter(tr);
  const yTrain = y.filter(tr);
  const xTest = x.filter(te);
  const yTest = y.filter(te);
  const xEarlyTest = xEarly.filter(te);

  const logistic = new LogisticRegression();
  const forest = new ForestBinary(`${seed}/propensity`, { trees: 60, maxFeatures: 0.6, maxDepth: 6, minLeaf: 5 });
  const knn = new KnnBinary(25);
  const constant = new ConstantRate();
  const models: BinaryModel[] = [logistic, forest, knn];
  for (const m of [...models, constant]) m.fit(xTrain, yTrain);

  const base = constant.predictProba(xTest);
  const scores: Score[] = [];
  const reliability: Record<string, ReliabilityBin[]> = {};
  const metrics = [
    { metric: 'roc_auc', fn: rocAuc, higher: true, target: 0.9 },
    { metric: 'pr_auc', fn: prAuc, higher: true },
    { metric: 'brier', fn: brier, higher: false },
  ] as const;
  for (const m of models) {
    const p = m.predictProba(xTest);
    reliability[m.name] = reliabilityCurve(yTest, p);
    for (const k of metrics) {
      scores.push({
        task: 'propensity',
        target: 'purchase',
        metric: k.metric,
        model: m.name,
        value: k.fn(yTest, p),
        baseline: constant.name,
        baselineValue: k.fn(yTest, base),
        higherIsBetter: k.higher,
        n: yTest.length,
        ...('target' in k ? { target_value: k.target } : {}),
      });
    }
    const early = m.predictProba(xEarlyTest);
    scores.push({
      task: 'propensity',
      target: 'purchase_first_5_events',
      metric: 'roc_auc',
      model: m.name,
      value: rocAuc(yTest, early),
      baseline: constant.name,
      baselineValue: rocAuc(yTest, base),
      higherIsBetter: true,
      n: yTest.length,
    });
  }
  reliability[constant.name] = reliabilityCurve(yTest, base);

  // scoreSession must be pure and small, so the saved scorer is the logistic regression; the forest is kept for
  // the CSV and comparison.
  const model: PropensityModelJson = { features: SESSION_FEATURES, logistic: logistic.model, forest: forest.toJSON(), trainRate: constant.rate };
  const all = logistic.predictProba(x);
  const predictions: SessionPrediction[] = sessions.map((s, i) => ({
    userId: s.userId,
    gaSessionId: s.gaSessionId,
    split: split[i] ?? 'train',
    propensity: all[i] ?? 0,
    converted: s.converted,
  }));
  const pTest = logistic.predictProba(xTest);
  return {
    model,
    predictions,
    scores,
    testProbabilities: pTest.map((p, i) => ({ p, y: yTest[i] ?? 0 })),
    reliability,
    chosen: logistic.name,
  };
}
