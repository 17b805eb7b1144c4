import { describe, expect, it } from 'vitest';
import * as ga4 from './events';

const mug: ga4.Ga4Item = { item_id: 'SKU-1', item_name: 'Mug', price: 12.5, quantity: 2 };
const pan: ga4.Ga4Item = { item_id: 'SKU-2', item_name: 'Pan', price: 30.1, quantity: 1 };

describe('event builders', () => {
  it('sets value to the sum of price × quantity, rounded to cents', () => {
    expect(ga4.addToCart('USD', [mug, pan]).ecommerce.value).toBe(55.1);
    expect(ga4.itemsValue([{ ...mug, price: 0.1, quantity: 3 }])).toBe(0.3);
  });

  it('puts ecommerce params inside `ecommerce` and plain params at the top level', () => {
    expect(ga4.viewItem('USD', mug)).toEqual({ event: 'view_item', ecommerce: { currency: 'USD', value: 25, items: [mug] } });
    expect(ga4.search('  red mug ')).toEqual({ event: 'search', search_term: 'red mug' });
  });

  it('refuses a purchase without a transaction id', () => {
    expect(() => ga4.purchase('USD', [mug], { transaction_id: ' ' })).toThrow(/transaction_id/);
  });

  it('refuses a currency that is not ISO 4217', () => {
    expect(() => ga4.viewCart('usd', [mug])).toThrow(/ISO 4217/);
  });

  it('refuses empty items, over 200 items, and bad quantities', () => {
    expect(() => ga4.beginCheckout('USD', [])).toThrow(/empty/);
    expect(() => ga4.addToCart('USD', Array.from({ length: 201 }, () => mug))).toThrow(/200/);
    expect(() => ga4.addToCart('USD', [{ ...mug, quantity: 0 }])).toThrow(/quantity/);
  });

  it('keeps list context on select_item and view_item_list', () => {
    const list = { item_list_id: 'home_featured', item_list_name: 'Featured' };
    expect(ga4.selectItem(list, mug).ecommerce).toMatchObject({ ...list, items: [mug] });
    expect(ga4.viewItemList(list, [mug, pan]).ecommerce.items).toHaveLength(2);
  });

  it('omits optional purchase details that are not given', () => {
    const p = ga4.purchase('USD', [mug], { transaction_id: 'T-1', shipping: 4.99 });
    expect(p.ecommerce).toEqual({ currency: 'USD', value: 25, transaction_id: 'T-1', shipping: 4.99, items: [mug] });
  });
});
