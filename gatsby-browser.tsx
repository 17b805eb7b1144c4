import type { GatsbyBrowser } from 'gatsby';
import TagManager from 'react-gtm-module';
import { LOCAL_STREAM } from './ga4/measurement-protocol';
import { storeApiSecret } from './ga4/store-config';
import { startLocalTag } from './tag/local-tag';
import { beginRoute, routeUpdated } from './src/analytics/route-views';
import { loadExperiment } from './src/context/experiment';
import { resetIdCounter } from './src/context/ids';
import { restoreScroll, startScrollPositions } from './src/context/scroll-positions';
import { announceSignedInUser, reloadStore, resetStore, StoreProvider } from './src/context/store-context';
import './src/styles/global.css';

// Before anything can push: GTM, the local tag and the store all share this array.
window.dataLayer = window.dataLayer || [];

export const onClientEntry: GatsbyBrowser['onClientEntry'] = () => {
  const gtmId = process.env.GATSBY_GTM_ID;
  if (gtmId) TagManager.initialize({ gtmId });
  if (process.env.GATSBY_LOCAL_TAG !== 'off') {
    const measurementId = process.env.GATSBY_GA4_MEASUREMENT_ID || LOCAL_STREAM.measurementId;
    const tag = startLocalTag({
      win: window,
      doc: document,
      endpoint: process.env.GATSBY_COLLECTOR_ENDPOINT || '/mp/collect',
      measurementId,
      // The collector serving the page gives its data directory's secret (ga4/store-config.ts); a build-time secret
      // is for a store served elsewhere.
      apiSecret: storeApiSecret(document, measurementId) || process.env.GATSBY_GA4_API_SECRET || LOCAL_STREAM.apiSecret,
      onError: (err) => console.error('[shoplab] local tag:', err),
    });
    window.shoplabTag = tag;
    // A runner reusing this page for another shopper dispatches `shoplab:reset` (the store resets its own state
    // on the same event); the tag must forget the last page so that its pagehide sends nothing for it.
    window.addEventListener('shoplab:reset', () => tag.reset());
  }
  announceSignedInUser();
  // The experiment arm, if the server runs one: a user property on the tags and the arm's changes to the store.
  loadExperiment();
  startScrollPositions();
  // docs/dom-contract.md "Hooks for tools": lets a runner reuse this page for a fresh shopper.
  window.addEventListener('shoplab:reset', () => resetStore());
  // ...and, once the runner has put the next shopper's cookies and storage in place, read them as a page load would.
  window.addEventListener('shoplab:visit', () => {
    resetIdCounter();
    reloadStore();
    // The tag forgot its user properties on reset; the new visitor is in the same arm.
    loadExperiment();
  });
};

export const wrapRootElement: GatsbyBrowser['wrapRootElement'] = ({ element }) => <StoreProvider>{element}</StoreProvider>;

// The store restores scroll positions itself (src/context/scroll-positions.ts); false keeps Gatsby's away.
export const shouldUpdateScroll: GatsbyBrowser['shouldUpdateScroll'] = ({ routerProps }) => {
  restoreScroll((routerProps.location as { key?: string }).key);
  return false;
};

export const onPreRouteUpdate: GatsbyBrowser['onPreRouteUpdate'] = () => {
  beginRoute();
};

export const onRouteUpdate: GatsbyBrowser['onRouteUpdate'] = ({ location }) => {
  // page_view must carry the new page's title, which Gatsby's Head API writes a few tasks after this hook;
  // route-views waits for the page's head to report, then a setTimeout(0), then runs this callback.
  routeUpdated(location.pathname, () => {
    window.shoplabTag?.pageView();
  });
};
