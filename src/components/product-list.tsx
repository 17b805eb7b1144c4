import { useRef } from 'react';
import type { ListContext } from '../../ga4/events';
import { useImpression } from '../analytics/use-impression';
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
   * What makes this showing of the list distinct, beside its items; a new value fires view_item_list again
   * (another page, sort or filter). Default: the list id.
   */
  viewKey?: string;
}

/**
 * A product list per docs/dom-contract.md; fires view_item_list when it first comes into view on this page with
 * these items — a shopper going back to a list they have seen (after opening one of its products) sees no new
 * list, while another page, sort or filter of it (a new `viewKey`) is one.
 */
export function ProductList({ list, products, firstIndex = 0, viewKey = list.item_list_id }: ProductListProps) {
  const { viewItemList } = useStore();
  const ref = useRef<HTMLUListElement>(null);
  const key = products.length ? `${viewKey}\u0000${products.map((p) => p.id).join(',')}` : null;
  useImpression(ref, key, () => viewItemList(list, products, firstIndex), { once: true });
  return (
    <ul ref={ref} className={styles.grid} data-list-id={list.item_list_id} data-list-name={list.item_list_name} aria-label={list.item_list_name}>
      {products.map((p, i) => (
        <ProductCard key={p.id} product={p} index={firstIndex + i} list={list} />
      ))}
    </ul>
  );
}
