import { Link } from 'gatsby';
import type { ListContext } from '../../ga4/events';
import { useStore } from '../context/store-context';
import { productPath, subcategoryName, type ProductSummary } from '../data/product';
import { formatMoney } from './format-money';
import { Rating } from './rating';
import * as styles from './product-card.module.css';

export interface ProductCardProps {
  product: ProductSummary;
  /** Position in the list, from 0. */
  index: number;
  list: ListContext;
}

/**
 * One list entry. The product name is the card's only link (its accessible name is exactly the name), and
 * a CSS overlay stretches it over the whole card so the picture is clickable too.
 */
export function ProductCard({ product, index, list }: ProductCardProps) {
  const { selectItem } = useStore();
  return (
    <li
      className={styles.card}
      data-item-id={product.id}
      data-item-price={product.price.toFixed(2)}
      data-item-category={product.category}
      data-item-index={index}
    >
      <img className={styles.image} src={product.image} alt="" width={240} height={240} loading="lazy" decoding="async" />
      <div className={styles.body}>
        <p className={styles.brand}>{product.brand}</p>
        <h3 className={styles.name}>
          <Link to={productPath(product)} className={styles.link} onClick={() => selectItem(list, product, index)}>
            {product.name}
          </Link>
        </h3>
        <p className={styles.meta}>{subcategoryName(product.category, product.subcategory)}</p>
        <Rating rating={product.rating} reviewCount={product.reviewCount} />
        <p className={styles.price}>{formatMoney(product.price)}</p>
      </div>
    </li>
  );
}
