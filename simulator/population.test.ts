import { describe, expect, it } from 'vitest';
import { loadPopulationFile } from './population-file';
import { parsePopulation, PopulationError, samplePersona } from './population';
import { createRng } from './rng';
import { sampleSessionStart } from './schedule';
import { chiSquareTest } from './stats';
import { BUILT_IN_PERSONAS } from './personas';

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
