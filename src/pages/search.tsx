import type { HeadFC, PageProps } from 'gatsby';
import type { ListContext } from '../../ga4/events';
import { Layout } from '../components/layout';
import { ProductList } from '../components/product-list';
import { searchProducts } from '../components/product-search';
import { Seo } from '../components/seo';
import { ViewOnce } from '../components/view-once';
import { useStore } from '../context/store-context';
import type { ProductSummary } from '../data/product';

/** Injected by gatsby-node's onCreatePage: the searchable summaries, in this page's data only. */
export interface SearchPageContext {
  products: ProductSummary[];
}

const RESULTS: ListContext = { item_list_id: 'search_results', item_list_name: 'Search results' };
/** One screen of results; GA4 lists stay far below the 200-item cap. */
const MAX_RESULTS = 48;

function searchTermOf(search: string): string {
  return (new URLSearchParams(search).get('q') ?? '').trim().slice(0, 100);
}

export default function SearchPage({ pageContext, location }: PageProps<object, SearchPageContext>) {
  const { hydrated, viewSearchResults } = useStore();
  // The static HTML has no query; reading it only after hydration keeps the first client render identical.
  const term = hydrated ? searchTermOf(location.search) : '';
  const results = term ? searchProducts(pageContext.products, term).slice(0, MAX_RESULTS) : [];
  return (
    <Layout page="search" searchTerm={term} data={{ 'data-search-term': term, 'data-result-count': results.length }}>
      <h1>{term ? `Results for “${term}”` : 'Search'}</h1>
      <ViewOnce viewKey={term || null} fire={() => viewSearchResults(term)} />
      {!hydrated ? (
        <p>Loading…</p>
      ) : !term ? (
        <p>Type what you are looking for in the search box above.</p>
      ) : results.length === 0 ? (
        <div role="status">
          <p>No products match “{term}”.</p>
          <p>Check the spelling, or try a broader word such as a brand or a category.</p>
        </div>
      ) : (
        <>
          <p role="status">
            {results.length} {results.length === 1 ? 'product' : 'products'} found.
          </p>
          <ProductList key={term} list={RESULTS} products={results} />
        </>
      )}
    </Layout>
  );
}

export const Head: HeadFC = ({ location }) => <Seo pathname={location.pathname} title="Search" />;
