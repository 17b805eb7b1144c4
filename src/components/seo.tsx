import type { ReactNode } from 'react';
import { HeadRendered } from './head-rendered';

export interface SeoProps {
  /** The `location.pathname` Gatsby passes to Head; ties the head to its route (see analytics/route-views). */
  pathname: string;
  /** Page title without the site name; omitted on the home page. */
  title?: string;
  description?: string;
  children?: ReactNode;
}

const SITE = 'ShopLab';
const DEFAULT_DESCRIPTION = 'ShopLab, a demo store for GA4 ecommerce analytics.';

/** Rendered from each page's Gatsby `Head` export. */
export function Seo({ pathname, title, description, children }: SeoProps) {
  return (
    <>
      <title>{title ? `${title} | ${SITE}` : `${SITE} — demo store`}</title>
      <meta name="description" content={description ?? DEFAULT_DESCRIPTION} />
      {children}
      <HeadRendered pathname={pathname} />
    </>
  );
}
