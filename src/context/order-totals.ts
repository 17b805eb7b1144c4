import { roundMoney } from '../../ga4/events';

/** Orders at or above this item total ship free. */
export const FREE_SHIPPING_FROM = 50;
export const FLAT_SHIPPING = 4.99;
export const TAX_RATE = 0.08;

export interface OrderTotals {
  /** Σ price × quantity — GA4's `value`. */
  subtotal: number;
  shipping: number;
  tax: number;
  total: number;
}

export function orderTotals(subtotal: number): OrderTotals {
  const value = roundMoney(subtotal);
  const shipping = value === 0 || value >= FREE_SHIPPING_FROM ? 0 : FLAT_SHIPPING;
  const tax = roundMoney(value * TAX_RATE);
  return { subtotal: value, shipping, tax, total: roundMoney(value + shipping + tax) };
}
