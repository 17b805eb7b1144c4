import { Link, type HeadFC } from 'gatsby';
import { useViewEvent } from '../analytics/use-view-event';
import { CartLineItem } from '../components/cart-line-item';
import { formatMoney } from '../components/format-money';
import { Layout } from '../components/layout';
import { Seo } from '../components/seo';
import { useStore } from '../context/store-context';
import { useFreeShippingNudge } from '../context/experiment';
import { FREE_SHIPPING_FROM, shippingCost } from '../context/order-totals';
import * as styles from './cart.module.css';

export default function CartPage() {
  const { hydrated, lines, subtotal, viewCart, viewPromotion } = useStore();
  const nudge = useFreeShippingNudge();
  // Once per visit, and only once the stored cart is known: an empty cart sends no view_cart.
  useViewEvent(hydrated && lines.length > 0 ? 'cart' : null, viewCart);
  const freeFrom = nudge?.freeStandardFrom ?? FREE_SHIPPING_FROM;
  const shipping = shippingCost(subtotal, { freeStandardFrom: freeFrom });
  // The nudge is a promotion of the order: view_promotion once per cart visit, with the cart's first line as its item
  // (GA4's view_promotion takes exactly one).
  const first = lines[0];
  useViewEvent(hydrated && nudge && first ? nudge.promotion.promotion_id : null, () => {
    if (nudge && first) viewPromotion(nudge.promotion, first.product);
  });

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
            {nudge ? (
              <aside className={styles.nudge} aria-label={nudge.promotion.promotion_name} data-shoplab-promotion={nudge.promotion.promotion_id} data-free-standard-from={nudge.freeStandardFrom}>
                <p>
                  <strong>{nudge.freeStandardFrom > 0 ? `Free standard shipping on orders of ${formatMoney(nudge.freeStandardFrom)} or more` : 'Free standard shipping on this order'}</strong>
                  {nudge.freeStandardFrom > 0 ? '' : ', whatever its size'}.
                </p>
              </aside>
            ) : null}
            <p className={styles.total}>
              Subtotal: <span data-cart-total={subtotal.toFixed(2)}>{formatMoney(subtotal)}</span>
            </p>
            <p>
              Standard shipping: <span data-cart-shipping={shipping.toFixed(2)}>{shipping === 0 ? 'Free' : formatMoney(shipping)}</span>
            </p>
            <p className={styles.note}>
              {subtotal >= freeFrom ? 'Your order ships free.' : `Add ${formatMoney(freeFrom - subtotal)} more for free shipping.`} Tax is added at
              checkout.
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
