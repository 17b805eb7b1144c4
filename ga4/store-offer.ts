/**
 * The offer contract between the dashboard (which pushes offers to a segment) and the store (which asks for the
 * offers of its own client id at GET /api/offers and shows them as a promotion, firing view_promotion and
 * select_promotion with the offer's promotion and item).
 */
import type { Ga4Item, Promotion } from './events';

export const OFFER_KINDS = ['discount', 'banner', 'free_shipping'] as const;
export type OfferKind = (typeof OFFER_KINDS)[number];

/** Path of the store route that answers the offers of the requesting page's client id (from its `_ga` cookie). */
export const STORE_OFFERS_PATH = '/api/offers';

export interface StoreOffer {
  kind: OfferKind;
  headline: string;
  /** A coupon code of the store for discount and free-shipping offers; null for a plain banner. */
  code: string | null;
  /** promotion_id is the offer's id, so that the promotion events can be counted per offer. */
  promotion: Promotion;
  /** The featured item, as the promotion events carry it. */
  item: Ga4Item;
  /** The item's page in the store. */
  path: string;
}

export interface StoreOffersResponse {
  offers: StoreOffer[];
}
