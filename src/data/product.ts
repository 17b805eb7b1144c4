/**
 * Catalog types and the helpers the browser needs. Kept apart from catalog.ts so that pages can turn a product
 * into a GA4 item without shipping the whole catalog in their JavaScript: products reach pages through Gatsby's
 * pageContext, and only the small category table is bundled.
 */
import type { Ga4Item, ListContext } from '../../ga4/events';
import categoriesJson from './categories.json';

export interface Subcategory {
  /** Unique across the whole catalog (it also names the product image), e.g. "womens-shoes". */
  id: string;
  name: string;
}

export interface Category {
  /** Top-level category id, e.g. "kitchen-cooking"; used in URLs (/category/<id>/) and list ids. */
  id: string;
  name: string;
  subcategories: Subcategory[];
}

export interface ProductVariants {
  sizes?: string[];
  colours?: string[];
}

export interface Product {
  /** SKU, e.g. "SKU-00042"; sent as items[].item_id. */
  id: string;
  slug: string;
  name: string;
  brand: string;
  /** Top-level category id. */
  category: string;
  /** Subcategory id. */
  subcategory: string;
  /** Unit price in USD, two decimals. */
  price: number;
  variants?: ProductVariants;
  stock: number;
  /** 1.0–5.0, one decimal. */
  rating: number;
  reviewCount: number;
  description: string;
  /** Site-absolute image path under static/. */
  image: string;
}

/** What a product list needs: everything but the long text, to keep page-data small. */
export type ProductSummary = Omit<Product, 'description' | 'variants'>;

export interface Catalog {
  /** Seed the generator ran with, so the file can be regenerated identically. */
  seed: number;
  categories: Category[];
  products: Product[];
  /** Product ids for the home page lists, chosen by the generator so that they are stable. */
  featured: string[];
  bestsellers: string[];
}

export const CURRENCY = 'USD';

export const categories: readonly Category[] = categoriesJson;

export function categoryById(id: string): Category | undefined {
  return categories.find((c) => c.id === id);
}

export function categoryName(id: string): string {
  return categoryById(id)?.name ?? id;
}

export function subcategoryName(categoryId: string, subcategoryId: string): string {
  return categoryById(categoryId)?.subcategories.find((s) => s.id === subcategoryId)?.name ?? subcategoryId;
}

export function summarize(p: ProductSummary): ProductSummary {
  const { id, slug, name, brand, category, subcategory, price, stock, rating, reviewCount, image } = p;
  return { id, slug, name, brand, category, subcategory, price, stock, rating, reviewCount, image };
}

export function productPath(p: Pick<Product, 'slug'>): string {
  return `/product/${p.slug}/`;
}

export function categoryPath(categoryId: string): string {
  return `/category/${categoryId}/`;
}

/** The list id/name pair of a category page, as used in view_item_list and select_item. */
export function categoryList(categoryId: string): ListContext {
  return { item_list_id: `category_${categoryId}`, item_list_name: categoryName(categoryId) };
}

/** How a chosen size and colour read in items[].item_variant, e.g. "M / Black". */
export function variantLabel(choice: { size?: string; colour?: string }): string | undefined {
  const parts = [choice.size, choice.colour].filter((s): s is string => !!s);
  return parts.length ? parts.join(' / ') : undefined;
}

export interface Ga4ItemExtras {
  quantity?: number;
  variant?: string;
  index?: number;
  list?: ListContext;
}

export function toGa4Item(product: ProductSummary, extras: Ga4ItemExtras = {}): Ga4Item {
  const item: Ga4Item = {
    item_id: product.id,
    item_name: product.name,
    item_brand: product.brand,
    item_category: categoryName(product.category),
    item_category2: subcategoryName(product.category, product.subcategory),
    price: product.price,
    quantity: extras.quantity ?? 1,
  };
  if (extras.variant) item.item_variant = extras.variant;
  if (extras.index !== undefined) item.index = extras.index;
  if (extras.list) {
    item.item_list_id = extras.list.item_list_id;
    item.item_list_name = extras.list.item_list_name;
  }
  return item;
}
