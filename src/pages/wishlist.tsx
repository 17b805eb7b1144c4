import { Link, type HeadFC } from 'gatsby';
import { formatMoney } from '../components/format-money';
import { Layout } from '../components/layout';
import { Seo } from '../components/seo';
import { useStore } from '../context/store-context';
import { productPath } from '../data/product';
import * as styles from './wishlist.module.css';

export default function WishlistPage() {
  const { hydrated, wishlist, addToCart, removeFromWishlist } = useStore();
  return (
    <Layout page="wishlist">
      <h1>Your wishlist</h1>
      {!hydrated ? (
        <p>Loading your wishlist…</p>
      ) : wishlist.length === 0 ? (
        <p>
          Your wishlist is empty. <Link to="/">Find something you like</Link>
        </p>
      ) : (
        <ul className={styles.items} data-list-id="wishlist" data-list-name="Wishlist" aria-label="Wishlist">
          {wishlist.map((p, i) => (
            <li key={p.id} className={styles.item} data-item-id={p.id} data-item-price={p.price.toFixed(2)} data-item-category={p.category} data-item-index={i}>
              <img src={p.image} alt="" width={72} height={72} />
              <div className={styles.info}>
                <Link id={`wish-${p.id}`} to={productPath(p)}>
                  {p.name}
                </Link>
                <span>{formatMoney(p.price)}</span>
              </div>
              <div className={styles.actions}>
                <button type="button" aria-describedby={`wish-${p.id}`} onClick={() => addToCart(p, 1)}>
                  Add to cart
                </button>
                <button type="button" aria-describedby={`wish-${p.id}`} onClick={() => removeFromWishlist(p.id)}>
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}

export const Head: HeadFC = ({ location }) => <Seo pathname={location.pathname} title="Your wishlist" />;
