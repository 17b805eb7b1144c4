// The window hooks of docs/dom-contract.md that the storefront sets.
import type { LocalTag } from '../tag/local-tag';

declare global {
  interface Window {
    /** The GTM dataLayer: every GA4 event the store fires. */
    dataLayer?: unknown[];
    /** The store's local tag (tag/local-tag.ts), started in gatsby-browser.tsx unless GATSBY_LOCAL_TAG=off. */
    shoplabTag?: LocalTag;
  }
}
