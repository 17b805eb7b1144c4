import { describe, expect, it } from 'vitest';
import { bestsellerProducts, byCategory, byId, bySlug, catalog, categories, featuredProducts, products, toGa4Item } from './catalog';
import categoriesJson from './categories.json';

describe('the generated catalog', () => {
  it('holds at least 300 products with unique ids and slugs', () => {
    expect(products.length).toBeGreaterThanOrEqual(300);
    expect(new Set(products.map((p) => p.id)).size).toBe(products.length);
    expect(new Set(products.map((p) => p.slug)).size).toBe(products.length);
    for (const p of products) expect(p.id).toMatch(/^SKU-\d{5}$/);
  });

  it('gives every category 2–4 subcategories, each with products and an image', () => {
    for (const c of categories) {
      expect(c.subcategories.length).toBeGreaterThanOrEqual(2);
      expect(c.subcategories.length).toBeLessThanOrEqual(4);
      for (const s of c.subcategories) {
        const inSub = products.filter((p) => p.subcategory === s.id);
        expect(inSub.length, `${c.id}/${s.id}`).toBeGreaterThan(0);
        expect(inSub.every((p) => p.category === c.id && p.image === `/images/products/${s.id}.svg`)).toBe(true);
      }
    }
  });

  it('keeps categories.json identical to the tree inside catalog.json', () => {
    expect(categoriesJson).toEqual(catalog.categories);
  });

  it('prices in cents and keeps every product purchasable', () => {
    for (const p of products) {
      expect(Math.round(p.price * 100) / 100).toBe(p.price);
      expect(p.price).toBeGreaterThan(0);
      expect(p.stock).toBeGreaterThan(0);
      expect(p.rating).toBeGreaterThanOrEqual(1);
      expect(p.rating).toBeLessThanOrEqual(5);
    }
  });

  it('names no category like a main-navigation link', () => {
    for (const c of categories) expect(['home', 'cart']).not.toContain(c.name.toLowerCase());
  });

  it('resolves the home lists: 12 featured, 8 distinct bestsellers', () => {
    expect(featuredProducts()).toHaveLength(12);
    const best = bestsellerProducts();
    expect(best).toHaveLength(8);
    expect(best.some((p) => catalog.featured.includes(p.id))).toBe(false);
  });

  it('finds products by id, slug and category', () => {
    const first = products[0]!;
    expect(byId(first.id)).toBe(first);
    expect(bySlug(first.slug)).toBe(first);
    expect(byCategory(first.category)).toContain(first);
    expect(byId('SKU-99999')).toBeUndefined();
  });
});

describe('toGa4Item', () => {
  it('maps a product to a GA4 item with category names, not ids', () => {
    const p = products.find((x) => x.category === 'kitchen-cooking')!;
    const item = toGa4Item(p, { quantity: 3, variant: 'Red', index: 4, list: { item_list_id: 'l', item_list_name: 'L' } });
    expect(item).toEqual({
      item_id: p.id,
      item_name: p.name,
      item_brand: p.brand,
      item_category: 'Kitchen & Cooking',
      item_category2: categories.find((c) => c.id === p.category)!.subcategories.find((s) => s.id === p.subcategory)!.name,
      item_variant: 'Red',
      price: p.price,
      quantity: 3,
      index: 4,
      item_list_id: 'l',
      item_list_name: 'L',
    });
  });

  it('defaults quantity to 1 and leaves optional fields out', () => {
    const item = toGa4Item(products[0]!);
    expect(item.quantity).toBe(1);
    expect(Object.keys(item)).not.toContain('item_variant');
    expect(Object.keys(item)).not.toContain('index');
  });
});
