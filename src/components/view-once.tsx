import { useViewEvent } from '../analytics/use-view-event';

/**
 * Fires a view event from its own place in the tree. Layout effects run in tree order, so rendering this
 * before a product list makes its event (e.g. search) precede the list's view_item_list.
 */
export function ViewOnce({ viewKey, fire }: { viewKey: string | null; fire: () => void }) {
  useViewEvent(viewKey, fire);
  return null;
}
