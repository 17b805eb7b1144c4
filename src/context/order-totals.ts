import { roundMoney } from '../../ga4/events';

/** Orders at or above this item total ship free with the standard tier. */
export const FREE_SHIPPING_FROM = 50;
export const FLAT_SHIPPING = 4.99;
export const TAX_RATE = 0.08;

export const SHIPPING_TIERS = [
  { id: 'standard', name: 'Standard', price: FLAT_SHIPPING, days: '3–5 business days' },
  { id: 'express', name: 'Express', price: 12.99, days: '1–2 business days' },
  { id: 'next_day', name: 'Next day', price: 24.99, days: 'next business day' },
] as const;
export type ShippingTierId = (typeof SHIPPING_TIERS)[number]['id'];

export const PAYMENT_TYPES = [
  { id: 'credit_card', name: 'Credit card' },
  { id: 'paypal', name: 'PayPal' },
  { id: 'gift_card', name: 'Gift card' },
] as const;
export type PaymentTypeId = (typeof PAYMENT_TYPES)[number]['id'];

export interface OrderTotals {
  /** Σ price × quantity — GA4's `value`. */
  subtotal: number;
  shipping: number;
  tax: number;
  total: number;
}

export interface ShippingOptions {
  /** Default 'standard'. */
  tier?: ShippingTierId;
  /** A coupon waives the charge; default false. */
  freeShipping?: boolean;
  /**
   * Standard shipping is free from this item total instead of `FREE_SHIPPING_FROM` (an experiment arm's free-shipping
   * nudge, ga4/store-experiment.ts); default `FREE_SHIPPING_FROM`.
   */
  freeStandardFrom?: number;
}

export function shippingCost(subtotal: number, opts: ShippingOptions = {}): number {
  const tier = SHIPPING_TIERS.find((t) => t.id === (opts.tier ?? 'standard')) ?? SHIPPING_TIERS[0];
  if (subtotal === 0 || opts.freeShipping) return 0;
  if (tier.id === 'standard' && subtotal >= (opts.freeStandardFrom ?? FREE_SHIPPING_FROM)) return 0;
  return tier.price;
}

export function orderTotals(subtotal: number, opts: ShippingOptions = {}): OrderTotals {
  const value = roundMoney(subtotal);
  const shipping = shippingCost(value, opts);
  const tax = roundMoney(value * TAX_RATE);
  return { subtotal: value, shipping, tax, total: roundMoney(value + shipping + tax) };
}
