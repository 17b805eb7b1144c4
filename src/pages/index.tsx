import type { HeadFC, PageProps } from 'gatsby';
import type { ListContext } from '../../ga4/events';
import { Layout } from '../components/layout';
import { ProductList } from '../components/product-list';
import { Seo } from '../components/seo';
import type { ProductSummary } from '../data/product';
import * as styles from './index.module.css';

/** Injected by gatsby-node's onCreatePage, so the page bundle never imports the catalog. */
export interface HomePageContext {
  featured: ProductSummary[];
  bestsellers: ProductSummary[];
}

const FEATURED: ListContext = { item_list_id: 'home_featured', item_list_name: 'Featured' };
const BESTSELLERS: ListContext = { item_list_id: 'home_bestsellers', item_list_name: 'Bestsellers' };

export default function HomePage({ pageContext }: PageProps<object, HomePageContext>) {
  return (
    <Layout page="home">
      <section className={styles.hero} aria-labelledby="home-title">
        <h1 id="home-title">Good things for every day</h1>
        <p>Outdoor gear, kitchen tools, K-pop albums and more — free shipping on orders of $50 or more.</p>
      </section>
      <section aria-labelledby="featured-title">
        <h2 id="featured-title">{FEATURED.item_list_name}</h2>
        <ProductList list={FEATURED} products={pageContext.featured} />
      </section>
      <section aria-labelledby="bestsellers-title">
        <h2 id="bestsellers-title">{BESTSELLERS.item_list_name}</h2>
        <ProductList list={BESTSELLERS} products={pageContext.bestsellers} />
      </section>
    </Layout>
  );
}

export const Head: HeadFC = ({ location }) => <Seo pathname={location.pathname} />;
