/**
 * The store: cart, wishlist, account session and orders, plus every action a shopper can take. Analytics fire
 * from here — from the actions, and from the view functions pages call once per view — never from JSX
 * handlers, so each GA4 event has exactly one source.
 */
import React, { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import * as events from '../../ga4/events';
import type { ListContext, Promotion } from '../../ga4/events';
import type { StoreOffer } from '../../ga4/store-offer';
import { pushUserId, track } from '../analytics/data-layer';
import { trackView } from '../analytics/route-views';
import { CURRENCY, toGa4Item, type ProductSummary } from '../data/product';
import {
  normalizeEmail,
  readAccounts,
  readOrders,
  readSession,
  readWishlist,
  writeAccounts,
  writeOrders,
  writeSession,
  writeWishlist,
  VISITOR_STORAGE_KEYS,
  type Session,
} from './account-storage';
import { CART_STORAGE_KEY, clearLastOrder, parseCart, readCart, readLastOrder, writeCart, writeLastOrder, type CartLine, type Order } from './cart-storage';
import { findCoupon, type Coupon } from './coupons';
import { freeShippingNudge } from './experiment';
import { mintId } from './ids';
import { orderTotals, type PaymentTypeId, type ShippingTierId } from './order-totals';
import { hashPassword, newSalt, sameHash } from './password-hash';

export type { CartLine, Order } from './cart-storage';
export type { Session } from './account-storage';

/** Most units of one line a shopper can hold, whatever the stock. */
export const MAX_LINE_QUANTITY = 20;

export interface CheckoutDetails {
  fullName: string;
  email: string;
  address: string;
  city: string;
  postalCode: string;
}

export interface CheckoutChoices {
  tier: ShippingTierId;
  paymentType: PaymentTypeId;
  /** A code from coupons.ts; unknown codes are ignored. */
  coupon?: string;
}

export type AccountResult = { ok: true } | { ok: false; error: string };

export interface StoreValue {
  /** False until storage has been read (server render and the first client render). */
  hydrated: boolean;
  lines: readonly CartLine[];
  /** Units in the cart. */
  count: number;
  /** Σ price × quantity. */
  subtotal: number;
  lastOrder: Order | null;
  wishlist: readonly ProductSummary[];
  /** The signed-in shopper, or null. */
  user: Session | null;
  /** Orders of the signed-in shopper, newest first. */
  orders: readonly Order[];
  /** Adds up to `quantity` units (capped by stock and MAX_LINE_QUANTITY); returns how many were added. */
  addToCart: (product: ProductSummary, quantity: number, variant?: string) => number;
  removeFromCart: (lineKey: string) => void;
  /** Sets a line's quantity; 0 removes the line. Fires add_to_cart or remove_from_cart for the difference. */
  setQuantity: (lineKey: string, quantity: number) => void;
  /** Forgets the cart without analytics (the purchase already accounts for it). */
  clearCart: () => void;
  /** Adds a product to the wishlist (add_to_wishlist); false when it was already there. */
  addToWishlist: (product: ProductSummary) => boolean;
  removeFromWishlist: (productId: string) => void;
  /** The cart as checkout items, with a coupon's per-unit discount applied. */
  checkoutItems: (coupon?: string) => events.Ga4Item[];
  addShippingInfo: (tier: ShippingTierId, coupon?: string) => void;
  addPaymentInfo: (paymentType: PaymentTypeId, coupon?: string) => void;
  /** Fires purchase, remembers the order, empties the cart. Null when the cart is empty. */
  placeOrder: (details: CheckoutDetails, choices?: CheckoutChoices) => Order | null;
  /** Fires refund for a whole order of the signed-in shopper; false when there is nothing to refund. */
  requestRefund: (transactionId: string) => boolean;
  signUp: (name: string, email: string, password: string) => Promise<AccountResult>;
  logIn: (email: string, password: string) => Promise<AccountResult>;
  logOut: () => void;
  selectItem: (list: ListContext, product: ProductSummary, index: number) => void;
  selectPromotion: (promo: Promotion, product: ProductSummary) => void;
  viewItemList: (list: ListContext, products: readonly ProductSummary[], firstIndex?: number) => void;
  viewPromotion: (promo: Promotion, product: ProductSummary) => void;
  /** view_promotion / select_promotion for an offer the dashboard pushed to this client (ga4/store-offer.ts). */
  viewOffer: (offer: StoreOffer) => void;
  selectOffer: (offer: StoreOffer) => void;
  viewItem: (product: ProductSummary) => void;
  viewCart: () => void;
  beginCheckout: () => void;
  viewSearchResults: (term: string) => void;
}

const StoreContext = createContext<StoreValue | null>(null);

const isBrowser = typeof window !== 'undefined';
const useIsomorphicLayoutEffect = isBrowser ? useLayoutEffect : useEffect;

/**
 * One entry per mounted StoreProvider: Gatsby wraps the Head API's separate React root in wrapRootElement
 * too, so a page has two providers and a reset must reach both.
 */
const resetters = new Set<() => void>();
/** Same providers: each re-reads cart, wishlist, signed-in user and orders from storage. */
const reloaders = new Set<() => void>();

/**
 * The tags forget the user id on every full page load: tell them again who is signed in. Called once per
 * load from gatsby-browser's onClientEntry (not from the provider, which is mounted more than once), before
 * the first page_view.
 */
export function announceSignedInUser(): void {
  const session = readSession();
  if (session) pushUserId(session.userId);
}

/**
 * Forgets the cart, wishlist, signed-in shopper and last order, in storage and in memory, without analytics,
 * so one page can serve a fresh simulated shopper (gatsby-browser wires this to `shoplab:reset`). Accounts
 * and order history stay: they belong to the browser, not the visit.
 */
export function resetStore(): void {
  if (!isBrowser) return;
  const wasSignedIn = readSession() !== null;
  for (const key of [CART_STORAGE_KEY, ...VISITOR_STORAGE_KEYS]) {
    try {
      window.localStorage.removeItem(key);
    } catch {
      // Storage disabled: nothing stored to forget.
    }
  }
  clearLastOrder();
  for (const reset of resetters) reset();
  if (wasSignedIn) pushUserId(null);
}

/**
 * Storage now holds another visitor's state (a runner restored a returning shopper's cookies and storage into a
 * reused page; gatsby-browser wires this to `shoplab:visit`): read it as a fresh page load would, and tell the
 * tags who is signed in. No analytics.
 */
export function reloadStore(): void {
  if (!isBrowser) return;
  for (const reload of reloaders) reload();
  announceSignedInUser();
}

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

/** GA4's `price` is the unit price after discount; `discount` is the per-unit amount taken off. */
function discounted(item: events.Ga4Item, coupon: Coupon | undefined): events.Ga4Item {
  if (!coupon || coupon.percentOff === 0) return coupon ? { ...item, coupon: coupon.code } : item;
  const price = events.roundMoney(item.price * (1 - coupon.percentOff / 100));
  return { ...item, price, discount: events.roundMoney(item.price - price), coupon: coupon.code };
}

function itemsOf(lines: readonly CartLine[], coupon?: Coupon): events.Ga4Item[] {
  return lines.map((l) => discounted(lineItem(l), coupon)).slice(0, events.MAX_ITEMS);
}

function couponParam(coupon: Coupon | undefined): string | undefined {
  return coupon?.code;
}

export function StoreProvider({ children }: { children: ReactNode }): React.JSX.Element {
  const [lines, setLines] = useState<readonly CartLine[]>([]);
  const [hydrated, setHydrated] = useState(false);
  const [lastOrder, setLastOrder] = useState<Order | null>(null);
  const [wishlist, setWishlist] = useState<readonly ProductSummary[]>([]);
  const [user, setUser] = useState<Session | null>(null);
  const [allOrders, setAllOrders] = useState<readonly Order[]>([]);
  // Actions read and write through refs so that two actions in one tick see each other's result and each
  // fires its event exactly once (state updaters may run twice under StrictMode).
  const linesRef = useRef<readonly CartLine[]>([]);
  const wishlistRef = useRef<readonly ProductSummary[]>([]);
  const userRef = useRef<Session | null>(null);

  const commit = useCallback((next: readonly CartLine[]) => {
    linesRef.current = next;
    setLines(next);
    writeCart(next);
  }, []);

  const commitWishlist = useCallback((next: readonly ProductSummary[]) => {
    wishlistRef.current = next;
    setWishlist(next);
    writeWishlist(next);
  }, []);

  const commitUser = useCallback((next: Session | null) => {
    userRef.current = next;
    setUser(next);
    writeSession(next);
  }, []);

  // Read storage in a layout effect: the server render and the hydrating render must both show an empty cart,
  // and the stored one must be in place before Gatsby's onRouteUpdate reports the page as settled.
  useIsomorphicLayoutEffect(() => {
    const load = (): void => {
      const stored = readCart();
      linesRef.current = stored;
      setLines(stored);
      setLastOrder(readLastOrder());
      wishlistRef.current = readWishlist();
      setWishlist(wishlistRef.current);
      userRef.current = readSession();
      setUser(userRef.current);
      setAllOrders(readOrders());
    };
    load();
    setHydrated(true);
    const reset = (): void => {
      linesRef.current = [];
      wishlistRef.current = [];
      userRef.current = null;
      setLines([]);
      setWishlist([]);
      setUser(null);
      setLastOrder(null);
    };
    resetters.add(reset);
    reloaders.add(load);
    return () => {
      resetters.delete(reset);
      reloaders.delete(load);
    };
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

  const addToWishlist = useCallback(
    (product: ProductSummary): boolean => {
      if (wishlistRef.current.some((p) => p.id === product.id)) return false;
      commitWishlist([...wishlistRef.current, product]);
      track(() => events.addToWishlist(CURRENCY, toGa4Item(product)));
      return true;
    },
    [commitWishlist],
  );

  const removeFromWishlist = useCallback(
    (productId: string) => commitWishlist(wishlistRef.current.filter((p) => p.id !== productId)),
    [commitWishlist],
  );

  const checkoutItems = useCallback((coupon?: string) => itemsOf(linesRef.current, coupon ? findCoupon(coupon) : undefined), []);

  const addShippingInfo = useCallback((tier: ShippingTierId, code?: string) => {
    const current = linesRef.current;
    if (current.length === 0) return;
    const coupon = code ? findCoupon(code) : undefined;
    track(() => events.addShippingInfo(CURRENCY, itemsOf(current, coupon), tier, couponParam(coupon)));
  }, []);

  const addPaymentInfo = useCallback((paymentType: PaymentTypeId, code?: string) => {
    const current = linesRef.current;
    if (current.length === 0) return;
    const coupon = code ? findCoupon(code) : undefined;
    track(() => events.addPaymentInfo(CURRENCY, itemsOf(current, coupon), paymentType, couponParam(coupon)));
  }, []);

  const placeOrder = useCallback(
    (details: CheckoutDetails, choices?: CheckoutChoices): Order | null => {
      const current = linesRef.current;
      if (current.length === 0) return null;
      const coupon = choices?.coupon ? findCoupon(choices.coupon) : undefined;
      const items = itemsOf(current, coupon);
      const totals = orderTotals(events.itemsValue(items), { tier: choices?.tier, freeShipping: coupon?.freeShipping, freeStandardFrom: freeShippingNudge()?.freeStandardFrom });
      const previous = readOrders();
      const signedIn = userRef.current;
      const order: Order = {
        ...totals,
        transactionId: mintId('T'),
        currency: CURRENCY,
        // The order keeps the prices paid, so the confirmation and a later refund match the purchase.
        lines: current.map((l, i) => ({ ...l, product: { ...l.product, price: items[i]?.price ?? l.product.price } })),
        placedAt: Date.now(),
        customerName: details.fullName.trim(),
        ...(coupon ? { coupon: coupon.code } : {}),
        ...(choices ? { shippingTier: choices.tier, paymentType: choices.paymentType } : {}),
        ...(signedIn ? { userId: signedIn.userId } : {}),
      };
      track(() =>
        events.purchase(CURRENCY, items, {
          transaction_id: order.transactionId,
          shipping: order.shipping,
          tax: order.tax,
          coupon: couponParam(coupon),
          customer_type: previous.length > 0 ? 'returning' : 'new',
        }),
      );
      const orders = [...previous, order];
      writeOrders(orders);
      setAllOrders(orders);
      writeLastOrder(order);
      setLastOrder(order);
      commit([]);
      return order;
    },
    [commit],
  );

  const requestRefund = useCallback((transactionId: string): boolean => {
    const signedIn = userRef.current;
    const stored = readOrders();
    const order = stored.find((o) => o.transactionId === transactionId);
    if (!signedIn || !order || order.userId !== signedIn.userId || order.refundedAt !== undefined) return false;
    const items = order.lines.map((l) => lineItem(l));
    track(() => events.refund(order.currency, order.transactionId, items, order.subtotal));
    const next = stored.map((o) => (o === order ? { ...o, refundedAt: Date.now() } : o));
    writeOrders(next);
    setAllOrders(next);
    return true;
  }, []);

  const signUp = useCallback(
    async (name: string, email: string, password: string): Promise<AccountResult> => {
      const normalized = normalizeEmail(email);
      if (!normalized.includes('@')) return { ok: false, error: 'Enter a valid email address.' };
      if (password.length < 8) return { ok: false, error: 'Use a password of at least 8 characters.' };
      if (readAccounts().some((a) => a.email === normalized)) return { ok: false, error: 'An account with this email already exists. Log in instead.' };
      const salt = newSalt(window.crypto);
      const hash = await hashPassword(window.crypto, password, salt);
      const userId = mintId('U');
      const displayName = name.trim() || 'Shopper';
      // Re-read: another sign-up may have finished while the hash was computed.
      const accounts = readAccounts();
      if (accounts.some((a) => a.email === normalized)) return { ok: false, error: 'An account with this email already exists. Log in instead.' };
      writeAccounts([...accounts, { userId, email: normalized, name: displayName, salt, hash }]);
      commitUser({ userId, name: displayName });
      pushUserId(userId);
      track(() => events.signUp('email'));
      return { ok: true };
    },
    [commitUser],
  );

  const logIn = useCallback(
    async (email: string, password: string): Promise<AccountResult> => {
      const account = readAccounts().find((a) => a.email === normalizeEmail(email));
      const failure: AccountResult = { ok: false, error: 'That email and password do not match an account.' };
      if (!account) return failure;
      const hash = await hashPassword(window.crypto, password, account.salt);
      if (!sameHash(hash, account.hash)) return failure;
      commitUser({ userId: account.userId, name: account.name });
      pushUserId(account.userId);
      track(() => events.login('email'));
      return { ok: true };
    },
    [commitUser],
  );

  const logOut = useCallback(() => {
    if (!userRef.current) return;
    commitUser(null);
    pushUserId(null);
  }, [commitUser]);

  const selectItem = useCallback((list: ListContext, product: ProductSummary, index: number) => {
    track(() => events.selectItem(list, toGa4Item(product, { index, list })));
  }, []);

  const selectPromotion = useCallback((promo: Promotion, product: ProductSummary) => {
    track(() => events.selectPromotion(promo, toGa4Item(product)));
  }, []);

  const viewItemList = useCallback((list: ListContext, products: readonly ProductSummary[], firstIndex = 0) => {
    if (products.length === 0) return;
    const items = products.slice(0, events.MAX_ITEMS).map((p, i) => toGa4Item(p, { index: firstIndex + i, list }));
    trackView(() => events.viewItemList(list, items));
  }, []);

  const viewPromotion = useCallback((promo: Promotion, product: ProductSummary) => {
    trackView(() => events.viewPromotion(promo, toGa4Item(product)));
  }, []);

  const viewOffer = useCallback((offer: StoreOffer) => {
    trackView(() => events.viewPromotion(offer.promotion, offer.item));
  }, []);

  const selectOffer = useCallback((offer: StoreOffer) => {
    track(() => events.selectPromotion(offer.promotion, offer.item));
  }, []);

  const viewItem = useCallback((product: ProductSummary) => {
    trackView(() => events.viewItem(CURRENCY, toGa4Item(product)));
  }, []);

  const viewCart = useCallback(() => {
    const current = linesRef.current;
    if (current.length === 0) return;
    trackView(() => events.viewCart(CURRENCY, itemsOf(current)));
  }, []);

  const beginCheckout = useCallback(() => {
    const current = linesRef.current;
    if (current.length === 0) return;
    trackView(() => events.beginCheckout(CURRENCY, itemsOf(current)));
  }, []);

  const viewSearchResults = useCallback((term: string) => {
    if (!term.trim()) return;
    trackView(() => events.search(term));
  }, []);

  const orders = useMemo(
    () => (user ? allOrders.filter((o) => o.userId === user.userId).sort((a, b) => b.placedAt - a.placedAt) : []),
    [allOrders, user],
  );

  const value = useMemo<StoreValue>(
    () => ({
      hydrated,
      lines,
      count: lines.reduce((n, l) => n + l.quantity, 0),
      subtotal: linesValue(lines),
      lastOrder,
      wishlist,
      user,
      orders,
      addToCart,
      removeFromCart,
      setQuantity,
      clearCart,
      addToWishlist,
      removeFromWishlist,
      checkoutItems,
      addShippingInfo,
      addPaymentInfo,
      placeOrder,
      requestRefund,
      signUp,
      logIn,
      logOut,
      selectItem,
      selectPromotion,
      viewItemList,
      viewPromotion,
      viewOffer,
      selectOffer,
      viewItem,
      viewCart,
      beginCheckout,
      viewSearchResults,
    }),
    [
      hydrated, lines, lastOrder, wishlist, user, orders, addToCart, removeFromCart, setQuantity, clearCart, addToWishlist,
      removeFromWishlist, checkoutItems, addShippingInfo, addPaymentInfo, placeOrder, requestRefund, signUp, logIn, logOut,
      selectItem, selectPromotion, viewItemList, viewPromotion, viewOffer, selectOffer, viewItem, viewCart, beginCheckout, viewSearchResults,
    ],
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
