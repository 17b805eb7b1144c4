/**
 * How much interests recall@3 the data can support: an idealised Bayes reader of behaviour. For each held-out
 * shopper's number of category events, fresh shoppers are drawn from the population file itself, each makes that
 * many category choices as clean independent draws with probability ∝ weight^1.5 (the engine's rule for choosing
 * a category), and the top three are read off the exact posterior over 20 000 prior draws of the same population.
 * No model trained on behaviour can do better on average, and the real store is harder: its events are not
 * independent (one session with a need opens many items of one category, a select_item and its view_item name the
 * same choice) and the home page shows the same items to everyone. So this is an upper bound, not a target. Lives
 * in bench/ because it reads the population (simulator/), which insights may not import.
 */
import { activityBand, ACTIVITY_BANDS } from '../insights/personas';
import { seededRandom } from '../insights/split';
import type { Population } from '../simulator/population';
import { samplePersona } from '../simulator/population';
import { createRng } from '../simulator/rng';

const top3 = (cats: readonly string[], w: readonly number[]): number[] =>
  w
    .map((x, j) => [j, x, cats[j] ?? ''] as const)
    .sort((a, b) => b[1] - a[1] || (a[2] < b[2] ? -1 : 1))
    .slice(0, 3)
    .map(([j]) => j);

export interface Ceiling {
  overall: number;
  byBand: Record<string, number>;
}

/**
 * `draws[u]` clean choices are made for each shopper u; the figure is kept per `bands[u]` (by default the
 * activity band of the draws themselves), so the reader can be given fewer draws than the band's events, e.g. the
 * shopper's session needs, and still be compared band by band with the model.
 */
export function idealInterestsRecall(population: Population, cats: readonly string[], draws: readonly number[], seed: string, priorDraws = 20_000, repeats = 3, bands?: readonly string[]): Ceiling {
  const weightsOf = (i: string, tag: string): number[] => {
    const p = samplePersona(population, createRng(`${seed}/${tag}/${i}`), tag);
    return cats.map((c) => p.interests[c] ?? p.baseline ?? 0.1);
  };
  const prior = Array.from({ length: priorDraws }, (_, i) => {
    const w = weightsOf(String(i), 'prior');
    const q = w.map((x) => x ** 1.5);
    const sum = q.reduce((a, b) => a + b, 0);
    return { logP: q.map((x) => Math.log(x / sum)), top: top3(cats, w) };
  });
  const rand = seededRandom(`${seed}/choices`);
  const sums = new Map<string, { hit: number; n: number }>();
  const add = (key: string, hit: number): void => {
    const s = sums.get(key) ?? { hit: 0, n: 0 };
    s.hit += hit;
    s.n++;
    sums.set(key, s);
  };
  for (let r = 0; r < repeats; r++) {
    draws.forEach((events, u) => {
      const w = weightsOf(`${r}/${u}`, 'shopper');
      const truth = top3(cats, w);
      const q = w.map((x) => x ** 1.5);
      const total = q.reduce((a, b) => a + b, 0);
      const counts = new Array<number>(cats.length).fill(0);
      for (let k = 0; k < events; k++) {
        let x = rand() * total;
        let j = 0;
        for (; j < cats.length - 1; j++) {
          x -= q[j] ?? 0;
          if (x < 0) break;
        }
        counts[j] = (counts[j] ?? 0) + 1;
      }
      const ll = prior.map((p) => counts.reduce((s, n, j) => (n > 0 ? s + n * (p.logP[j] ?? 0) : s), 0));
      const max = ll.reduce((a, b) => Math.max(a, b), -Infinity);
      const score = new Array<number>(cats.length).fill(0);
      ll.forEach((l, m) => {
        for (const j of prior[m]?.top ?? []) score[j] = (score[j] ?? 0) + Math.exp(l - max);
      });
      const picked = new Set(top3(cats, score));
      const hit = truth.filter((j) => picked.has(j)).length / 3;
      add('all', hit);
      add(bands?.[u] ?? activityBand(events), hit);
    });
  }
  const mean = (key: string): number => {
    const s = sums.get(key);
    return s && s.n > 0 ? s.hit / s.n : NaN;
  };
  return { overall: mean('all'), byBand: Object.fromEntries(ACTIVITY_BANDS.map((b) => [b, mean(b)])) };
}
