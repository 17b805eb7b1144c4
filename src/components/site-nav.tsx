import { Link } from 'gatsby';
import { useStore } from '../context/store-context';
import { categories, categoryPath } from '../data/product';
import * as styles from './site-nav.module.css';

/**
 * The "Main" navigation of docs/dom-contract.md. The cart link's accessible name is exactly "Cart" (its
 * aria-label); the visible count is announced as its description instead of being part of the name.
 */
export function SiteNav() {
  const { count, user, hydrated } = useStore();
  const countText = `${count} ${count === 1 ? 'item' : 'items'}`;
  return (
    <nav aria-label="Main" className={styles.nav}>
      <ul className={styles.primary}>
        <li>
          <Link to="/" className={styles.link}>
            Home
          </Link>
        </li>
        <li>
          <Link to="/wishlist/" className={styles.link}>
            Wishlist
          </Link>
        </li>
        <li>
          {/* Until storage is read nobody is known to be signed in; the link then leads to the login page. */}
          <Link to={hydrated && user ? '/account/' : '/login/'} className={styles.link}>
            {hydrated && user ? 'Account' : 'Log in'}
          </Link>
        </li>
        <li>
          <Link
            to="/cart/"
            className={`${styles.link} ${styles.cart}`}
            data-shoplab="cart-link"
            data-cart-count={count}
            aria-label="Cart"
            aria-describedby="cart-link-count"
          >
            Cart{' '}
            <span className={styles.badge} id="cart-link-count" title={countText}>
              {count}
              <span className="sr-only"> {count === 1 ? 'item' : 'items'}</span>
            </span>
          </Link>
        </li>
      </ul>
      <ul className={styles.categories} aria-label="Categories">
        {categories.map((c) => (
          <li key={c.id}>
            <Link to={categoryPath(c.id)} className={styles.link}>
              {c.name}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
