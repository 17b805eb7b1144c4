import { Link, navigate, type HeadFC } from 'gatsby';
import { formatMoney } from '../components/format-money';
import { Layout } from '../components/layout';
import { Seo } from '../components/seo';
import { useStore } from '../context/store-context';
import * as styles from './account.module.css';

export default function AccountPage() {
  const { hydrated, user, orders, logOut, requestRefund } = useStore();
  return (
    <Layout page="account">
      {!hydrated ? (
        <p>Loading your account…</p>
      ) : !user ? (
        <>
          <h1>Your account</h1>
          <p>
            <Link to="/login/">Log in</Link> to see your orders, or <Link to="/signup/">create an account</Link>.
          </p>
        </>
      ) : (
        <>
          <h1>Hello, {user.name}</h1>
          <button
            type="button"
            className={styles.logout}
            onClick={() => {
              logOut();
              void navigate('/');
            }}
          >
            Log out
          </button>
          <h2>Order history</h2>
          {orders.length === 0 ? (
            <p>You have not ordered anything yet.</p>
          ) : (
            <ul className={styles.orders} aria-label="Orders">
              {orders.map((o) => (
                <li key={o.transactionId} className={styles.order} data-transaction-id={o.transactionId} data-order-value={o.subtotal.toFixed(2)}>
                  <h3 id={`order-${o.transactionId}`}>Order {o.transactionId}</h3>
                  <p>
                    {new Date(o.placedAt).toLocaleDateString('en-US', { dateStyle: 'medium' })} ·{' '}
                    {o.lines.reduce((n, l) => n + l.quantity, 0)} items · {formatMoney(o.total)}
                  </p>
                  {o.refundedAt !== undefined ? (
                    <p className={styles.refunded}>Refund requested</p>
                  ) : (
                    <button type="button" aria-describedby={`order-${o.transactionId}`} onClick={() => requestRefund(o.transactionId)}>
                      Request refund
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </Layout>
  );
}

export const Head: HeadFC = ({ location }) => <Seo pathname={location.pathname} title="Your account" />;
