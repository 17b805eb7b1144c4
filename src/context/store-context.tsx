/**
 * The store: cart and order state plus every action a shopper can take. Analytics fire from here — from the
 * actions, and from the view functions pages call once per view — never from JSX handlers, so each GA4 event
 * has exactly one source.
 */
import React, { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import * as events from '../../ga4/events';
import type { ListContext } from '../../ga4/events';
import { track } from '../analytics/data-layer';
import { trackView } from '../analytics/route-views';
import { CURRENCY, toGa4Item, type ProductSummary } from '../data/product';
import { CART_STORAGE_KEY, parseCart, readCart, readLastOrder, writeCart, writeLastOrder, type CartLine, type Order } from './cart-storage';
import { orderTotals } from './order-totals';

export type { CartLine, Order } from './cart-storage';

/** Most units of one line a shopper can hold, whatever the stock. */
export const MAX_LINE_QUANTITY = 20;

export interface CheckoutDetails {
  fullName: string;
  email: string;
  address: string;
  city: string;
  postalCode: string;
}

export interface StoreValue {
  /** False until the stored cart has been read (server render and the first client render). */
  hydrated: boolean;
  lines: readonly CartLine[];
  /** Units in the cart. */
  count: number;
  /** Σ price × quantity. */
  subtotal: number;
  lastOrder: Order | null;
  /** Adds up to `quantity` units (capped by stock and MAX_LINE_QUANTITY); returns how many were added. */
  addToCart: (product: ProductSummary, quantity: number, variant?: string) => number;
  removeFromCart: (lineKey: string) => void;
  /** Sets a line's quantity; 0 removes the line. Fires add_to_cart or remove_from_cart for the difference. */
  setQuantity: (lineKey: string, quantity: number) => void;
  /** Forgets the cart without analytics (the purchase already accounts for it). */
  clearCart: () => void;
  /** Fires purchase, remembers the order, empties the cart. Null when the cart is empty. */
  placeOrder: (details: CheckoutDetails) => Order | null;
  selectItem: (list: ListContext, product: ProductSummary, index: number) => void;
  viewItemList: (list: ListContext, products: readonly ProductSummary[]) => void;
  viewItem: (product: ProductSummary) => void;
  viewCart: () => void;
  beginCheckout: () => void;
}

const StoreContext = createContext<StoreValue | null>(null);

const isBrowser = typeof window !== 'undefined';
const useIsomorphicLayoutEffect = isBrowser ? useLayoutEffect : useEffect;

export function lineKey(productId: string, variant?: string): string {
  return variant ? `${productId}::${variant}` : productId;
}

function maxUnits(product: ProductSummary): number {
  return Math.max(0, Math.min(product.stock, MAX_LINE_QUANTITY));
}

function lineItem(line: CartLine, quantity = line.quantity): events.Ga4Item {
  return toGa4Item(line.product, { quantity, variant: line.variant });
}

function linesValue(lines: readonly CartLine[]): number {
  return events.roundMoney(lines.reduce((sum, l) => sum + l.product.price * l.quantity, 0));
}

/** Unique and never empty, as GA4 deduplicates purchases by transaction id. */
function newTransactionId(): string {
  const bytes = new Uint32Array(2);
  window.crypto.getRandomValues(bytes);
  const random = Array.from(bytes, (n) => n.toString(36)).join('').slice(0, 8).toUpperCase();
  return `T-${Date.now().toString(36).toUpperCase()}-${random}`;
}

export function StoreProvider({ children }: { children: ReactNode }): React.JSX.Element {
  const [lines, setLines] = useState<readonly CartLine[]>([]);
  const [hydrated, setHydrated] = useState(false);
  const [lastOrder, setLastOrder] = useState<Order | null>(null);
  // Actions read and write through this ref so that two actions in one tick see each other's result and
  // each fires its event exactly once (state updaters may run twice under StrictMode).
  const linesRef = useRef<readonly CartLine[]>([]);

  const commit = useCallback((next: readonly CartLine[]) => {
    linesRef.current = next;
    setLines(next);
    writeCart(next);
  }, []);

  // Read storage in a layout effect: the server render and the hydrating render must both show an empty cart,
  // and the stored one must be in place before Gatsby's onRouteUpdate reports the page as settled.
  useIsomorphicLayoutEffect(() => {
    const stored = readCart();
    linesRef.current = stored;
    setLines(stored);
    setLastOrder(readLastOrder());
    setHydrated(true);
  }, []);

  useEffect(() => {
    // Keep tabs in step: another tab's cart change arrives as a storage event.
    const onStorage = (e: StorageEvent): void => {
      if (e.key !== CART_STORAGE_KEY) return;
      const next = parseCart(e.newValue ? safeParse(e.newValue) : []);
      linesRef.current = next;
      setLines(next);
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const addToCart = useCallback(
    (product: ProductSummary, quantity: number, variant?: string): number => {
      const key = lineKey(product.id, variant);
      const current = linesRef.current;
      const existing = current.find((l) => l.key === key);
      const have = existing?.quantity ?? 0;
      const wanted = Number.isFinite(quantity) ? Math.floor(quantity) : 0;
      const added = Math.max(0, Math.min(wanted, maxUnits(product) - have));
      if (added === 0) return 0;
      const next = existing
        ? current.map((l) => (l.key === key ? { ...l, quantity: have + added } : l))
        : [...current, { key, product, quantity: added, ...(variant ? { variant } : {}) }];
      commit(next);
      track(() => events.addToCart(CURRENCY, [toGa4Item(product, { quantity: added, variant })]));
      return added;
    },
    [commit],
  );

  const setQuantity = useCallback(
    (key: string, quantity: number) => {
      const current = linesRef.current;
      const line = current.find((l) => l.key === key);
      if (!line) return;
      const target = Number.isFinite(quantity) ? Math.max(0, Math.min(Math.floor(quantity), maxUnits(line.product))) : line.quantity;
      const delta = target - line.quantity;
      if (delta === 0) return;
      commit(target === 0 ? current.filter((l) => l.key !== key) : current.map((l) => (l.key === key ? { ...l, quantity: target } : l)));
      if (delta > 0) track(() => events.addToCart(CURRENCY, [lineItem(line, delta)]));
      else track(() => events.removeFromCart(CURRENCY, [lineItem(line, -delta)]));
    },
    [commit],
  );

  const removeFromCart = useCallback((key: string) => setQuantity(key, 0), [setQuantity]);

  const clearCart = useCallback(() => commit([]), [commit]);

  const placeOrder = useCallback(
    (details: CheckoutDetails): Order | null => {
      const current = linesRef.current;
      if (current.length === 0) return null;
      const totals = orderTotals(linesValue(current));
      const order: Order = {
        ...totals,
        transactionId: newTransactionId(),
        currency: CURRENCY,
        lines: [...current],
        placedAt: Date.now(),
        customerName: details.fullName.trim(),
      };
      track(() =>
        events.purchase(CURRENCY, current.map((l) => lineItem(l)).slice(0, events.MAX_ITEMS), {
          transaction_id: order.transactionId,
          shipping: order.shipping,
          tax: order.tax,
        }),
      );
      writeLastOrder(order);
      setLastOrder(order);
      commit([]);
      return order;
    },
    [commit],
  );

  const selectItem = useCallback((list: ListContext, product: ProductSummary, index: number) => {
    track(() => events.selectItem(list, toGa4Item(product, { index, list })));
  }, []);

  const viewItemList = useCallback((list: ListContext, products: readonly ProductSummary[]) => {
    if (products.length === 0) return;
    const items = products.slice(0, events.MAX_ITEMS).map((p, index) => toGa4Item(p, { index, list }));
    trackView(() => events.viewItemList(list, items));
  }, []);

  const viewItem = useCallback((product: ProductSummary) => {
    trackView(() => events.viewItem(CURRENCY, toGa4Item(product)));
  }, []);

  const viewCart = useCallback(() => {
    const current = linesRef.current;
    if (current.length === 0) return;
    trackView(() => events.viewCart(CURRENCY, current.map((l) => lineItem(l)).slice(0, events.MAX_ITEMS)));
  }, []);

  const beginCheckout = useCallback(() => {
    const current = linesRef.current;
    if (current.length === 0) return;
    trackView(() => events.beginCheckout(CURRENCY, current.map((l) => lineItem(l)).slice(0, events.MAX_ITEMS)));
  }, []);

  const value = useMemo<StoreValue>(
    () => ({
      hydrated,
      lines,
      count: lines.reduce((n, l) => n + l.quantity, 0),
      subtotal: linesValue(lines),
      lastOrder,
      addToCart,
      removeFromCart,
      setQuantity,
      clearCart,
      placeOrder,
      selectItem,
      viewItemList,
      viewItem,
      viewCart,
      beginCheckout,
    }),
    [hydrated, lines, lastOrder, addToCart, removeFromCart, setQuantity, clearCart, placeOrder, selectItem, viewItemList, viewItem, viewCart, beginCheckout],
  );

  return <StoreContext.Provider value={value}>{children}</StoreContext.Provider>;
}

function safeParse(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return [];
  }
}

export function useStore(): StoreValue {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore must be used inside <StoreProvider> (see gatsby-browser.tsx and gatsby-ssr.tsx)');
  return store;
}
