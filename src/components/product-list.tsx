import type { ListContext } from '../../ga4/events';
import { useViewEvent } from '../analytics/use-view-event';
import { useStore } from '../context/store-context';
import type { ProductSummary } from '../data/product';
import { ProductCard } from './product-card';
import * as styles from './product-list.module.css';

export interface ProductListProps {
  list: ListContext;
  products: readonly ProductSummary[];
  /** Position of the first product in the whole list (paged lists); default 0. */
  firstIndex?: number;
  /**
   * What makes this showing of the list distinct; a new value fires view_item_list again (another page,
   * sort or filter). Default: the list id, i.e. once per mount.
   */
  viewKey?: string;
}

/** A product list per docs/dom-contract.md; fires view_item_list once each time it is shown. */
export function ProductList({ list, products, firstIndex = 0, viewKey = list.item_list_id }: ProductListProps) {
  const { viewItemList } = useStore();
  useViewEvent(products.length ? viewKey : null, () => viewItemList(list, products, firstIndex));
  return (
    <ul className={styles.grid} data-list-id={list.item_list_id} data-list-name={list.item_list_name} aria-label={list.item_list_name}>
      {products.map((p, i) => (
        <ProductCard key={p.id} product={p} index={firstIndex + i} list={list} />
      ))}
    </ul>
  );
}
