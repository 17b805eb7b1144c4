/**
 * The recommendations contract between the server (which, in a run of an experiment's recommendations arm, knows
 * the trained user-item model's list for each client id) and the store (which asks for the list of its own client
 * id at GET /api/recommendations and shows it on the home page as the product list below, firing view_item_list
 * and select_item with its item_list_id and item_list_name like every other list). A server without such a list
 * answers no products, and the store then shows nothing.
 */
import type { ListContext } from './events';

/** Path of the store route that answers the recommendations of the requesting page's client id (its `_ga` cookie). */
export const STORE_RECS_PATH = '/api/recommendations';

/** The list as the store shows it and as its GA4 events name it. */
export const RECOMMENDED_LIST: ListContext = { item_list_id: 'home_recommended', item_list_name: 'Recommended for you' };

/** Products the home page shows at most (the model ranks more). */
export const RECOMMENDED_SHOWN = 4;

/**
 * `products` are the store's product summaries (src/data/product.ts `ProductSummary`), in rank order. The type is
 * left to the reader: this folder knows nothing of the store's catalog.
 */
export interface StoreRecsResponse<P = unknown> {
  products: P[];
}
