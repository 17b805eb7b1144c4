/**
 * GA4's rules for the store's dataLayer pushes (REFERENCE-GA4.md §1), written independently of ga4/events.ts
 * so that a builder that drops a required parameter is caught here rather than trusted. Each check returns
 * the list of broken rules; an empty list means GA4 would accept the event as Google documents it.
 */
import { ECOMMERCE_EVENTS } from '../ga4/events';

export interface PushedItem {
  item_id?: string;
  item_name?: string;
  price?: number;
  quantity?: number;
  index?: number;
  item_list_id?: string;
  item_list_name?: string;
  [key: string]: unknown;
}

export interface Pushed {
  event?: string;
  ecommerce?: ({ items?: PushedItem[] } & Record<string, unknown>) | null;
  [key: string]: unknown;
}

/** Event-level parameters Google requires or that this store always sends, per event. */
export const REQUIRED: Record<string, readonly string[]> = {
  view_item_list: ['item_list_id', 'item_list_name', 'items'],
  select_item: ['item_list_id', 'item_list_name', 'items'],
  view_item: ['currency', 'value', 'items'],
  add_to_cart: ['currency', 'value', 'items'],
  remove_from_cart: ['currency', 'value', 'items'],
  view_cart: ['currency', 'value', 'items'],
  add_to_wishlist: ['currency', 'value', 'items'],
  begin_checkout: ['currency', 'value', 'items'],
  add_shipping_info: ['currency', 'value', 'shipping_tier', 'items'],
  add_payment_info: ['currency', 'value', 'payment_type', 'items'],
  purchase: ['currency', 'value', 'transaction_id', 'shipping', 'tax', 'items'],
  refund: ['currency', 'value', 'transaction_id', 'items'],
  view_promotion: ['promotion_id', 'promotion_name', 'creative_name', 'creative_slot', 'items'],
  select_promotion: ['promotion_id', 'promotion_name', 'creative_name', 'creative_slot', 'items'],
  search: ['search_term'],
  login: ['method'],
  sign_up: ['method'],
};

/** Events whose `items` must hold exactly one element. */
const SINGLE_ITEM = new Set(['select_item', 'view_item', 'add_to_wishlist', 'view_promotion', 'select_promotion']);
/** Item fields the store always fills, on top of GA4's item_id-or-item_name. */
const ITEM_FIELDS = ['item_id', 'item_name', 'item_brand', 'item_category', 'item_category2', 'price', 'quantity'] as const;

const isEcommerce = (name: string): boolean => (ECOMMERCE_EVENTS as readonly string[]).includes(name);
const cents = (n: number): number => Math.round(n * 100);

/** Checks the push at `index` of a dataLayer, including the `{ ecommerce: null }` that must precede it. */
export function ga4Violations(layer: readonly Pushed[], index: number): string[] {
  const push = layer[index];
  const name = push?.event;
  if (!push || typeof name !== 'string') return [`no event at dataLayer[${index}]`];
  const out: string[] = [];
  const required = REQUIRED[name];
  if (!required) return [`${name}: not a GA4 recommended ecommerce event`];
  if (!isEcommerce(name)) {
    for (const key of required) if (typeof push[key] !== 'string' || push[key] === '') out.push(`${name}: ${key} missing or empty`);
    return out;
  }
  const previous = layer[index - 1];
  if (!previous || !('ecommerce' in previous) || previous.ecommerce !== null || previous.event !== undefined) {
    out.push(`${name}: not preceded by { ecommerce: null }`);
  }
  const ec = push.ecommerce;
  if (!ec) return [...out, `${name}: no ecommerce object`];
  for (const key of required) {
    const v = ec[key];
    if (v === undefined || v === null || v === '') out.push(`${name}: ${key} missing`);
  }
  const items = Array.isArray(ec.items) ? ec.items : [];
  if (ec.items !== undefined && !Array.isArray(ec.items)) out.push(`${name}: items is not an array`);
  if (required.includes('items') && items.length === 0) out.push(`${name}: items empty`);
  if (items.length > 200) out.push(`${name}: more than 200 items`);
  if (SINGLE_ITEM.has(name) && items.length !== 1) out.push(`${name}: items must hold exactly one element, has ${items.length}`);
  if ('value' in ec || 'currency' in ec) {
    if (typeof ec.currency !== 'string' || !/^[A-Z]{3}$/.test(ec.currency)) out.push(`${name}: currency not ISO 4217`);
    if (typeof ec.value !== 'number') out.push(`${name}: value not a number`);
    else {
      const sum = items.reduce((s, it) => s + (it.price ?? 0) * (it.quantity ?? 1), 0);
      if (cents(sum) !== cents(ec.value)) out.push(`${name}: value ${ec.value} ≠ Σ price × quantity ${sum.toFixed(2)}`);
    }
  }
  if ('transaction_id' in ec || required.includes('transaction_id')) {
    if (typeof ec.transaction_id !== 'string' || !ec.transaction_id.trim()) out.push(`${name}: transaction_id empty`);
  }
  items.forEach((it, i) => {
    for (const key of ITEM_FIELDS) if (it[key] === undefined || it[key] === '') out.push(`${name}: items[${i}].${key} missing`);
    if (typeof it.price !== 'number' || !(it.price >= 0)) out.push(`${name}: items[${i}].price not a non-negative number`);
    if (!Number.isInteger(it.quantity) || (it.quantity ?? 0) < 1) out.push(`${name}: items[${i}].quantity not a positive integer`);
    if (name === 'view_item_list' || name === 'select_item') {
      if (it.item_list_id !== ec.item_list_id) out.push(`${name}: items[${i}].item_list_id differs from the event's`);
      if (!Number.isInteger(it.index)) out.push(`${name}: items[${i}].index missing`);
    }
  });
  return out;
}
