import { describe, expect, it } from 'vitest';
import { orderTotals } from './order-totals';

describe('orderTotals', () => {
  it('charges flat shipping below $50 and adds 8 % tax on the items only', () => {
    expect(orderTotals(20)).toEqual({ subtotal: 20, shipping: 4.99, tax: 1.6, total: 26.59 });
  });

  it('ships free from $50', () => {
    expect(orderTotals(50).shipping).toBe(0);
    expect(orderTotals(49.99).shipping).toBe(4.99);
  });

  it('ships standard free from an experiment arm\'s own threshold, and charges the faster tiers as ever', () => {
    expect(orderTotals(14, { freeStandardFrom: 0 }).shipping).toBe(0);
    expect(orderTotals(14, { freeStandardFrom: 25 }).shipping).toBe(4.99);
    expect(orderTotals(14, { tier: 'express', freeStandardFrom: 0 }).shipping).toBe(12.99);
  });

  it('rounds tax to cents', () => {
    expect(orderTotals(33.33).tax).toBe(2.67);
  });
});
