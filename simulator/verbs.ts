/**
 * Shopping verbs: what a shopper does, each built from DOM actions and each waiting until the store has
 * settled after it. Behaviours and personas call only this layer.
 */
import { SimulationError, type PageEnv } from './dom/env';
import { click } from './dom/pointer';
import { typeText } from './dom/keyboard';
import { scrollTo } from './dom/scroll';
import { findByRole, queryByRole, waitFor } from './dom/query';

export interface ListedItem {
  el: Element;
  link: Element;
  itemId: string;
  price: number;
  category: string;
  listId: string;
}

/** Real milliseconds a verb waits for the store before the session ends with a reason. */
export const SETTLE_TIMEOUT_MS = 10_000;

export function pageKind(env: PageEnv): string {
  return env.doc.querySelector('main[data-shoplab-page]')?.getAttribute('data-shoplab-page') ?? 'unknown';
}

function navCounter(env: PageEnv): number {
  return Number(env.doc.documentElement.dataset.shoplabNav ?? '0');
}

/** Waits until the store reports a rendered route (docs/dom-contract.md "route settled"). */
export async function waitSettled(env: PageEnv): Promise<void> {
  await waitFor(env, () => navCounter(env) > 0 && env.doc.querySelector('main[data-shoplab-page]'), {
    what: 'the store to finish loading',
    timeout: SETTLE_TIMEOUT_MS,
  });
}

/** Runs an action that navigates, then waits for the route change it causes to settle. */
export async function navigating(env: PageEnv, what: string, act: () => void): Promise<void> {
  const before = navCounter(env);
  act();
  await waitFor(env, () => navCounter(env) > before, { what: `navigation after ${what}`, timeout: SETTLE_TIMEOUT_MS });
}

export function listedItems(env: PageEnv): ListedItem[] {
  const out: ListedItem[] = [];
  for (const el of Array.from(env.doc.querySelectorAll('main [data-list-id] [data-item-id]'))) {
    const link = el.querySelector('a[href]');
    const list = el.closest('[data-list-id]');
    if (!link || !list) continue;
    out.push({
      el,
      link,
      itemId: el.getAttribute('data-item-id') ?? '',
      price: Number(el.getAttribute('data-item-price')),
      category: el.getAttribute('data-item-category') ?? '',
      listId: list.getAttribute('data-list-id') ?? '',
    });
  }
  return out;
}

export function scrollPage(env: PageEnv, fraction: number): number {
  return scrollTo(env, fraction);
}

export async function openItem(env: PageEnv, item: ListedItem): Promise<void> {
  await navigating(env, `opening ${item.itemId}`, () => click(env, item.link));
  if (pageKind(env) !== 'product') throw new SimulationError(`opening ${item.itemId} led to a ${pageKind(env)} page`);
}

export interface ProductOnPage {
  itemId: string;
  price: number;
  category: string;
}

export function productOnPage(env: PageEnv): ProductOnPage {
  const art = env.doc.querySelector('main[data-shoplab-page="product"] [data-item-id]');
  if (!art) throw new SimulationError('not on a product page');
  return {
    itemId: art.getAttribute('data-item-id') ?? '',
    price: Number(art.getAttribute('data-item-price')),
    category: art.getAttribute('data-item-category') ?? '',
  };
}

function cartCount(env: PageEnv): number {
  return Number(env.doc.querySelector('[data-shoplab="cart-link"]')?.getAttribute('data-cart-count') ?? '0');
}

export async function addToCart(env: PageEnv, quantity: number): Promise<void> {
  const before = cartCount(env);
  const qty = queryByRole(env.doc, 'spinbutton', 'Quantity') ?? queryByRole(env.doc, 'textbox', 'Quantity');
  if (quantity !== 1 && qty instanceof env.win.HTMLInputElement) typeText(env, qty, String(quantity));
  const button = await findByRole(env, 'button', 'Add to cart');
  click(env, button);
  await waitFor(env, () => cartCount(env) > before, { what: 'the cart count to rise', timeout: SETTLE_TIMEOUT_MS });
}

export function cartSize(env: PageEnv): number {
  return cartCount(env);
}

export async function goToCart(env: PageEnv): Promise<void> {
  const link = env.doc.querySelector('[data-shoplab="cart-link"]') ?? (await findByRole(env, 'link', /^cart/i));
  await navigating(env, 'opening the cart', () => click(env, link));
}

export async function startCheckout(env: PageEnv): Promise<void> {
  const el = queryByRole(env.doc, 'link', 'Checkout') ?? (await findByRole(env, 'button', 'Checkout'));
  await navigating(env, 'starting checkout', () => click(env, el));
}

export interface CheckoutDetails {
  fullName: string;
  email: string;
  address: string;
  city: string;
  postalCode: string;
}

export async function fillCheckout(env: PageEnv, d: CheckoutDetails): Promise<void> {
  const fields: [string, string][] = [
    ['Full name', d.fullName],
    ['Email', d.email],
    ['Address', d.address],
    ['City', d.city],
    ['Postal code', d.postalCode],
  ];
  for (const [label, value] of fields) {
    const el = await findByRole(env, 'textbox', label);
    if (!(el instanceof env.win.HTMLInputElement || el instanceof env.win.HTMLTextAreaElement)) {
      throw new SimulationError(`the "${label}" field is not a text input`);
    }
    typeText(env, el, value);
  }
}

/** The checkout's step buttons before "Place order" (docs/dom-contract.md "Checkout"), in order. */
const CHECKOUT_STEPS = ['Continue to shipping method', 'Continue to payment', 'Review order'] as const;

export async function placeOrder(env: PageEnv): Promise<string> {
  // Walks address → shipping method → payment → review with the preselected choices, then places the order.
  for (const name of CHECKOUT_STEPS) {
    const step = queryByRole(env.doc, 'button', name);
    if (!step) continue;
    click(env, step);
    await waitFor(env, () => !queryByRole(env.doc, 'button', name), { what: `the checkout step after "${name}"`, timeout: SETTLE_TIMEOUT_MS });
  }
  const button = await findByRole(env, 'button', 'Place order');
  await navigating(env, 'placing the order', () => click(env, button));
  const order = await waitFor(env, () => env.doc.querySelector('main[data-shoplab-page="order"][data-transaction-id]'), {
    what: 'the order confirmation',
    timeout: SETTLE_TIMEOUT_MS,
  });
  return order.getAttribute('data-transaction-id') ?? '';
}

export async function goBack(env: PageEnv): Promise<void> {
  await navigating(env, 'going back', () => env.win.history.back());
}

export async function goHome(env: PageEnv): Promise<void> {
  const link = await findByRole(env, 'link', 'Home', env.doc.querySelector('nav') ?? undefined);
  await navigating(env, 'going home', () => click(env, link));
}
