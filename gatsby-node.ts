/**
 * Creates the catalog pages from src/data/catalog.json and hands each page its products through pageContext,
 * so page bundles stay small and never import the full catalog.
 */
import path from 'path';
import type { GatsbyNode } from 'gatsby';
import catalogJson from './src/data/catalog.json';
import type { Catalog, Product, ProductSummary } from './src/data/product';

const catalog: Catalog = catalogJson;

function summarize(p: Product): ProductSummary {
  const { id, slug, name, brand, category, subcategory, price, stock, rating, reviewCount, image } = p;
  return { id, slug, name, brand, category, subcategory, price, stock, rating, reviewCount, image };
}

function resolve(ids: readonly string[]): ProductSummary[] {
  return ids.map((id) => {
    const p = catalog.products.find((x) => x.id === id);
    if (!p) throw new Error(`catalog.json lists unknown product ${id}; rerun scripts/generate-catalog.ts`);
    return summarize(p);
  });
}

export const createPages: GatsbyNode['createPages'] = ({ actions }) => {
  const categoryTemplate = path.resolve('src/templates/category-page.tsx');
  const productTemplate = path.resolve('src/templates/product-page.tsx');
  for (const category of catalog.categories) {
    actions.createPage({
      path: `/category/${category.id}/`,
      component: categoryTemplate,
      context: { category, products: catalog.products.filter((p) => p.category === category.id).map(summarize) },
    });
  }
  for (const product of catalog.products) {
    actions.createPage({ path: `/product/${product.slug}/`, component: productTemplate, context: { product, related: related(product) } });
  }
};

/** Most related products a product page shows. */
const RELATED = 4;

/** Same subcategory first, then same category; deterministic (catalog order, best rated first). */
function related(product: Product): ProductSummary[] {
  const score = (p: Product): number => (p.subcategory === product.subcategory ? 2 : 0) + (p.category === product.category ? 1 : 0);
  return catalog.products
    .filter((p) => p.id !== product.id && p.category === product.category)
    .sort((a, b) => score(b) - score(a) || b.rating - a.rating || a.id.localeCompare(b.id))
    .slice(0, RELATED)
    .map(summarize);
}

/** The home page's promotions: each features the best-rated product of a category. */
const PROMOTIONS = [
  { promotion_id: 'promo_outdoors', promotion_name: 'Into the outdoors', creative_name: 'hero_outdoors', category: 'sports-outdoors', headline: 'Gear up for the weekend', text: 'Tents, lights and layers for every trail.' },
  { promotion_id: 'promo_kitchen', promotion_name: 'Kitchen week', creative_name: 'banner_kitchen', category: 'kitchen-cooking', headline: 'Cook like you mean it', text: 'Knives, pans and bakeware our shoppers love.' },
  { promotion_id: 'promo_kpop', promotion_name: 'New K-pop drops', creative_name: 'banner_kpop', category: 'kpop-music', headline: 'Fresh from Seoul', text: 'Albums, lightsticks and merch, just landed.' },
] as const;

function promotions(): unknown[] {
  return PROMOTIONS.map(({ category, ...promo }, i) => {
    const best = catalog.products.filter((p) => p.category === category).sort((a, b) => b.rating - a.rating || a.id.localeCompare(b.id))[0];
    if (!best) throw new Error(`promotion ${promo.promotion_id}: no product in category ${category}`);
    return { ...promo, creative_slot: `home_slot_${i + 1}`, product: summarize(best) };
  });
}

/** Pages in src/pages that need catalog data get it here, so no page bundle imports the catalog. */
export const onCreatePage: GatsbyNode['onCreatePage'] = ({ page, actions }) => {
  if (page.path === '/') {
    actions.deletePage(page);
    // "New" is the highest SKUs: the generator numbers products in the order they were added.
    const newest = [...catalog.products].sort((a, b) => b.id.localeCompare(a.id)).slice(0, 8).map(summarize);
    actions.createPage({
      ...page,
      context: { ...page.context, featured: resolve(catalog.featured), bestsellers: resolve(catalog.bestsellers), newest, promotions: promotions() },
    });
  } else if (page.path === '/search/') {
    actions.deletePage(page);
    actions.createPage({ ...page, context: { ...page.context, products: catalog.products.map(summarize) } });
  }
};
