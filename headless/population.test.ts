import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../simulator/rng';
import { loadPopulationFile } from './population';

const dir = mkdtempSync(join(tmpdir(), 'shoplab-population-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(content: unknown): string {
  const f = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}

describe('loadPopulationFile', () => {
  it('draws segments in proportion to their weights, with their visit frequency', () => {
    const sample = loadPopulationFile(file({ segments: [{ persona: 'window-shopper', weight: 3, visitsPerWeek: 5 }, { persona: 'bargain-hunter' }] }));
    const rng = createRng('pop');
    const draws = Array.from({ length: 4000 }, () => sample(rng));
    const shoppers = draws.filter((d) => d.persona === 'window-shopper');
    expect(shoppers.length / draws.length).toBeGreaterThan(0.7);
    expect(shoppers.length / draws.length).toBeLessThan(0.8);
    expect(shoppers[0]?.visitsPerWeek).toBe(5);
    expect(draws.find((d) => d.persona === 'bargain-hunter')?.visitsPerWeek).toBe(1);
  });

  it('names the file and the segment of a bad entry', () => {
    expect(() => loadPopulationFile(file({ segments: [{ persona: 'nobody' }] }))).toThrow(/segments\[0\]\.persona: unknown persona "nobody"/);
    expect(() => loadPopulationFile(file({ segments: [{ persona: 'window-shopper', weight: -1 }] }))).toThrow(/segments\[0\]\.weight must be a number > 0/);
    expect(() => loadPopulationFile(file({ people: [] }))).toThrow(/expected \{"segments"/);
    expect(() => loadPopulationFile(file('{not json'))).toThrow(/population .*json/i);
  });
});
