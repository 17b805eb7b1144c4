import { useState } from 'react';
import type { HeadFC, PageProps } from 'gatsby';
import { Breadcrumbs } from '../components/breadcrumbs';
import { Layout } from '../components/layout';
import { ProductList } from '../components/product-list';
import { Seo } from '../components/seo';
import { categoryList, type Category, type ProductSummary } from '../data/product';
import * as styles from './category-page.module.css';

export interface CategoryPageContext {
  category: Category;
  products: ProductSummary[];
}

const PAGE_SIZE = 12;

const SORTS = {
  featured: { label: 'Featured', compare: (): number => 0 },
  price_asc: { label: 'Price: low to high', compare: (a: ProductSummary, b: ProductSummary): number => a.price - b.price },
  price_desc: { label: 'Price: high to low', compare: (a: ProductSummary, b: ProductSummary): number => b.price - a.price },
  rating: { label: 'Top rated', compare: (a: ProductSummary, b: ProductSummary): number => b.rating - a.rating },
  newest: { label: 'Newest', compare: (a: ProductSummary, b: ProductSummary): number => b.id.localeCompare(a.id) },
} as const;
type SortId = keyof typeof SORTS;

function isSortId(v: string): v is SortId {
  return v in SORTS;
}

export default function CategoryPage({ pageContext }: PageProps<object, CategoryPageContext>) {
  const { category, products } = pageContext;
  const [sort, setSort] = useState<SortId>('featured');
  const [sub, setSub] = useState('');
  const [brand, setBrand] = useState('');
  const [page, setPage] = useState(0);
  const brands = [...new Set(products.map((p) => p.brand))].sort();

  // Array.prototype.sort is stable, so "Featured" keeps catalog order and ties keep it too.
  const shown = products.filter((p) => (!sub || p.subcategory === sub) && (!brand || p.brand === brand)).sort(SORTS[sort].compare);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const slice = shown.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  const list = categoryList(category.id);

  return (
    <Layout page="category" data={{ 'data-page-number': current + 1, 'data-page-count': pages }}>
      <Breadcrumbs crumbs={[{ label: 'Home', to: '/' }, { label: category.name }]} />
      <h1>{category.name}</h1>
      <form className={styles.controls} aria-label="Sort and filter" onSubmit={(e) => e.preventDefault()}>
        <div className={styles.control}>
          <label htmlFor="category-sub">Subcategory</label>
          <select
            id="category-sub"
            value={sub}
            onChange={(e) => {
              setSub(e.target.value);
              setPage(0);
            }}
          >
            <option value="">All {category.name}</option>
            {category.subcategories.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <div className={styles.control}>
          <label htmlFor="category-brand">Brand</label>
          <select
            id="category-brand"
            value={brand}
            onChange={(e) => {
              setBrand(e.target.value);
              setPage(0);
            }}
          >
            <option value="">All brands</option>
            {brands.map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>
        </div>
        <div className={styles.control}>
          <label htmlFor="category-sort">Sort by</label>
          <select
            id="category-sort"
            value={sort}
            onChange={(e) => {
              if (isSortId(e.target.value)) setSort(e.target.value);
              setPage(0);
            }}
          >
            {Object.entries(SORTS).map(([id, s]) => (
              <option key={id} value={id}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
      </form>
      <p role="status">
        {shown.length} {shown.length === 1 ? 'product' : 'products'}
        {pages > 1 ? `, page ${current + 1} of ${pages}` : ''}
      </p>
      <ProductList list={list} products={slice} firstIndex={current * PAGE_SIZE} viewKey={`${list.item_list_id}|${sub}|${brand}|${sort}|${current}`} />
      {pages > 1 && (
        <nav aria-label="Pagination" className={styles.pager}>
          <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
            Previous page
          </button>
          <span>
            Page {current + 1} of {pages}
          </span>
          <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
            Next page
          </button>
        </nav>
      )}
    </Layout>
  );
}

export const Head: HeadFC<object, CategoryPageContext> = ({ location, pageContext }) => (
  <Seo pathname={location.pathname} title={pageContext.category.name} description={`Shop ${pageContext.category.name} at ShopLab.`} />
);
