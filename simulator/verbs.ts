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
  /** From `data-item-brand` when the store provides it. */
  brand?: string;
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

/**
 * Waits while the store is still asking its server for a per-client part of the page (`data-shoplab-pending` on
 * `<html>`, docs/dom-contract.md), so that a step is decided on the page the shopper would see. A store that never
 * answers is judged without that part after a few seconds rather than ending the session.
 */
export async function waitPerClientParts(env: PageEnv): Promise<void> {
  const root = env.doc.documentElement;
  if (!root.dataset.shoplabPending) return;
  try {
    await waitFor(env, () => !root.dataset.shoplabPending, { what: `the store's ${root.dataset.shoplabPending}`, timeout: 5000 });
  } catch {
    // Judged as the page stands.
  }
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
      ...(el.getAttribute('data-item-brand') ? { brand: el.getAttribute('data-item-brand') ?? '' } : {}),
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
export const CHECKOUT_STEPS = ['Continue to shipping method', 'Continue to payment', 'Review order'] as const;

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

/** Top-level category links of the "Main" navigation: category id (from `/category/<id>/`) → link. */
export function categoryLinks(env: PageEnv): Map<string, Element> {
  const nav = queryByRole(env.doc, 'navigation', 'Main') ?? env.doc.querySelector('nav');
  const out = new Map<string, Element>();
  if (!nav) return out;
  for (const a of Array.from(nav.querySelectorAll('a[href]'))) {
    const m = /\/category\/([^/?#]+)\/?$/.exec(a.getAttribute('href') ?? '');
    if (m?.[1] && !out.has(m[1])) out.set(m[1], a);
  }
  return out;
}

/** Opens a top-level category from the main navigation. */
export async function browseCategory(env: PageEnv, categoryId: string): Promise<void> {
  const link = categoryLinks(env).get(categoryId);
  if (!link) throw new SimulationError(`the main navigation has no link to category "${categoryId}"`);
  await navigating(env, `opening category ${categoryId}`, () => click(env, link));
  if (pageKind(env) !== 'category') throw new SimulationError(`opening category ${categoryId} led to a ${pageKind(env)} page`);
}

/** The store's search box (docs/dom-contract.md "Search"), or null when the store has none. */
export function searchBox(env: PageEnv): HTMLInputElement | null {
  const el = queryByRole(env.doc, 'searchbox', 'Search') ?? queryByRole(env.doc, 'textbox', 'Search');
  return el instanceof env.win.HTMLInputElement ? el : null;
}

/** Types a query into the search box key by key and submits it with Enter; lands on the results page. */
export async function search(env: PageEnv, term: string): Promise<void> {
  const box = searchBox(env);
  if (!box) throw new SimulationError('the store has no search box (a searchbox or textbox named "Search")');
  typeText(env, box, term);
  const form = box.form;
  await navigating(env, `searching for "${term}"`, () => {
    pressEnter(env, box);
    if (form) form.requestSubmit();
  });
  if (pageKind(env) !== 'search') throw new SimulationError(`searching for "${term}" led to a ${pageKind(env)} page`);
}

function nextPageControl(env: PageEnv): Element | null {
  const main = env.doc.querySelector('main') ?? env.doc;
  const link = queryByRole(main, 'link', /^next( page)?$/i);
  if (link) return link;
  const button = queryByRole(main, 'button', /^next( page)?$/i);
  return button && !(button as HTMLButtonElement).disabled ? button : null;
}

export function hasNextPage(env: PageEnv): boolean {
  return nextPageControl(env) !== null;
}

/**
 * Moves a paged list on by one page: a "Next page" link navigates (and the route settles); a "Next page" button
 * re-renders the list in place, so the verb waits for the list's items to change. False when there is no next page.
 */
export async function nextPage(env: PageEnv): Promise<boolean> {
  const control = nextPageControl(env);
  if (!control) return false;
  if (control.tagName === 'A') {
    await navigating(env, 'opening the next page', () => click(env, control));
    return true;
  }
  const firstItem = (): string => env.doc.querySelector('main [data-list-id] [data-item-id]')?.getAttribute('data-item-id') ?? '';
  const before = firstItem();
  click(env, control);
  await waitFor(env, () => firstItem() !== before, { what: 'the next page of the list', timeout: SETTLE_TIMEOUT_MS });
  return true;
}

/** Removes the cart line of `itemId` with its "Remove" button; the cart count must drop. */
export async function removeFromCart(env: PageEnv, itemId: string): Promise<void> {
  const line = env.doc.querySelector(`[data-cart-line][data-item-id="${CSS.escape(itemId)}"]`);
  if (!line) throw new SimulationError(`the cart has no line for ${itemId}`);
  const before = cartCount(env);
  const button = await findByRole(env, 'button', 'Remove', line);
  click(env, button);
  await waitFor(env, () => cartCount(env) < before, { what: 'the cart count to drop', timeout: SETTLE_TIMEOUT_MS });
}

export interface CartLine {
  itemId: string;
  quantity: number;
  price: number;
}

export function cartLines(env: PageEnv): CartLine[] {
  return Array.from(env.doc.querySelectorAll('[data-cart-line][data-item-id]')).map((el) => ({
    itemId: el.getAttribute('data-item-id') ?? '',
    quantity: Number(el.getAttribute('data-quantity') ?? '1'),
    price: Number(el.getAttribute('data-item-price') ?? 'NaN'),
  }));
}

/** The standard shipping charge the cart shows (`data-cart-shipping`, docs/dom-contract.md); 0 when it shows none. */
export function cartShipping(env: PageEnv): number {
  const v = Number(env.doc.querySelector('[data-cart-shipping]')?.getAttribute('data-cart-shipping') ?? '0');
  return Number.isFinite(v) ? v : 0;
}

export interface Credentials {
  email: string;
  password: string;
  fullName?: string;
}

/** Where the shopper keeps the account they made in this store: their own memory, kept with the browser. */
const ACCOUNT_KEY = 'shoplab:sim-account';

const LOGIN_NAME = /^log ?in$/i;
const SIGNUP_NAME = /^(sign ?up|create (an )?account)$/i;

/**
 * Opens the account form and submits it; the store answers by navigating. The login page is linked from the
 * main navigation ("Log in"), the sign-up page from the login page ("Create an account") — docs/dom-contract.md
 * "Accounts"; fails with a clear reason when a link, field or button is missing.
 */
async function accountForm(env: PageEnv, kind: 'login' | 'signup', c: Credentials): Promise<void> {
  if (pageKind(env) !== kind && pageKind(env) !== 'login') {
    const link = queryByRole(env.doc, 'link', LOGIN_NAME);
    if (!link) throw new SimulationError('the store has no "Log in" link');
    await navigating(env, 'opening the login page', () => click(env, link));
  }
  if (kind === 'signup' && pageKind(env) !== 'signup') {
    const link = queryByRole(env.doc.querySelector('main') ?? env.doc, 'link', SIGNUP_NAME);
    if (!link) throw new SimulationError('the login page has no "Create an account" link');
    await navigating(env, 'opening sign up', () => click(env, link));
  }
  const main = env.doc.querySelector('main') ?? undefined;
  if (kind === 'signup') typeInto(env, await findByRole(env, 'textbox', /^(full )?name$/i, main, SETTLE_TIMEOUT_MS), c.fullName ?? c.email.split('@')[0] ?? 'Shopper');
  typeInto(env, await findByRole(env, 'textbox', 'Email', main, SETTLE_TIMEOUT_MS), c.email);
  const password = env.doc.querySelector('main input[type="password"]');
  if (!(password instanceof env.win.HTMLInputElement)) throw new SimulationError(`the ${kind} form has no password field`);
  typeText(env, password, c.password);
  const submit = await findByRole(env, 'button', kind === 'login' ? LOGIN_NAME : SIGNUP_NAME, main);
  // The store navigates on success and announces an alert on refusal (an unknown email, a taken one).
  const refusal = (): string => env.doc.querySelector('main [role="alert"]')?.textContent?.trim() ?? '';
  const before = navCounter(env);
  click(env, submit);
  await waitFor(env, () => navCounter(env) > before || refusal(), { what: `the store's answer to ${kind}`, timeout: SETTLE_TIMEOUT_MS });
  if (navCounter(env) <= before) throw new SimulationError(`${kind} was refused: ${refusal()}`);
}

export const logIn = (env: PageEnv, c: Credentials): Promise<void> => accountForm(env, 'login', c);

/** Signs up and remembers the account with the browser, so that a later visit can log in with it. */
export async function signUp(env: PageEnv, c: Credentials): Promise<void> {
  await accountForm(env, 'signup', c);
  try {
    env.win.localStorage.setItem(ACCOUNT_KEY, JSON.stringify({ email: c.email, password: c.password }));
  } catch {
    // Storage disabled: the shopper will not remember the account next time.
  }
}

/** The account this browser's shopper made here earlier, if any. */
export function rememberedAccount(env: PageEnv): Credentials | undefined {
  try {
    const v = JSON.parse(env.win.localStorage.getItem(ACCOUNT_KEY) ?? 'null') as Partial<Credentials> | null;
    return v && typeof v.email === 'string' && typeof v.password === 'string' ? { email: v.email, password: v.password } : undefined;
  } catch {
    return undefined;
  }
}

/** The store shows a signed-in shopper: its main navigation links to "Account" instead of "Log in". */
export function signedIn(env: PageEnv): boolean {
  const nav = queryByRole(env.doc, 'navigation', 'Main') ?? env.doc.querySelector('nav');
  return !!nav && !!queryByRole(nav, 'link', /^account$/i);
}

function typeInto(env: PageEnv, el: Element, text: string): void {
  if (!(el instanceof env.win.HTMLInputElement || el instanceof env.win.HTMLTextAreaElement)) throw new SimulationError('expected a text field');
  typeText(env, el, text);
}

function pressEnter(env: PageEnv, el: Element): void {
  const init = { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true, composed: true };
  el.dispatchEvent(new env.win.KeyboardEvent('keydown', init));
  el.dispatchEvent(new env.win.KeyboardEvent('keyup', init));
}
