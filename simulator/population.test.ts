import { describe, expect, it } from 'vitest';
import { loadPopulationFile } from './population-file';
import { parsePopulation, PopulationError, samplePersona, type Population } from './population';
import { createRng } from './rng';
import { sampleSessionStart } from './schedule';
import { chiSquareTest } from './stats';
import { BUILT_IN_PERSONAS, interestIn } from './personas';

const valid = () => JSON.parse(JSON.stringify(loadPopulationFile())) as { segments: Record<string, unknown>[] };

describe('parsePopulation', () => {
  it('accepts the default population', () => {
    expect(loadPopulationFile().segments.length).toBeGreaterThan(3);
  });

  it('names the bad field by its path', () => {
    const p = valid();
    (p.segments[1]!.traits as Record<string, unknown>).patience = 'slow';
    expect(() => parsePopulation(p, 'pop.json')).toThrow(/pop\.json .*segments\[1\]\.traits\.patience/);
  });

  it('names an unknown device value and a missing field', () => {
    const p = valid();
    (p.segments[0]!.demographics as Record<string, unknown>).device = 'smartwatch';
    delete p.segments[2]!.budget;
    const err = (() => {
      try {
        parsePopulation(p);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(PopulationError);
    expect(err?.message).toMatch(/segments\[0\]\.demographics\.device/);
    expect(err?.message).toMatch(/segments\[2\]\.budget/);
  });

  it('rejects unknown fields, duplicate ids, activeHours of the wrong length and invalid JSON', () => {
    const p = valid();
    p.segments[0]!.colour = 'red';
    expect(() => parsePopulation(p)).toThrow(/segments\[0\].*colour/);
    const d = valid();
    d.segments[1]!.id = d.segments[0]!.id;
    expect(() => parsePopulation(d)).toThrow(/segments\[1\]\.id: duplicate segment id/);
    const h = valid();
    (h.segments[0]!.traits as Record<string, unknown>).activeHours = [1, 2, 3];
    expect(() => parsePopulation(h)).toThrow(/segments\[0\]\.traits\.activeHours: activeHours needs 24 weights/);
    expect(() => parsePopulation('{ not json', 'x.json')).toThrow(/x\.json: not valid JSON/);
  });
});

describe('samplePersona', () => {
  it('draws the same personas for the same seed', () => {
    const pop = loadPopulationFile();
    const draw = (seed: string) => Array.from({ length: 20 }, (_, i) => samplePersona(pop, createRng(`${seed}/${i}`)));
    expect(draw('s')).toEqual(draw('s'));
    expect(draw('s')).not.toEqual(draw('t'));
  });

  it('draws segments and devices in proportion to their weights (chi-square)', () => {
    const pop = loadPopulationFile();
    const n = 4000;
    const rng = createRng('weights');
    const counts = new Map<string, number>();
    const devices = { mobile: 0, desktop: 0, tablet: 0 };
    for (let i = 0; i < n; i++) {
      const p = samplePersona(pop, rng);
      counts.set(p.segment ?? '', (counts.get(p.segment ?? '') ?? 0) + 1);
      devices[p.demographics.device] += 1;
    }
    const total = pop.segments.reduce((s, x) => s + x.weight, 0);
    const observed = pop.segments.map((s) => counts.get(s.id) ?? 0);
    const expected = pop.segments.map((s) => Math.round((s.weight / total) * n));
    // A good fit: observed vs expected do not differ significantly.
    expect(chiSquareTest([observed, expected]).p).toBeGreaterThan(0.01);
    expect(devices.mobile / n).toBeGreaterThan(0.55);
    expect(devices.mobile / n).toBeLessThan(0.67);
    expect(devices.tablet / n).toBeLessThan(0.07);
  });

  it('keeps every drawn trait inside its range', () => {
    const pop = loadPopulationFile();
    const rng = createRng('ranges');
    for (let i = 0; i < 500; i++) {
      const p = samplePersona(pop, rng);
      for (const k of ['priceSensitivity', 'impulsiveness', 'buyIntent', 'bounce', 'loyalty', 'searchVsBrowse'] as const) {
        expect(p.traits[k]).toBeGreaterThanOrEqual(0);
        expect(p.traits[k]).toBeLessThanOrEqual(1);
      }
      expect(p.budget).toBeGreaterThan(0);
      expect(p.demographics.age).toBeGreaterThanOrEqual(13);
    }
  });
});

describe('demographic modifiers', () => {
  it('multiply the named weights of matching shoppers only (unlisted categories from the baseline) and draw nothing', () => {
    const base = valid() as unknown as Population;
    delete base.modifiers;
    base.segments = base.segments.slice(0, 1);
    const seg = base.segments[0]!;
    seg.demographics.gender = { female: 1, male: 1, nonbinary: 0 };
    seg.interests = { books: 2 };
    seg.baseline = 0.5;
    const withMods: Population = {
      ...base,
      modifiers: [
        { when: { gender: 'female' }, interests: { books: 3, kids: 4 } },
        { when: { gender: 'male', age: { min: 200 } }, interests: { books: 10 } },
      ],
    };
    const plain = Array.from({ length: 40 }, (_, i) => samplePersona(base, createRng(`m/${i}`)));
    const mod = Array.from({ length: 40 }, (_, i) => samplePersona(parsePopulation(withMods), createRng(`m/${i}`)));
    let females = 0;
    mod.forEach((p, i) => {
      const q = plain[i]!;
      expect({ ...p, interests: {} }).toEqual({ ...q, interests: {} });
      if (p.demographics.gender === 'female') {
        females += 1;
        expect(p.interests).toEqual({ books: 6, kids: 2 });
      } else expect(p.interests).toEqual(q.interests);
    });
    expect(females).toBeGreaterThan(5);
    expect(females).toBeLessThan(35);
  });

  it('reject a modifier with no condition, inverted age bounds or a negative multiplier, naming the path', () => {
    const p = valid() as Record<string, unknown>;
    p.modifiers = [{ when: {}, interests: { books: 2 } }];
    expect(() => parsePopulation(p)).toThrow(/modifiers\[0\]\.when: give at least one of gender, age, job/);
    p.modifiers = [{ when: { age: { min: 60, max: 20 } }, interests: { books: 2 } }];
    expect(() => parsePopulation(p)).toThrow(/modifiers\[0\]\.when\.age: age bounds must be min ≤ max/);
    p.modifiers = [{ when: { job: 'teacher' }, interests: { books: -1 } }];
    expect(() => parsePopulation(p)).toThrow(/modifiers\[0\]\.interests\.books: weights must be ≥ 0/);
  });

  it('make gender shape the default population\'s interests: women weight women\'s fashion far above men\'s, men the reverse', () => {
    const pop = loadPopulationFile();
    const rng = createRng('gender-signal');
    const ratio = { female: [] as number[], male: [] as number[] };
    for (let i = 0; i < 2000; i++) {
      const p = samplePersona(pop, rng);
      const g = p.demographics.gender;
      if (g === 'female' || g === 'male') ratio[g].push(Math.log(interestIn(p, 'womens-fashion') / interestIn(p, 'mens-fashion')));
    }
    const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
    // Each gender's modifiers multiply the ratio by 15 (3 / 0.2): ln 15 ≈ 2.7 either side of the segments' own mix.
    expect(mean(ratio.female) - mean(ratio.male)).toBeGreaterThan(4.5);
    expect(ratio.female.filter((r) => r > 0).length / ratio.female.length).toBeGreaterThan(0.95);
    expect(ratio.male.filter((r) => r < 0).length / ratio.male.length).toBeGreaterThan(0.95);
  });
});

describe('sampleSessionStart', () => {
  it('puts office-hours shoppers and night owls at different hours of the day (chi-square)', () => {
    const office = BUILT_IN_PERSONAS.find((p) => p.id === 'mission-shopper')!;
    const owl = BUILT_IN_PERSONAS.find((p) => p.id === 'window-shopper')!;
    const hist = (persona: typeof office, seed: string) => {
      const rng = createRng(seed);
      const h = new Array<number>(24).fill(0);
      for (let i = 0; i < 300; i++) {
        const t = sampleSessionStart(persona, Date.UTC(2026, 0, 1), rng);
        h[new Date(t).getUTCHours()]! += 1;
      }
      return h;
    };
    const a = hist(office, 'tod');
    const b = hist(owl, 'tod');
    expect(chiSquareTest([a, b]).p).toBeLessThan(1e-6);
    // And the same persona twice (different seeds) does not differ.
    expect(chiSquareTest([a, hist(office, 'tod-2')]).p).toBeGreaterThan(0.001);
  });
});
