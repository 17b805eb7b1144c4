import type { ReactNode } from 'react';
import { Link } from 'gatsby';
import { OfferBanner } from './offer-banner';
import { SearchBox } from './search-box';
import { SiteNav } from './site-nav';
import * as styles from './layout.module.css';

/** The values of `main[data-shoplab-page]` (docs/dom-contract.md). */
export type PageKind = 'home' | 'category' | 'search' | 'product' | 'cart' | 'checkout' | 'order' | 'account' | 'login' | 'signup' | 'wishlist' | 'not-found';

export interface LayoutProps {
  page: PageKind;
  children: ReactNode;
  /** Extra `data-*` facts on `main`, e.g. the order page's transaction id. */
  data?: Record<`data-${string}`, string | number>;
  /** The search box's starting text (the search page passes its term). */
  searchTerm?: string;
}

export function Layout({ page, children, data, searchTerm }: LayoutProps) {
  return (
    <div className={styles.shell}>
      <a className={styles.skipLink} href="#main">
        Skip to content
      </a>
      <header className={styles.header}>
        <div className={styles.headerInner}>
          <Link to="/" className={styles.brand}>
            <img src="/favicon.svg" alt="" width={28} height={28} />
            ShopLab
          </Link>
          <SiteNav />
          <SearchBox key={searchTerm ?? ''} initial={searchTerm} />
        </div>
      </header>
      <OfferBanner />
      <main id="main" className={styles.main} data-shoplab-page={page} tabIndex={-1} {...data}>
        {children}
      </main>
      <footer className={styles.footer}>
        <p>ShopLab is a demo store: nothing here is for sale, and no order is ever shipped.</p>
      </footer>
    </div>
  );
}
