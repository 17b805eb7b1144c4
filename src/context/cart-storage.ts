/**
 * Reading and writing the cart and the last order in Web Storage. Everything read back is checked, because
 * storage outlives deploys: an old or hand-edited value must yield an empty cart, not a crash.
 */
import type { ProductSummary } from '../data/product';
import type { OrderTotals } from './order-totals';

export interface CartLine {
  /** Product id plus variant: the same product in two sizes is two lines. */
  key: string;
  product: ProductSummary;
  variant?: string;
  quantity: number;
}

export interface Order extends OrderTotals {
  transactionId: string;
  currency: string;
  lines: CartLine[];
  /** ms since epoch */
  placedAt: number;
  customerName: string;
  /** Upper-case coupon code, when one was applied. */
  coupon?: string;
  shippingTier?: string;
  paymentType?: string;
  /** The opaque id of the signed-in shopper who placed it. */
  userId?: string;
  /** Set once a refund has been requested (the refund event has been sent). */
  refundedAt?: number;
}

const CART_KEY = 'shoplab.cart.v1';
const ORDER_KEY = 'shoplab.last-order.v1';
export const CART_STORAGE_KEY = CART_KEY;

const isBrowser = typeof window !== 'undefined';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function isProductSummary(v: unknown): v is ProductSummary {
  return (
    isRecord(v) &&
    typeof v.id === 'string' &&
    typeof v.slug === 'string' &&
    typeof v.name === 'string' &&
    typeof v.brand === 'string' &&
    typeof v.category === 'string' &&
    typeof v.subcategory === 'string' &&
    typeof v.price === 'number' &&
    Number.isFinite(v.price) &&
    typeof v.stock === 'number' &&
    typeof v.image === 'string'
  );
}

function isCartLine(v: unknown): v is CartLine {
  return (
    isRecord(v) &&
    typeof v.key === 'string' &&
    isProductSummary(v.product) &&
    (v.variant === undefined || typeof v.variant === 'string') &&
    typeof v.quantity === 'number' &&
    Number.isInteger(v.quantity) &&
    v.quantity > 0
  );
}

export function isOrder(v: unknown): v is Order {
  return (
    isRecord(v) &&
    typeof v.transactionId === 'string' &&
    typeof v.currency === 'string' &&
    typeof v.subtotal === 'number' &&
    typeof v.total === 'number' &&
    typeof v.placedAt === 'number' &&
    Array.isArray(v.lines) &&
    v.lines.every(isCartLine)
  );
}

export function read(storage: () => Storage, key: string): unknown {
  if (!isBrowser) return undefined;
  try {
    const raw = storage().getItem(key);
    return raw ? (JSON.parse(raw) as unknown) : undefined;
  } catch {
    // Storage can be disabled (privacy modes) or hold broken JSON; both mean "nothing stored".
    return undefined;
  }
}

export function write(storage: () => Storage, key: string, value: unknown): void {
  if (!isBrowser) return;
  try {
    if (value === undefined) storage().removeItem(key);
    else storage().setItem(key, JSON.stringify(value));
  } catch (err) {
    console.error('[shoplab] could not save to storage:', err);
  }
}

export const local = (): Storage => window.localStorage;
export const session = (): Storage => window.sessionStorage;

export function parseCart(v: unknown): CartLine[] {
  return Array.isArray(v) ? v.filter(isCartLine) : [];
}

export function readCart(): CartLine[] {
  return parseCart(read(local, CART_KEY));
}

export function writeCart(lines: readonly CartLine[]): void {
  write(local, CART_KEY, lines.length ? lines : undefined);
}

export function readLastOrder(): Order | null {
  const v = read(session, ORDER_KEY);
  return isOrder(v) ? v : null;
}

export function writeLastOrder(order: Order): void {
  write(session, ORDER_KEY, order);
}

export function clearLastOrder(): void {
  write(session, ORDER_KEY, undefined);
}
