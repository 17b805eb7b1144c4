import { Link, type HeadFC } from 'gatsby';
import { formatMoney } from '../components/format-money';
import { Layout } from '../components/layout';
import { Seo } from '../components/seo';
import { useStore } from '../context/store-context';
import * as styles from './order.module.css';

export default function OrderPage() {
  const { hydrated, lastOrder: order } = useStore();
  // data-order-value is GA4's purchase `value`: the items only, without shipping and tax.
  const data = order ? { 'data-transaction-id': order.transactionId, 'data-order-value': order.subtotal.toFixed(2) } : undefined;
  return (
    <Layout page="order" data={data}>
      {!hydrated ? (
        <p>Loading your order…</p>
      ) : !order ? (
        <>
          <h1>No recent order</h1>
          <p>
            We could not find an order from this visit. <Link to="/">Continue shopping</Link>
          </p>
        </>
      ) : (
        <>
          <h1>Thank you{order.customerName ? `, ${order.customerName}` : ''}!</h1>
          <p>
            Your order <strong className={styles.txn}>{order.transactionId}</strong> is confirmed.
          </p>
          <ul className={styles.items} aria-label="Ordered items">
            {order.lines.map((l) => (
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
            <dd>{formatMoney(order.subtotal)}</dd>
            <dt>Shipping</dt>
            <dd>{order.shipping === 0 ? 'Free' : formatMoney(order.shipping)}</dd>
            <dt>Tax</dt>
            <dd>{formatMoney(order.tax)}</dd>
            <dt className={styles.grand}>Total paid</dt>
            <dd className={styles.grand}>{formatMoney(order.total)}</dd>
          </dl>
          <p>
            <Link to="/">Continue shopping</Link>
          </p>
        </>
      )}
    </Layout>
  );
}

export const Head: HeadFC = ({ location }) => <Seo pathname={location.pathname} title="Order confirmed" />;
