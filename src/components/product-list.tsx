import type { ListContext } from '../../ga4/events';
import { useViewEvent } from '../analytics/use-view-event';
import { useStore } from '../context/store-context';
import type { ProductSummary } from '../data/product';
import { ProductCard } from './product-card';
import * as styles from './product-list.module.css';

export interface ProductListProps {
  list: ListContext;
  products: readonly ProductSummary[];
}

/** A product list per docs/dom-contract.md; fires view_item_list once each time it is shown. */
export function ProductList({ list, products }: ProductListProps) {
  const { viewItemList } = useStore();
  useViewEvent(products.length ? list.item_list_id : null, () => viewItemList(list, products));
  return (
    <ul className={styles.grid} data-list-id={list.item_list_id} data-list-name={list.item_list_name} aria-label={list.item_list_name}>
      {products.map((p, index) => (
        <ProductCard key={p.id} product={p} index={index} list={list} />
      ))}
    </ul>
  );
}
