import { describe, expect, it } from 'vitest';
import { offerPull, offerTotal } from './offers';
import { BUILT_IN_PERSONAS, type Persona } from './personas';

const byPrice = [...BUILT_IN_PERSONAS].sort((a, b) => a.traits.priceSensitivity - b.traits.priceSensitivity);
const carefree = byPrice[0]!;
const thrifty = byPrice.at(-1)!;
const topCategory = (p: Persona): string => Object.entries(p.interests).sort((a, b) => b[1] - a[1])[0]![0];

describe('offer response', () => {
  it('pulls the price-sensitive harder by a discount than the carefree, for an item they like as much', () => {
    const gain = (p: Persona): number => offerPull(p, { kind: 'discount', percentOff: 15, category: topCategory(p) }) - offerPull(p, { kind: 'banner', percentOff: 0, category: topCategory(p) });
    expect(thrifty.traits.priceSensitivity).toBeGreaterThan(carefree.traits.priceSensitivity);
    expect(gain(thrifty)).toBeGreaterThan(gain(carefree));
  });

  it('pulls by interest: an item of the persona\'s top category more than one outside their interests', () => {
    const p = BUILT_IN_PERSONAS[0]!;
    expect(offerPull(p, { kind: 'banner', percentOff: 0, category: topCategory(p) })).toBeGreaterThan(offerPull(p, { kind: 'banner', percentOff: 0, category: 'no-such-category' }));
  });

  it('lowers the weighed cart total by a followed discount only', () => {
    expect(offerTotal({}, 100)).toBe(100);
    expect(offerTotal({ offerTaken: { id: 'o', kind: 'discount', code: 'SAVE10', percentOff: 10 } }, 100)).toBe(90);
    expect(offerTotal({ offerTaken: { id: 'o', kind: 'banner', code: null, percentOff: 0 } }, 100)).toBe(100);
  });
});
