import { useEffect } from 'react';
import { headRendered } from '../analytics/route-views';

/**
 * Renders nothing; placed inside a page's Head (via <Seo>) to report when Gatsby has rendered that head, so
 * the page_view can wait for the new title. No dependency list on purpose: Gatsby re-renders the head on
 * every navigation, including to the same path.
 */
export function HeadRendered({ pathname }: { pathname: string }) {
  useEffect(() => {
    headRendered(pathname);
  });
  return null;
}
