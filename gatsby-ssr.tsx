import type { GatsbySSR } from 'gatsby';
import { StoreProvider } from './src/context/store-context';

export const wrapRootElement: GatsbySSR['wrapRootElement'] = ({ element }) => <StoreProvider>{element}</StoreProvider>;

export const onRenderBody: GatsbySSR['onRenderBody'] = ({ setHtmlAttributes, setHeadComponents }) => {
  setHtmlAttributes({ lang: 'en' });
  // An explicit icon stops browsers from requesting /favicon.ico, which would 404.
  // The simulator bundle is built separately (scripts/build.mjs) into public/; the store never imports it. It is a
  // blocking head script, so that a session resumed after a full page load has its clock in place before the
  // store's scripts push the page's first events (docs/dom-contract.md, "Full page loads").
  setHeadComponents([
    <link key="icon" rel="icon" href="/favicon.svg" type="image/svg+xml" />,
    <script key="shoplab-simulator" src="/shoplab-simulator.js" />,
  ]);
};
