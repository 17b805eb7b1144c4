import { describe, expect, it } from 'vitest';
import { parseCart } from './cart-storage';

const product = { id: 'SKU-00001', slug: 's', name: 'N', brand: 'B', category: 'c', subcategory: 'sc', price: 9.99, stock: 5, rating: 4, reviewCount: 1, image: '/i.svg' };

describe('parseCart', () => {
  it('keeps well-formed lines', () => {
    const lines = [{ key: 'SKU-00001', product, quantity: 2 }];
    expect(parseCart(lines)).toEqual(lines);
  });

  it('drops lines from an older or edited store instead of crashing', () => {
    expect(parseCart([{ key: 'x', product: { id: 1 }, quantity: 1 }, { key: 'y', product, quantity: 0 }, null, 'z'])).toEqual([]);
    expect(parseCart({ not: 'an array' })).toEqual([]);
    expect(parseCart(undefined)).toEqual([]);
  });
});
