/** One scored figure: a model's metric on held-out data beside its baseline's, the shape metrics.json and the report share. */
export interface Score {
  task: 'personas' | 'propensity' | 'recommendations' | 'segments';
  /** What is predicted, e.g. `gender`, `purchase`. */
  target: string;
  metric: string;
  model: string;
  value: number;
  baseline: string;
  baselineValue: number;
  /** Higher is better for every metric but the Brier score. */
  higherIsBetter: boolean;
  /** Rows the figure was computed on (held-out users, sessions or users with a held-out session). */
  n: number;
  /** The target, when it names one. */
  target_value?: number;
  /** A 95 % interval of `value`, where one is computed (percentile bootstrap over the held-out rows). */
  interval?: { low: number; high: number };
}

export function beats(s: Score): boolean {
  if (!Number.isFinite(s.value)) return false;
  if (!Number.isFinite(s.baselineValue)) return true;
  return s.higherIsBetter ? s.value > s.baselineValue : s.value < s.baselineValue;
}

const f = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

/** `personas.gender.balanced_accuracy random_forest 0.512 vs majority 0.333 (n=90) beats` */
export function formatScore(s: Score): string {
  const target = s.target_value === undefined ? '' : ` target ${s.higherIsBetter ? '≥' : '≤'} ${s.target_value}`;
  const interval = s.interval ? ` [95 % ${f(s.interval.low)}–${f(s.interval.high)}]` : '';
  return `${s.task}.${s.target}.${s.metric}: ${s.model} ${f(s.value)}${interval} vs ${s.baseline} ${f(s.baselineValue)} (n=${s.n}) ${beats(s) ? 'beats baseline' : 'DOES NOT beat baseline'}${target}`;
}
