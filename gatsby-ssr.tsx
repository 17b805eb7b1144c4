import type { GatsbySSR } from 'gatsby';
import { StoreProvider } from './src/context/store-context';

export const wrapRootElement: GatsbySSR['wrapRootElement'] = ({ element }) => <StoreProvider>{element}</StoreProvider>;

export const onRenderBody: GatsbySSR['onRenderBody'] = ({ setHtmlAttributes, setHeadComponents, setPostBodyComponents }) => {
  setHtmlAttributes({ lang: 'en' });
  // An explicit icon stops browsers from requesting /favicon.ico, which would 404.
  setHeadComponents([<link key="icon" rel="icon" href="/favicon.svg" type="image/svg+xml" />]);
  // The simulator bundle is built separately (scripts/build.mjs) into public/; the store never imports it.
  setPostBodyComponents([<script key="shoplab-simulator" src="/shoplab-simulator.js" defer />]);
};
