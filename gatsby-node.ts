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
    actions.createPage({ path: `/product/${product.slug}/`, component: productTemplate, context: { product } });
  }
};

/** The home page lives in src/pages; its two lists are injected here. */
export const onCreatePage: GatsbyNode['onCreatePage'] = ({ page, actions }) => {
  if (page.path !== '/') return;
  actions.deletePage(page);
  actions.createPage({
    ...page,
    context: { ...page.context, featured: resolve(catalog.featured), bestsellers: resolve(catalog.bestsellers) },
  });
};
