/**
 * The event contract: one typed interface per GA4 recommended event, paired with one builder that returns the
 * GTM dataLayer form of that event. Components never write dataLayer literals; they call these builders.
 *
 * Facts from Google's GA4 docs: `currency` accompanies `value`; `value` is Σ price × quantity over the items
 * (no shipping, no tax); `items` holds at most 200 entries; `purchase` needs a non-empty `transaction_id`.
 */

/** One product as GA4 expects it inside `items`. `price` is the unit price after discount. */
export interface Ga4Item {
  item_id: string;
  item_name: string;
  affiliation?: string;
  coupon?: string;
  discount?: number;
  index?: number;
  item_brand?: string;
  item_category?: string;
  item_category2?: string;
  item_category3?: string;
  item_category4?: string;
  item_category5?: string;
  item_list_id?: string;
  item_list_name?: string;
  item_variant?: string;
  location_id?: string;
  price: number;
  /** Defaults to 1 in GA4 when absent; builders always set it. */
  quantity: number;
  promotion_id?: string;
  promotion_name?: string;
  creative_name?: string;
  creative_slot?: string;
}

export const MAX_ITEMS = 200;

/** The ecommerce events whose params live inside the `ecommerce` object of a dataLayer push. */
export const ECOMMERCE_EVENTS = [
  'view_item_list',
  'select_item',
  'view_item',
  'add_to_cart',
  'remove_from_cart',
  'view_cart',
  'add_to_wishlist',
  'begin_checkout',
  'add_shipping_info',
  'add_payment_info',
  'purchase',
  'refund',
  'view_promotion',
  'select_promotion',
] as const;
export type EcommerceEventName = (typeof ECOMMERCE_EVENTS)[number];

/** Events whose params sit at the top level of the push. */
export const PLAIN_EVENTS = ['search', 'login', 'sign_up'] as const;
export type PlainEventName = (typeof PLAIN_EVENTS)[number];

export type StoreEventName = EcommerceEventName | PlainEventName;

export interface EcommerceParams {
  currency?: string;
  value?: number;
  item_list_id?: string;
  item_list_name?: string;
  transaction_id?: string;
  coupon?: string;
  shipping?: number;
  tax?: number;
  shipping_tier?: string;
  payment_type?: string;
  customer_type?: 'new' | 'returning';
  creative_name?: string;
  creative_slot?: string;
  promotion_id?: string;
  promotion_name?: string;
  items: Ga4Item[];
}

/** What a builder returns for an ecommerce event: the second of the two pushes GTM expects. */
export interface EcommercePush {
  event: EcommerceEventName;
  ecommerce: EcommerceParams;
}

export interface PlainPush {
  event: PlainEventName;
  [param: string]: string | number | undefined;
}

export type StorePush = EcommercePush | PlainPush;

/** Thrown when a builder is asked for an event GA4 would not accept. */
export class Ga4ContractError extends Error {
  constructor(event: string, reason: string) {
    super(`${event}: ${reason}`);
    this.name = 'Ga4ContractError';
  }
}

/** Rounds money to cents so that sums of floats compare equal to what a person would add up. */
export function roundMoney(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Σ price × quantity over the items, the way GA4 defines `value`. */
export function itemsValue(items: readonly Ga4Item[]): number {
  return roundMoney(items.reduce((sum, it) => sum + it.price * it.quantity, 0));
}

function checkItems(event: string, items: readonly Ga4Item[], single = false): void {
  if (items.length === 0) throw new Ga4ContractError(event, 'items must not be empty');
  if (items.length > MAX_ITEMS) throw new Ga4ContractError(event, `items holds at most ${MAX_ITEMS} entries`);
  if (single && items.length !== 1) throw new Ga4ContractError(event, 'items must hold exactly one element');
  for (const it of items) {
    if (!it.item_id && !it.item_name) throw new Ga4ContractError(event, 'every item needs item_id or item_name');
    if (!Number.isFinite(it.price) || it.price < 0) throw new Ga4ContractError(event, `bad price for ${it.item_id}`);
    if (!Number.isInteger(it.quantity) || it.quantity < 1) {
      throw new Ga4ContractError(event, `quantity must be a positive integer for ${it.item_id}`);
    }
  }
}

function checkCurrency(event: string, currency: string): void {
  if (!/^[A-Z]{3}$/.test(currency)) throw new Ga4ContractError(event, `currency must be ISO 4217, got "${currency}"`);
}

function valued(event: EcommerceEventName, currency: string, items: Ga4Item[], extra: Partial<EcommerceParams> = {}): EcommercePush {
  checkCurrency(event, currency);
  checkItems(event, items);
  return { event, ecommerce: { currency, value: itemsValue(items), ...extra, items } };
}

export interface ListContext {
  item_list_id: string;
  item_list_name: string;
}

export function viewItemList(list: ListContext, items: Ga4Item[]): EcommercePush {
  checkItems('view_item_list', items);
  return { event: 'view_item_list', ecommerce: { ...list, items } };
}

export function selectItem(list: ListContext, item: Ga4Item): EcommercePush {
  const items = [item];
  checkItems('select_item', items, true);
  return { event: 'select_item', ecommerce: { ...list, items } };
}

export function viewItem(currency: string, item: Ga4Item): EcommercePush {
  return valued('view_item', currency, [item]);
}

export function addToCart(currency: string, items: Ga4Item[]): EcommercePush {
  return valued('add_to_cart', currency, items);
}

export function removeFromCart(currency: string, items: Ga4Item[]): EcommercePush {
  return valued('remove_from_cart', currency, items);
}

export function viewCart(currency: string, items: Ga4Item[]): EcommercePush {
  return valued('view_cart', currency, items);
}

export function addToWishlist(currency: string, item: Ga4Item): EcommercePush {
  return valued('add_to_wishlist', currency, [item]);
}

export function beginCheckout(currency: string, items: Ga4Item[], coupon?: string): EcommercePush {
  return valued('begin_checkout', currency, items, coupon ? { coupon } : {});
}

export function addShippingInfo(currency: string, items: Ga4Item[], shippingTier: string, coupon?: string): EcommercePush {
  if (!shippingTier) throw new Ga4ContractError('add_shipping_info', 'shipping_tier must not be empty');
  return valued('add_shipping_info', currency, items, { shipping_tier: shippingTier, ...(coupon ? { coupon } : {}) });
}

export function addPaymentInfo(currency: string, items: Ga4Item[], paymentType: string, coupon?: string): EcommercePush {
  if (!paymentType) throw new Ga4ContractError('add_payment_info', 'payment_type must not be empty');
  return valued('add_payment_info', currency, items, { payment_type: paymentType, ...(coupon ? { coupon } : {}) });
}

export interface PurchaseDetails {
  transaction_id: string;
  shipping?: number;
  tax?: number;
  coupon?: string;
  customer_type?: 'new' | 'returning';
}

export function purchase(currency: string, items: Ga4Item[], details: PurchaseDetails): EcommercePush {
  if (!details.transaction_id.trim()) throw new Ga4ContractError('purchase', 'transaction_id must not be empty');
  return valued('purchase', currency, items, stripUndefined({ ...details }));
}

export function refund(currency: string, transactionId: string, items: Ga4Item[], value: number): EcommercePush {
  if (!transactionId.trim()) throw new Ga4ContractError('refund', 'transaction_id must not be empty');
  checkCurrency('refund', currency);
  return { event: 'refund', ecommerce: { currency, value: roundMoney(value), transaction_id: transactionId, items } };
}

export interface Promotion {
  promotion_id: string;
  promotion_name: string;
  creative_name?: string;
  creative_slot?: string;
}

export function viewPromotion(promo: Promotion, item: Ga4Item): EcommercePush {
  checkItems('view_promotion', [item], true);
  return { event: 'view_promotion', ecommerce: { ...stripUndefined({ ...promo }), items: [item] } };
}

export function selectPromotion(promo: Promotion, item: Ga4Item): EcommercePush {
  checkItems('select_promotion', [item], true);
  return { event: 'select_promotion', ecommerce: { ...stripUndefined({ ...promo }), items: [item] } };
}

export function search(searchTerm: string): PlainPush {
  const term = searchTerm.trim();
  if (!term) throw new Ga4ContractError('search', 'search_term must not be empty');
  return { event: 'search', search_term: term.slice(0, 100) };
}

export function login(method: string): PlainPush {
  return { event: 'login', method };
}

export function signUp(method: string): PlainPush {
  return { event: 'sign_up', method };
}

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function isEcommercePush(p: StorePush): p is EcommercePush {
  return (ECOMMERCE_EVENTS as readonly string[]).includes(p.event);
}
