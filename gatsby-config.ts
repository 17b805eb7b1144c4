import type { GatsbyConfig } from 'gatsby';

const config: GatsbyConfig = {
  siteMetadata: {
    title: 'ShopLab',
    description: 'A demo store that fires GA4 recommended ecommerce events.',
  },
  // Catalog pages are created as /category/<id>/ and /product/<slug>/; one URL form per page keeps GA4's
  // page_location stable and avoids redirects mid-journey.
  trailingSlash: 'always',
  jsxRuntime: 'automatic',
  graphqlTypegen: false,
  plugins: [],
};

export default config;
