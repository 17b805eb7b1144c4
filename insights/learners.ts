/**
 * The learners behind every insight, on one small interface: `fit` on rows of numbers, then `predict` (labels) or
 * `predictProba` (the probability of the positive class), and `toJSON` for the saved model. The baselines
 * (majority class, population prior, constant rate) sit on the same interface so that each model is scored beside
 * one. The tree ensemble and k-means are the mljs family's; logistic regression and kNN are a few lines here
 * (insights/README.md says why).
 */
import { RandomForestClassifier } from 'ml-random-forest';
import { seededRandom } from './split';

export type Rows = readonly (readonly number[])[];

export interface Classifier {
  readonly name: string;
  fit(x: Rows, y: readonly string[]): void;
  predict(x: Rows): string[];
}

export interface BinaryModel {
  readonly name: string;
  fit(x: Rows, y: readonly number[]): void;
  predictProba(x: Rows): number[];
}

/** Always the commonest training label (scikit-learn's DummyClassifier, strategy most_frequent). */
export class MajorityClassifier implements Classifier {
  readonly name = 'majority';
  private label = '';
  fit(_x: Rows, y: readonly string[]): void {
    const counts = new Map<string, number>();
    for (const l of y) counts.set(l, (counts.get(l) ?? 0) + 1);
    this.label = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? '';
  }
  predict(x: Rows): string[] {
    return x.map(() => this.label);
  }
}

/** A label drawn from the training labels' frequencies for each row, seeded (DummyClassifier, strategy stratified). */
export class PriorClassifier implements Classifier {
  readonly name = 'prior';
  private labels: string[] = [];
  private weights: number[] = [];
  constructor(private readonly seed: string) {}
  fit(_x: Rows, y: readonly string[]): void {
    const counts = new Map<string, number>();
    for (const l of y) counts.set(l, (counts.get(l) ?? 0) + 1);
    this.labels = [...counts.keys()].sort();
    this.weights = this.labels.map((l) => counts.get(l) ?? 0);
  }
  predict(x: Rows): string[] {
    const rand = seededRandom(`${this.seed}/prior`);
    const total = this.weights.reduce((s, w) => s + w, 0);
    return x.map(() => {
      let r = rand() * total;
      for (let i = 0; i < this.labels.length; i++) {
        r -= this.weights[i] ?? 0;
        if (r < 0) return this.labels[i] ?? '';
      }
      return this.labels[this.labels.length - 1] ?? '';
    });
  }
}

function seedInt(seed: string): number {
  return Math.floor(seededRandom(`${seed}/int`)() * 2 ** 31);
}

export interface ForestOptions {
  trees?: number;
  /** Share of the features each tree sees. */
  maxFeatures?: number;
  maxDepth?: number;
  minLeaf?: number;
}

export interface ForestJson {
  classes: string[];
  forest: ReturnType<RandomForestClassifier['toJSON']>;
}

/** mljs's random forest (CART trees on bootstrap samples), labels encoded as class indexes. */
export class ForestClassifier implements Classifier {
  readonly name = 'random_forest';
  private forest: RandomForestClassifier | null = null;
  private classes: string[] = [];
  constructor(
    private readonly seed: string,
    private readonly options: ForestOptions = {},
  ) {}
  fit(x: Rows, y: readonly string[]): void {
    this.classes = [...new Set(y)].sort();
    this.forest = new RandomForestClassifier({
      seed: seedInt(this.seed),
      nEstimators: this.options.trees ?? 100,
      maxFeatures: this.options.maxFeatures ?? 0.5,
      replacement: true,
      useSampleBagging: true,
      noOOB: true,
      treeOptions: { maxDepth: this.options.maxDepth ?? 8, minNumSamples: this.options.minLeaf ?? 3 },
    });
    this.forest.train(
      x.map((r) => [...r]),
      y.map((l) => this.classes.indexOf(l)),
    );
  }
  toJSON(): ForestJson {
    if (!this.forest) throw new Error('ForestClassifier: fit first');
    return { classes: this.classes, forest: this.forest.toJSON() };
  }
  static load(json: ForestJson, seed = 'loaded'): ForestClassifier {
    const f = new ForestClassifier(seed);
    f.classes = json.classes;
    f.forest = RandomForestClassifier.load(json.forest);
    return f;
  }
  predict(x: Rows): string[] {
    if (!this.forest) throw new Error('ForestClassifier: fit first');
    if (this.classes.length === 1) return x.map(() => this.classes[0] ?? '');
    return this.forest.predict(x.map((r) => [...r])).map((i) => this.classes[i] ?? '');
  }
  /** Probability of each class (the share of trees voting for it), in the order of `classes`. */
  predictClassProba(x: Rows): { classes: string[]; proba: number[][] } {
    if (!this.forest) throw new Error('ForestClassifier: fit first');
    const rows = x.map((r) => [...r]);
    if (this.classes.length === 1) return { classes: this.classes, proba: rows.map(() => [1]) };
    // The votes of every tree, counted here: the library's predictProbability starts its sum from the first vote.
    const votes = this.forest.predictionValues(rows);
    const proba = rows.map((_, r) => {
      const row = votes.getRow(r);
      return this.classes.map((_c, i) => row.filter((v) => v === i).length / Math.max(1, row.length));
    });
    return { classes: this.classes, proba };
  }
}

/** Binary random forest: the share of trees voting for class 1. */
export class ForestBinary implements BinaryModel {
  readonly name = 'random_forest';
  private inner: ForestClassifier;
  constructor(seed: string, options: ForestOptions = {}) {
    this.inner = new ForestClassifier(seed, options);
  }
  toJSON(): ForestJson {
    return this.inner.toJSON();
  }
  static load(json: ForestJson): ForestBinary {
    const b = new ForestBinary('loaded');
    b.inner = ForestClassifier.load(json);
    return b;
  }
  fit(x: Rows, y: readonly number[]): void {
    this.inner.fit(
      x,
      y.map((v) => String(v)),
    );
  }
  predictProba(x: Rows): number[] {
    const { classes, proba } = this.inner.predictClassProba(x);
    const pos = classes.indexOf('1');
    return proba.map((p) => (pos < 0 ? 0 : (p[pos] ?? 0)));
  }
}

/** The training positive rate for everyone: the baseline a propensity model must beat. */
export class ConstantRate implements BinaryModel {
  readonly name = 'constant_rate';
  rate = 0;
  fit(_x: Rows, y: readonly number[]): void {
    this.rate = y.length === 0 ? 0 : y.reduce((s, v) => s + v, 0) / y.length;
  }
  predictProba(x: Rows): number[] {
    return x.map(() => this.rate);
  }
}

/** Column means and deviations of the training rows; a constant column is left unscaled. */
export interface Scaler {
  mean: number[];
  sd: number[];
}

export function fitScaler(x: Rows): Scaler {
  const d = x[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  for (const r of x) r.forEach((v, j) => (mean[j] = (mean[j] ?? 0) + v / x.length));
  for (const r of x) r.forEach((v, j) => (sd[j] = (sd[j] ?? 0) + (v - (mean[j] ?? 0)) ** 2 / Math.max(1, x.length - 1)));
  return { mean, sd: sd.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

export function scale(s: Scaler, r: readonly number[]): number[] {
  return r.map((v, j) => (v - (s.mean[j] ?? 0)) / (s.sd[j] ?? 1));
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Saved form of the logistic regression: what scoreSession needs and nothing else. */
export interface LogisticModelJson {
  scaler: Scaler;
  weights: number[];
  bias: number;
}

/**
 * L2-regularised logistic regression on standardised features, fitted by full-batch gradient descent (the
 * problem is convex and small: tens of features, thousands of rows).
 */
export class LogisticRegression implements BinaryModel {
  readonly name = 'logistic_regression';
  model: LogisticModelJson = { scaler: { mean: [], sd: [] }, weights: [], bias: 0 };
  constructor(
    private readonly l2 = 0.01,
    private readonly steps = 800,
    private readonly rate = 0.5,
  ) {}
  fit(x: Rows, y: readonly number[]): void {
    const scaler = fitScaler(x);
    const z = x.map((r) => scale(scaler, r));
    const d = scaler.mean.length;
    const w = new Array<number>(d).fill(0);
    const pos = y.reduce((s, v) => s + v, 0);
    let b = Math.log((pos + 0.5) / (y.length - pos + 0.5));
    const n = Math.max(1, z.length);
    for (let step = 0; step < this.steps; step++) {
      const gw = new Array<number>(d).fill(0);
      let gb = 0;
      z.forEach((r, i) => {
        let s = b;
        for (let j = 0; j < d; j++) s += (w[j] ?? 0) * (r[j] ?? 0);
        const err = sigmoid(s) - (y[i] ?? 0);
        gb += err;
        for (let j = 0; j < d; j++) gw[j] = (gw[j] ?? 0) + err * (r[j] ?? 0);
      });
      for (let j = 0; j < d; j++) w[j] = (w[j] ?? 0) - this.rate * ((gw[j] ?? 0) / n + this.l2 * (w[j] ?? 0));
      b -= (this.rate * gb) / n;
    }
    this.model = { scaler, weights: w, bias: b };
  }
  predictProba(x: Rows): number[] {
    return x.map((r) => logisticScore(this.model, r));
  }
}

export function logisticScore(m: LogisticModelJson, r: readonly number[]): number {
  let s = m.bias;
  for (let j = 0; j < m.weights.length; j++) s += (m.weights[j] ?? 0) * (((r[j] ?? 0) - (m.scaler.mean[j] ?? 0)) / (m.scaler.sd[j] ?? 1));
  return sigmoid(s);
}

/**
 * k nearest neighbours on standardised features (visit similarity): the share of positive neighbours, smoothed
 * toward the training rate so that a probability of exactly 0 or 1 is rare.
 */
export class KnnBinary implements BinaryModel {
  readonly name = 'knn';
  private scaler: Scaler = { mean: [], sd: [] };
  private points: number[][] = [];
  private labels: number[] = [];
  private rate = 0;
  constructor(private readonly k = 25) {}
  fit(x: Rows, y: readonly number[]): void {
    this.scaler = fitScaler(x);
    this.points = x.map((r) => scale(this.scaler, r));
    this.labels = [...y];
    this.rate = y.length === 0 ? 0 : y.reduce((s, v) => s + v, 0) / y.length;
  }
  predictProba(x: Rows): number[] {
    return x.map((r) => {
      const q = scale(this.scaler, r);
      const d = this.points.map((p, i) => {
        let s = 0;
        for (let j = 0; j < p.length; j++) s += ((p[j] ?? 0) - (q[j] ?? 0)) ** 2;
        return [s, this.labels[i] ?? 0] as const;
      });
      d.sort((a, b) => a[0] - b[0]);
      const near = d.slice(0, this.k);
      const pos = near.reduce((s, v) => s + v[1], 0);
      return (pos + this.rate) / (near.length + 1);
    });
  }
}
