import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link, navigate, type HeadFC } from 'gatsby';
import { useViewEvent } from '../analytics/use-view-event';
import { formatMoney } from '../components/format-money';
import { Layout } from '../components/layout';
import { Seo } from '../components/seo';
import { orderTotals } from '../context/order-totals';
import { useStore, type CheckoutDetails } from '../context/store-context';
import * as styles from './checkout.module.css';

const FIELDS: readonly { name: keyof CheckoutDetails; label: string; type: string; autoComplete: string }[] = [
  { name: 'fullName', label: 'Full name', type: 'text', autoComplete: 'name' },
  { name: 'email', label: 'Email', type: 'email', autoComplete: 'email' },
  { name: 'address', label: 'Address', type: 'text', autoComplete: 'street-address' },
  { name: 'city', label: 'City', type: 'text', autoComplete: 'address-level2' },
  { name: 'postalCode', label: 'Postal code', type: 'text', autoComplete: 'postal-code' },
];

function textOf(v: FormDataEntryValue | null): string {
  return typeof v === 'string' ? v : '';
}

export default function CheckoutPage() {
  const { hydrated, lines, subtotal, beginCheckout, placeOrder } = useStore();
  const [placing, setPlacing] = useState(false);
  useViewEvent(hydrated && lines.length > 0 ? 'checkout' : null, beginCheckout);
  const totals = orderTotals(subtotal);

  function onSubmit(e: FormEvent<HTMLFormElement>): void {
    e.preventDefault();
    if (placing) return;
    const form = new FormData(e.currentTarget);
    const details = Object.fromEntries(FIELDS.map((f) => [f.name, textOf(form.get(f.name))])) as Record<keyof CheckoutDetails, string>;
    setPlacing(true);
    const order = placeOrder(details);
    if (order) void navigate('/order/');
    else setPlacing(false);
  }

  return (
    <Layout page="checkout">
      <h1>Checkout</h1>
      {!hydrated ? (
        <p>Loading your cart…</p>
      ) : lines.length === 0 && !placing ? (
        <div className={styles.empty}>
          <p>Your cart is empty</p>
          <Link to="/">Continue shopping</Link>
        </div>
      ) : (
        <div className={styles.columns}>
          <form className={styles.form} aria-label="Checkout" onSubmit={onSubmit}>
            <fieldset disabled={placing}>
              <legend>Shipping details</legend>
              {FIELDS.map((f) => (
                <div className={styles.field} key={f.name}>
                  <label htmlFor={`checkout-${f.name}`}>{f.label}</label>
                  <input id={`checkout-${f.name}`} name={f.name} type={f.type} autoComplete={f.autoComplete} required />
                </div>
              ))}
            </fieldset>
            <button type="submit" className={styles.submit} disabled={placing}>
              Place order
            </button>
          </form>
          <section className={styles.summary} aria-labelledby="summary-title">
            <h2 id="summary-title">Order summary</h2>
            <ul className={styles.items}>
              {lines.map((l) => (
                <li key={l.key}>
                  <span>
                    {l.quantity} × {l.product.name}
                    {l.variant ? ` (${l.variant})` : ''}
                  </span>
                  <span>{formatMoney(l.product.price * l.quantity)}</span>
                </li>
              ))}
            </ul>
            <dl className={styles.totals}>
              <dt>Subtotal</dt>
              <dd>{formatMoney(totals.subtotal)}</dd>
              <dt>Shipping</dt>
              <dd>{totals.shipping === 0 ? 'Free' : formatMoney(totals.shipping)}</dd>
              <dt>Tax</dt>
              <dd>{formatMoney(totals.tax)}</dd>
              <dt className={styles.grand}>Total</dt>
              <dd className={styles.grand}>{formatMoney(totals.total)}</dd>
            </dl>
          </section>
        </div>
      )}
    </Layout>
  );
}

export const Head: HeadFC = ({ location }) => <Seo pathname={location.pathname} title="Checkout" />;
