import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, navigate, type HeadFC } from 'gatsby';
import { itemsValue } from '../../ga4/events';
import { useViewEvent } from '../analytics/use-view-event';
import { formatMoney } from '../components/format-money';
import { Layout } from '../components/layout';
import { Seo } from '../components/seo';
import { findCoupon } from '../context/coupons';
import { useFreeShippingNudge } from '../context/experiment';
import { orderTotals, PAYMENT_TYPES, SHIPPING_TIERS, shippingCost, type PaymentTypeId, type ShippingTierId } from '../context/order-totals';
import { useStore, type CheckoutDetails } from '../context/store-context';
import * as styles from './checkout.module.css';

const FIELDS: readonly { name: keyof CheckoutDetails; label: string; type: string; autoComplete: string }[] = [
  { name: 'fullName', label: 'Full name', type: 'text', autoComplete: 'name' },
  { name: 'email', label: 'Email', type: 'email', autoComplete: 'email' },
  { name: 'address', label: 'Address', type: 'text', autoComplete: 'street-address' },
  { name: 'city', label: 'City', type: 'text', autoComplete: 'address-level2' },
  { name: 'postalCode', label: 'Postal code', type: 'text', autoComplete: 'postal-code' },
];

/** The steps after the address, in order; each one's submit button name is in STEP_BUTTON. */
const STEPS = ['address', 'shipping', 'payment', 'review'] as const;
type Step = (typeof STEPS)[number];

const STEP_TITLE: Record<Step, string> = {
  address: 'Shipping address',
  shipping: 'Shipping method',
  payment: 'Payment',
  review: 'Review your order',
};

const STEP_BUTTON: Record<Step, string> = {
  address: 'Continue to shipping method',
  shipping: 'Continue to payment',
  payment: 'Review order',
  review: 'Place order',
};

const EMPTY_DETAILS: CheckoutDetails = { fullName: '', email: '', address: '', city: '', postalCode: '' };

export default function CheckoutPage() {
  const { hydrated, lines, beginCheckout, checkoutItems, addShippingInfo, addPaymentInfo, placeOrder } = useStore();
  const [step, setStep] = useState<Step>('address');
  const [details, setDetails] = useState<CheckoutDetails>(EMPTY_DETAILS);
  const [couponDraft, setCouponDraft] = useState('');
  const [coupon, setCoupon] = useState<string | undefined>(undefined);
  const [couponMessage, setCouponMessage] = useState('');
  const [tier, setTier] = useState<ShippingTierId>('standard');
  const [payment, setPayment] = useState<PaymentTypeId>('credit_card');
  const [placing, setPlacing] = useState(false);
  const nudge = useFreeShippingNudge();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);
  useViewEvent(hydrated && lines.length > 0 ? 'checkout' : null, beginCheckout);

  // Keyboard and screen-reader users land on the new step's heading, not at the top of the page.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    headingRef.current?.focus();
  }, [step]);

  const items = checkoutItems(coupon);
  const applied = coupon ? findCoupon(coupon) : undefined;
  const totals = orderTotals(itemsValue(items), { tier, freeShipping: applied?.freeShipping, freeStandardFrom: nudge?.freeStandardFrom });

  function applyCoupon(): void {
    const found = findCoupon(couponDraft);
    if (!couponDraft.trim()) {
      setCoupon(undefined);
      setCouponMessage('');
    } else if (found) {
      setCoupon(found.code);
      setCouponMessage(`Coupon ${found.code} applied: ${found.description}.`);
    } else {
      setCoupon(undefined);
      setCouponMessage(`The code "${couponDraft.trim()}" is not a valid coupon.`);
    }
  }

  function onSubmit(e: FormEvent<HTMLFormElement>): void {
    e.preventDefault();
    if (placing) return;
    if (step === 'address') {
      const form = new FormData(e.currentTarget);
      setDetails(Object.fromEntries(FIELDS.map((f) => [f.name, textOf(form.get(f.name))])) as Record<keyof CheckoutDetails, string>);
      setStep('shipping');
    } else if (step === 'shipping') {
      addShippingInfo(tier, coupon);
      setStep('payment');
    } else if (step === 'payment') {
      addPaymentInfo(payment, coupon);
      setStep('review');
    } else {
      setPlacing(true);
      const order = placeOrder(details, { tier, paymentType: payment, coupon });
      if (order) void navigate('/order/');
      else setPlacing(false);
    }
  }

  const tierName = SHIPPING_TIERS.find((t) => t.id === tier)?.name ?? tier;
  const paymentName = PAYMENT_TYPES.find((p) => p.id === payment)?.name ?? payment;

  return (
    <Layout page="checkout" data={{ 'data-checkout-step': step }}>
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
            <ol className={styles.steps} aria-label="Checkout steps">
              {STEPS.map((s, i) => (
                <li key={s} aria-current={s === step ? 'step' : undefined} className={s === step ? styles.current : undefined}>
                  {i + 1}. {STEP_TITLE[s]}
                </li>
              ))}
            </ol>
            <h2 ref={headingRef} tabIndex={-1} className={styles.stepTitle}>
              {STEP_TITLE[step]}
            </h2>
            {step === 'address' && (
              <fieldset>
                <legend className="sr-only">Shipping address</legend>
                {FIELDS.map((f) => (
                  <div className={styles.field} key={f.name}>
                    <label htmlFor={`checkout-${f.name}`}>{f.label}</label>
                    <input
                      id={`checkout-${f.name}`}
                      name={f.name}
                      type={f.type}
                      autoComplete={f.autoComplete}
                      defaultValue={details[f.name]}
                      required
                    />
                  </div>
                ))}
              </fieldset>
            )}
            {step === 'shipping' && (
              <fieldset className={styles.choices}>
                <legend>Choose a shipping method</legend>
                {SHIPPING_TIERS.map((t) => {
                  const cost = shippingCost(itemsValue(items), { tier: t.id, freeShipping: applied?.freeShipping, freeStandardFrom: nudge?.freeStandardFrom });
                  return (
                    <label key={t.id} className={styles.choice}>
                      <input type="radio" name="tier" value={t.id} checked={tier === t.id} onChange={() => setTier(t.id)} />
                      <span>
                        {t.name} — {cost === 0 ? 'Free' : formatMoney(cost)} <small>({t.days})</small>
                      </span>
                    </label>
                  );
                })}
              </fieldset>
            )}
            {step === 'payment' && (
              <fieldset className={styles.choices}>
                <legend>Choose how to pay</legend>
                {PAYMENT_TYPES.map((p) => (
                  <label key={p.id} className={styles.choice}>
                    <input type="radio" name="payment" value={p.id} checked={payment === p.id} onChange={() => setPayment(p.id)} />
                    <span>{p.name}</span>
                  </label>
                ))}
                <p className={styles.note}>This is a demo store: no payment is taken and nothing is charged.</p>
              </fieldset>
            )}
            {step === 'review' && (
              <dl className={styles.review}>
                <dt>Ship to</dt>
                <dd>
                  {details.fullName}, {details.address}, {details.postalCode} {details.city}
                </dd>
                <dt>Shipping method</dt>
                <dd>{tierName}</dd>
                <dt>Payment</dt>
                <dd>{paymentName}</dd>
              </dl>
            )}
            <div className={styles.actions}>
              {step !== 'address' && (
                <button type="button" className={styles.back} disabled={placing} onClick={() => setStep(STEPS[STEPS.indexOf(step) - 1] ?? 'address')}>
                  Back
                </button>
              )}
              <button type="submit" className={styles.submit} disabled={placing}>
                {STEP_BUTTON[step]}
              </button>
            </div>
          </form>
          <section className={styles.summary} aria-labelledby="summary-title">
            <h2 id="summary-title">Order summary</h2>
            <ul className={styles.items}>
              {lines.map((l, i) => (
                <li key={l.key}>
                  <span>
                    {l.quantity} × {l.product.name}
                    {l.variant ? ` (${l.variant})` : ''}
                  </span>
                  <span>{formatMoney((items[i]?.price ?? l.product.price) * l.quantity)}</span>
                </li>
              ))}
            </ul>
            <div className={styles.coupon}>
              <label htmlFor="checkout-coupon">Coupon code</label>
              <div className={styles.couponRow}>
                <input
                  id="checkout-coupon"
                  value={couponDraft}
                  disabled={step === 'review' || placing}
                  onChange={(e) => setCouponDraft(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') {
                      e.preventDefault();
                      applyCoupon();
                    }
                  }}
                />
                <button type="button" onClick={applyCoupon} disabled={step === 'review' || placing}>
                  Apply coupon
                </button>
              </div>
              <p role="status" className={styles.note}>
                {couponMessage}
              </p>
            </div>
            <dl className={styles.totals}>
              <dt>Subtotal</dt>
              <dd data-checkout-subtotal={totals.subtotal.toFixed(2)}>{formatMoney(totals.subtotal)}</dd>
              <dt>Shipping</dt>
              <dd data-checkout-shipping={totals.shipping.toFixed(2)}>{totals.shipping === 0 ? 'Free' : formatMoney(totals.shipping)}</dd>
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

function textOf(v: FormDataEntryValue | null): string {
  return typeof v === 'string' ? v : '';
}

export const Head: HeadFC = ({ location }) => <Seo pathname={location.pathname} title="Checkout" />;
