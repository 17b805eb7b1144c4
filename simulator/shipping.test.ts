import { describe, expect, it } from 'vitest';
import { shippingDeterrence, SHIPPING_AVERSION } from './behaviours';
import { BUILT_IN_PERSONAS } from './personas';

const byPrice = [...BUILT_IN_PERSONAS].sort((a, b) => a.traits.priceSensitivity - b.traits.priceSensitivity);
const carefree = byPrice[0]!;
const thrifty = byPrice.at(-1)!;

describe('shipping charge at the cart', () => {
  it('leaves the checkout chance alone when the cart shows free shipping or no charge', () => {
    expect(shippingDeterrence(thrifty, 20, 0)).toBe(1);
    expect(shippingDeterrence(thrifty, 20, Number.NaN)).toBe(1);
    expect(shippingDeterrence(thrifty, Number.NaN, 4.99)).toBe(1);
  });

  it('weighs the charge as a share of the items: a small cart is put off more than a large one', () => {
    expect(shippingDeterrence(thrifty, 10, 4.99)).toBeLessThan(shippingDeterrence(thrifty, 45, 4.99));
    expect(shippingDeterrence(thrifty, 20, 4.99)).toBeCloseTo(Math.exp(-SHIPPING_AVERSION * thrifty.traits.priceSensitivity * (4.99 / 20)), 12);
  });

  it('puts the price-sensitive off more than the carefree', () => {
    expect(thrifty.traits.priceSensitivity).toBeGreaterThan(carefree.traits.priceSensitivity);
    expect(shippingDeterrence(thrifty, 20, 4.99)).toBeLessThan(shippingDeterrence(carefree, 20, 4.99));
  });
});
