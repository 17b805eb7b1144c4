import { useRef } from 'react';
import { Link } from 'gatsby';
import type { Promotion } from '../../ga4/events';
import { useImpression } from '../analytics/use-impression';
import { useStore } from '../context/store-context';
import { productPath, type ProductSummary } from '../data/product';
import * as styles from './promo-banner.module.css';

export interface HomePromotion extends Promotion {
  headline: string;
  text: string;
  product: ProductSummary;
}

/** One promotion slot: view_promotion when it comes into view, select_promotion when its link is followed. */
export function PromoBanner({ promo }: { promo: HomePromotion }) {
  const { viewPromotion, selectPromotion } = useStore();
  const { headline, text, product, ...ga4 } = promo;
  const ref = useRef<HTMLLIElement>(null);
  useImpression(ref, ga4.promotion_id, () => viewPromotion(ga4, product));
  return (
    <li ref={ref} className={styles.promo} data-promotion-id={ga4.promotion_id} data-item-id={product.id}>
      <img src={product.image} alt="" width={96} height={96} />
      <div>
        <h3 className={styles.headline}>{headline}</h3>
        <p>{text}</p>
        <Link to={productPath(product)} onClick={() => selectPromotion(ga4, product)}>
          Shop {product.name}
        </Link>
      </div>
    </li>
  );
}
