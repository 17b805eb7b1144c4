/**
 * The experiment contract between the server running one arm of `shoplab experiment` and the store. The store asks
 * GET /api/experiment for its own client and gets the arm it is in and what that arm changes: it records the arm as
 * the GA4 user property `experiment_arm` on its events (the way GA4 users tag A/B tests, so that the export splits
 * by arm in SQL alone), and applies the arm's free-shipping nudge in the cart and at checkout. A server that runs no
 * experiment answers 404 or `{ arm: null, freeShipping: null }`, and the store is then as built.
 */
import type { Promotion } from './events';

/** Path of the store route that answers the requesting page's arm. */
export const STORE_EXPERIMENT_PATH = '/api/experiment';

/** The user property the arm is recorded under (≤ 24 characters, no reserved prefix). */
export const EXPERIMENT_ARM_PROPERTY = 'experiment_arm';

/** The free-shipping nudge: standard shipping is free from this item total (the store's own threshold is $50). */
export interface FreeShippingNudge {
  /** Item total (GA4's `value`) from which standard shipping is free; 0 = every order. */
  freeStandardFrom: number;
  /** The promotion the cart shows it as (view_promotion). */
  promotion: Promotion;
}

/** The cart's promotion of the free-shipping arm. */
export const FREE_SHIPPING_PROMOTION: Promotion = {
  promotion_id: 'free_shipping_cart',
  promotion_name: 'Free shipping on this order',
  creative_name: 'cart_free_shipping',
  creative_slot: 'cart_summary',
};

export interface StoreExperimentResponse {
  /** The arm's name (≤ 36 characters, a user property value); null outside an experiment. */
  arm: string | null;
  freeShipping: FreeShippingNudge | null;
}
