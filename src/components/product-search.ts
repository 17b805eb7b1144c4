import { categoryName, subcategoryName, type ProductSummary } from '../data/product';

function haystack(p: ProductSummary): string {
  return [p.name, p.brand, categoryName(p.category), subcategoryName(p.category, p.subcategory)].join(' ').toLowerCase();
}

/** Products whose name, brand or category contain every word of the term, best rated first. */
export function searchProducts(products: readonly ProductSummary[], term: string): ProductSummary[] {
  const words = term.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  return products.filter((p) => words.every((w) => haystack(p).includes(w))).sort((a, b) => b.rating - a.rating || a.id.localeCompare(b.id));
}
