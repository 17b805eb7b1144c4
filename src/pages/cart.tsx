import { Link, type HeadFC } from 'gatsby';
import { useViewEvent } from '../analytics/use-view-event';
import { CartLineItem } from '../components/cart-line-item';
import { formatMoney } from '../components/format-money';
import { Layout } from '../components/layout';
import { Seo } from '../components/seo';
import { useStore } from '../context/store-context';
import { FREE_SHIPPING_FROM } from '../context/order-totals';
import * as styles from './cart.module.css';

export default function CartPage() {
  const { hydrated, lines, subtotal, viewCart } = useStore();
  // Once per visit, and only once the stored cart is known: an empty cart sends no view_cart.
  useViewEvent(hydrated && lines.length > 0 ? 'cart' : null, viewCart);

  return (
    <Layout page="cart">
      <h1>Your cart</h1>
      {!hydrated ? (
        <p>Loading your cart…</p>
      ) : lines.length === 0 ? (
        <div className={styles.empty}>
          <p>Your cart is empty</p>
          <Link to="/">Continue shopping</Link>
        </div>
      ) : (
        <>
          <ul className={styles.lines} aria-label="Cart items">
            {lines.map((line, i) => (
              <CartLineItem key={line.key} line={line} index={i} />
            ))}
          </ul>
          <div className={styles.summary}>
            <p className={styles.total}>
              Subtotal: <span data-cart-total={subtotal.toFixed(2)}>{formatMoney(subtotal)}</span>
            </p>
            <p className={styles.note}>
              {subtotal >= FREE_SHIPPING_FROM
                ? 'Your order ships free.'
                : `Add ${formatMoney(FREE_SHIPPING_FROM - subtotal)} more for free shipping.`}{' '}
              Tax is added at checkout.
            </p>
            <Link to="/checkout/" className={styles.checkout}>
              Checkout
            </Link>
          </div>
        </>
      )}
    </Layout>
  );
}

export const Head: HeadFC = ({ location }) => <Seo pathname={location.pathname} title="Your cart" />;
