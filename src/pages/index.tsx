import type { HeadFC, PageProps } from 'gatsby';
import type { ListContext } from '../../ga4/events';
import { Layout } from '../components/layout';
import { ProductList } from '../components/product-list';
import { PromoBanner, type HomePromotion } from '../components/promo-banner';
import { RecommendedList } from '../components/recommended-list';
import { Seo } from '../components/seo';
import type { ProductSummary } from '../data/product';
import * as styles from './index.module.css';

/** Injected by gatsby-node's onCreatePage, so the page bundle never imports the catalog. */
export interface HomePageContext {
  featured: ProductSummary[];
  bestsellers: ProductSummary[];
  newest: ProductSummary[];
  promotions: HomePromotion[];
}

const FEATURED: ListContext = { item_list_id: 'home_featured', item_list_name: 'Featured' };
const NEWEST: ListContext = { item_list_id: 'home_new', item_list_name: 'New arrivals' };
const BESTSELLERS: ListContext = { item_list_id: 'home_bestsellers', item_list_name: 'Bestsellers' };

export default function HomePage({ pageContext }: PageProps<object, HomePageContext>) {
  return (
    <Layout page="home">
      <section className={styles.hero} aria-labelledby="home-title">
        <h1 id="home-title">Good things for every day</h1>
        <p>Outdoor gear, kitchen tools, K-pop albums and more — free shipping on orders of $50 or more.</p>
      </section>
      <section aria-labelledby="promotions-title">
        <h2 id="promotions-title">This week</h2>
        <ul className={styles.promotions} aria-label="Promotions">
          {pageContext.promotions.map((p) => (
            <PromoBanner key={p.promotion_id} promo={p} />
          ))}
        </ul>
      </section>
      <RecommendedList />
      {[FEATURED, NEWEST, BESTSELLERS].map((list) => (
        <section key={list.item_list_id} aria-labelledby={`${list.item_list_id}-title`}>
          <h2 id={`${list.item_list_id}-title`}>{list.item_list_name}</h2>
          <ProductList list={list} products={listProducts(pageContext, list.item_list_id)} />
        </section>
      ))}
    </Layout>
  );
}

function listProducts(ctx: HomePageContext, listId: string): ProductSummary[] {
  if (listId === NEWEST.item_list_id) return ctx.newest;
  if (listId === BESTSELLERS.item_list_id) return ctx.bestsellers;
  return ctx.featured;
}

export const Head: HeadFC = ({ location }) => <Seo pathname={location.pathname} />;
