/**
 * Typed access to the whole generated catalog (src/data/catalog.json, written by scripts/generate-catalog.ts).
 *
 * For build-time and Node code: gatsby-node, tests, tools. Browser code imports ./product instead, so that the
 * 300-product JSON never lands in a page bundle (pages get their products through pageContext).
 */
import catalogJson from './catalog.json';
import type { Catalog, Product } from './product';

export * from './product';

export const catalog: Catalog = catalogJson;
export const products: readonly Product[] = catalog.products;

const idIndex = new Map(products.map((p) => [p.id, p]));
const slugIndex = new Map(products.map((p) => [p.slug, p]));

export function byId(id: string): Product | undefined {
  return idIndex.get(id);
}

export function bySlug(slug: string): Product | undefined {
  return slugIndex.get(slug);
}

/** Products of a top-level category, in catalog order. */
export function byCategory(categoryId: string): Product[] {
  return products.filter((p) => p.category === categoryId);
}

function resolve(ids: readonly string[]): Product[] {
  return ids.map((id) => {
    const p = byId(id);
    if (!p) throw new Error(`catalog.json lists unknown product ${id}`);
    return p;
  });
}

export function featuredProducts(): Product[] {
  return resolve(catalog.featured);
}

export function bestsellerProducts(): Product[] {
  return resolve(catalog.bestsellers);
}
