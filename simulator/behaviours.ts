/**
 * Behaviours and the persona policy: what a shopper does next, decided from who they are (persona), why they
 * came (intent, goal), what they have seen (memory) and what is on the page. The policy is a state machine over
 * plain JSON memory so that a session survives a full page load: the engine persists memory and the RNG after
 * every step and calls `decide` again on the next page.
 *
 * Behaviours: search for an item of need, look around with no direct need, research the candidates for a need
 * and go back to the best of them, hesitate, go back when not convinced, leave when no need is met, abandon the
 * cart, buy. Each decision returns one step — a
 * shopping verb with the dwell time to spend before it — or the end of the session.
 */
import type { PageEnv } from './dom/env';
import { applyOfferCode, noticeOffer, offerTotal, type OfferMemory } from './offers';
import { brandWeight, interestIn, type Device, type Persona } from './personas';
import { noticeRecommended, type RecommendedMemory } from './recommended';
import type { Rng } from './rng';
import * as verbs from './verbs';

export type Intent = 'buy' | 'browse';
export type Outcome = 'purchase' | 'cart-abandoned' | 'bounce' | 'browsed' | 'error' | 'stopped';

/** A specific item the shopper came for (a goal-directed session). */
export interface Goal {
  itemId: string;
  /** Its top-level category id, when known; otherwise categories are tried in order of interest. */
  category?: string;
  /** What to type into the search box, when the store has one and the shopper prefers searching. */
  query?: string;
}

type Phase =
  | 'land'
  | 'seek'
  | 'pick'
  | 'consider'
  | 'decide'
  | 'reopen'
  | 'after-add'
  | 'wander'
  | 'cart'
  | 'cart-decide'
  | 'checkout'
  | 'place'
  | 'placed';

interface Seen {
  itemId: string;
  price: number;
  category: string;
  appeal: number;
}

/** Everything the policy remembers within a session; plain JSON, persisted across page loads. */
export interface Memory extends OfferMemory, RecommendedMemory {
  phase: Phase;
  bouncing?: boolean;
  need?: string;
  searched?: boolean;
  triedCategories: string[];
  viewsLeft: number;
  viewed: string[];
  /** With a need (intent 'buy'): how many items the shopper wants to have looked at before choosing one. */
  research: number;
  /** The most appealing item looked at so far in a researched need. */
  best?: Seen;
  hesitated?: boolean;
  /** Set while hesitating: whether the shopper is still convinced when they decide again. */
  afterHesitation?: boolean;
  reopen?: string;
  transactionId?: string;
  /** The shopper was offered (and took or declined) an account after buying. */
  accountOffered?: boolean;
}

export interface Step {
  action: string;
  /** Median dwell before the action in ms, before the persona's patience and device scale it. */
  dwellMs: number;
  act: () => unknown;
  itemId?: string;
  price?: number;
  category?: string;
  detail?: string;
}

export interface End {
  end: Outcome;
  reason: string;
  transactionId?: string;
}

export interface PolicyContext {
  env: PageEnv;
  rng: Rng;
  persona: Persona;
  intent: Intent;
  goal?: Goal;
  mem: Memory;
}

/** How the device shapes a session: phones read faster, look at fewer items and finish checkout less often. */
export const DEVICE_EFFECTS: Record<Device, { dwell: number; views: number; checkout: number; bounce: number }> = {
  desktop: { dwell: 1.1, views: 1.25, checkout: 1.3, bounce: 0.85 },
  tablet: { dwell: 1, views: 1, checkout: 1, bounce: 1 },
  mobile: { dwell: 0.85, views: 0.75, checkout: 0.7, bounce: 1.12 },
};

const FAKE_FIRST = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Morgan', 'Casey', 'Robin', 'Jamie'];
const FAKE_LAST = ['Kim', 'Rivera', 'Lee', 'Chen', 'Patel', 'Novak', 'Okafor', 'Schmidt'];
const FAKE_CITIES = ['Springfield', 'Riverton', 'Lakeside', 'Fairview', 'Georgetown'];

export function initialMemory(persona: Persona, intent: Intent, rng: Rng): Memory {
  const t = persona.traits;
  const dev = DEVICE_EFFECTS[persona.demographics.device];
  // Someone with a need researches before choosing: the more price-conscious and the less impulsive, the more
  // candidates they look at. Someone only looking around opens the few items that catch their eye.
  const base = intent === 'buy' ? 4 * (0.6 + t.priceSensitivity) * (1.2 - t.impulsiveness) : 1.9;
  const views = Math.min(15, Math.max(1, Math.round(rng.logNormal(base * t.patience * dev.views, 0.45))));
  return { phase: 'land', triedCategories: [], viewsLeft: views, viewed: [], research: intent === 'buy' ? views : 0 };
}

const end = (outcome: Outcome, reason: string, transactionId?: string): End => (transactionId ? { end: outcome, reason, transactionId } : { end: outcome, reason });

/** Time to type `text` for this shopper: older shoppers type a little slower (ms per key). */
export function typingMs(persona: Persona, text: string): number {
  return text.length * (140 + 3 * Math.max(0, persona.demographics.age - 20));
}

/** 0..1: how much an item appeals — interest in its category and brand, and its price against the budget. */
export function appeal(persona: Persona, item: { price: number; category: string; brand?: string }): number {
  const interests = Object.values(persona.interests);
  const top = Math.max(persona.baseline ?? 0.1, ...interests);
  const interest = top > 0 ? interestIn(persona, item.category) / top : 0;
  const over = Math.max(0, item.price / persona.budget - 1);
  const price = Math.exp(-persona.traits.priceSensitivity * 2.2 * over);
  return Math.min(1, (0.35 + 0.65 * interest) * price * Math.min(1.5, brandWeight(persona, item.brand)));
}

/** Weights listed items by interest and, for the price-sensitive, by cheapness relative to the list. */
export function chooseItem(persona: Persona, rng: Rng, items: verbs.ListedItem[]): verbs.ListedItem | undefined {
  if (items.length === 0) return undefined;
  const prices = items.map((i) => i.price).sort((a, b) => a - b);
  const median = prices[Math.floor(prices.length / 2)] || 1;
  const ps = persona.traits.priceSensitivity;
  const weights = items.map(
    (i) => interestIn(persona, i.category) ** 1.5 * brandWeight(persona, i.brand) * Math.exp(-ps * 2 * (i.price / median)) * Math.exp(-ps * Math.max(0, i.price / persona.budget - 1)),
  );
  const idx = rng.weightedIndex(weights);
  return idx < 0 ? undefined : items[idx];
}

function pickCategory(ctx: PolicyContext, exclude: readonly string[] = []): string | undefined {
  const available = [...verbs.categoryLinks(ctx.env).keys()].filter((c) => !exclude.includes(c));
  const idx = ctx.rng.weightedIndex(available.map((c) => interestIn(ctx.persona, c) ** 1.5));
  return idx < 0 ? undefined : available[idx];
}

function categoryTerm(ctx: PolicyContext, category: string): string {
  const name = verbs.categoryLinks(ctx.env).get(category)?.textContent ?? category;
  const words = name.toLowerCase().split(/[^a-z0-9-]+/).filter((w) => w.length > 2);
  return words.length ? ctx.rng.pick(words) : category;
}

function leaveOrCart(ctx: PolicyContext, reason: string): End | Step {
  if (verbs.cartSize(ctx.env) > 0) {
    ctx.mem.phase = 'cart-decide';
    return { action: 'view-cart', dwellMs: 3000, act: () => verbs.goToCart(ctx.env) };
  }
  return end('browsed', reason);
}

const isList = (page: string): boolean => page === 'home' || page === 'category' || page === 'search';

/** The persona policy: the next step of the session, or its end. */
export function decide(ctx: PolicyContext): Step | End {
  const { env, rng, persona, intent, goal, mem } = ctx;
  const t = persona.traits;
  const dev = DEVICE_EFFECTS[persona.demographics.device];
  const page = verbs.pageKind(env);
  // After a full page load (or a navigation that did not land where it was meant to), re-orient on the page.
  if ((mem.phase === 'consider' || mem.phase === 'decide') && page !== 'product') mem.phase = intent === 'buy' || goal ? 'pick' : 'wander';
  if (mem.phase === 'cart-decide' && page !== 'cart') mem.phase = 'cart';
  if ((mem.phase === 'checkout' || mem.phase === 'place') && page !== 'checkout') mem.phase = 'cart';
  if (mem.phase === 'pick' && !isList(page) && page !== 'product') mem.phase = 'seek';
  const offer = mem.bouncing ? null : noticeOffer(env, rng, persona, mem, mem.phase);
  if (offer) {
    mem.phase = 'consider';
    return { action: 'follow-offer', dwellMs: 3000, act: offer.follow, itemId: offer.itemId, price: offer.price, category: offer.category, detail: offer.id };
  }
  // A shopper who came for one item goes straight for it; the others may be caught by a recommended item.
  const recommended = mem.bouncing || goal ? null : noticeRecommended(env, rng, mem, mem.phase, (item) => appeal(persona, item));
  if (recommended) {
    mem.viewed.push(recommended.itemId);
    mem.viewsLeft -= 1;
    mem.phase = 'consider';
    const item = recommended;
    return { action: 'open-recommended', dwellMs: 4000, act: () => verbs.openItem(env, item), itemId: item.itemId, price: item.price, category: item.category, detail: item.listId };
  }

  switch (mem.phase) {
    case 'land': {
      if (mem.bouncing) return end('bounce', 'bounced');
      const bounce = goal ? 0 : t.bounce * (intent === 'buy' ? 0.35 : 1) * dev.bounce;
      if (rng.chance(bounce)) {
        // A bounce is a glance: under GA4's 10 s engagement threshold and no second page.
        mem.bouncing = true;
        return { action: 'glance', dwellMs: 2500, act: () => verbs.scrollPage(env, rng.next() * 0.3), detail: 'not interested' };
      }
      mem.phase = intent === 'buy' || goal ? 'seek' : 'wander';
      // A returning customer with an account here, no longer signed in, often logs in first (the loyal more so).
      const account = verbs.rememberedAccount(env);
      if (account && !verbs.signedIn(env) && rng.chance(0.3 + 0.5 * t.loyalty)) {
        return { action: 'log-in', dwellMs: 4000 + typingMs(persona, account.email + account.password), act: () => verbs.logIn(env, account) };
      }
      return { action: 'scroll', dwellMs: 5000, act: () => verbs.scrollPage(env, 0.2 + rng.next() * 0.6) };
    }

    case 'seek': {
      const need = (mem.need ??= goal?.category ?? pickCategory(ctx, mem.triedCategories));
      if (!need) return leaveOrCart(ctx, goal ? `goal item ${goal.itemId} not found in any category` : 'no category to look in');
      mem.phase = 'pick';
      if (!mem.searched && verbs.searchBox(env) && rng.chance(t.searchVsBrowse)) {
        mem.searched = true;
        const term = goal?.query ?? categoryTerm(ctx, need);
        return { action: 'search', dwellMs: 2000 + typingMs(persona, term), act: () => verbs.search(env, term), detail: term, category: need };
      }
      mem.triedCategories.push(need);
      return { action: 'browse-category', dwellMs: 4000, act: () => verbs.browseCategory(env, need), category: need };
    }

    case 'pick': {
      if (page === 'product') return { action: 'back', dwellMs: 2000, act: () => verbs.goBack(env) };
      const items = verbs.listedItems(env).filter((i) => !mem.viewed.includes(i.itemId));
      let item: verbs.ListedItem | undefined;
      if (goal) {
        item = items.find((i) => i.itemId === goal.itemId);
        if (!item) {
          // Paged lists: look on the next page before trying another category.
          if (page !== 'home' && verbs.hasNextPage(env)) return { action: 'next-page', dwellMs: 3000, act: () => verbs.nextPage(env) };
          mem.need = undefined;
          mem.searched = true;
          if (goal.category) return leaveOrCart(ctx, `goal item ${goal.itemId} is not listed in ${goal.category}`);
          mem.phase = 'seek';
          return decide(ctx);
        }
      } else {
        const inNeed = mem.need ? items.filter((i) => i.category === mem.need) : [];
        item = chooseItem(persona, rng, inNeed.length ? inNeed : items);
      }
      // The list has no more candidates: choose among those seen.
      if (!item && mem.research > 0 && mem.best && isList(page)) return reopenBest(ctx);
      if (!item || !isList(page)) return leaveOrCart(ctx, 'no need met');
      const chosen = item;
      mem.viewed.push(chosen.itemId);
      mem.viewsLeft -= 1;
      mem.phase = 'consider';
      return { action: 'open-item', dwellMs: 4000, act: () => verbs.openItem(env, chosen), itemId: chosen.itemId, price: chosen.price, category: chosen.category };
    }

    case 'consider': {
      const p = verbs.productOnPage(env);
      mem.phase = 'decide';
      return { action: 'read', dwellMs: 14_000, act: () => verbs.scrollPage(env, 0.5 + rng.next() * 0.5), itemId: p.itemId, price: p.price, category: p.category };
    }

    case 'decide': {
      const p = verbs.productOnPage(env);
      const seen: Seen = { ...p, appeal: appeal(persona, p) };
      if (goal) {
        if (p.itemId !== goal.itemId) {
          mem.phase = 'pick';
          return { action: 'back', dwellMs: 2000, act: () => verbs.goBack(env), detail: 'not what I came for' };
        }
        return addStep(ctx, p);
      }
      const want = intent === 'buy' ? 0.15 + 0.75 * seen.appeal : t.impulsiveness * 0.11 * seen.appeal ** 2;
      if (intent === 'buy' && mem.research > 1 && mem.afterHesitation === undefined) {
        if (!mem.best || seen.appeal > mem.best.appeal) mem.best = seen;
        if (mem.viewed.length < mem.research && mem.viewsLeft > 0) {
          // Still researching: back to the list for the next candidate, however good this one looks.
          mem.phase = 'pick';
          return { action: 'back', dwellMs: 2500, act: () => verbs.goBack(env), detail: `compare ${p.itemId} with more`, itemId: p.itemId };
        }
        mem.research = 0;
        if (mem.best.itemId !== seen.itemId) return reopenBest(ctx);
      }
      if (mem.afterHesitation !== undefined) {
        const stillConvinced = mem.afterHesitation;
        mem.afterHesitation = undefined;
        if (stillConvinced) return addStep(ctx, p);
        return notConvinced(ctx, p);
      }
      const convinced = rng.chance(want);
      if (convinced && !mem.hesitated && rng.chance((1 - t.impulsiveness) * 0.3)) {
        mem.hesitated = true;
        // After hesitating, one in four talks themself out of it.
        mem.afterHesitation = !rng.chance(0.25);
        return { action: 'hesitate', dwellMs: 10_000, act: () => verbs.scrollPage(env, rng.next()), itemId: p.itemId, price: p.price, category: p.category };
      }
      if (convinced) return addStep(ctx, p);
      return notConvinced(ctx, p);
    }

    case 'reopen': {
      if (page === 'product') return { action: 'back', dwellMs: 2000, act: () => verbs.goBack(env) };
      const item = verbs.listedItems(env).find((i) => i.itemId === mem.reopen);
      mem.reopen = undefined;
      if (!item) {
        // Not on this list any more: the research is over and nothing was chosen.
        mem.best = undefined;
        mem.research = 0;
        mem.phase = 'pick';
        return decide(ctx);
      }
      mem.phase = 'decide';
      return { action: 'open-item', dwellMs: 3000, act: () => verbs.openItem(env, item), itemId: item.itemId, price: item.price, category: item.category, detail: 'the better one' };
    }

    case 'after-add': {
      const more = goal ? false : rng.chance(intent === 'buy' ? 0.1 + 0.3 * t.impulsiveness : 0.55);
      if (more && mem.viewsLeft > 0) {
        mem.phase = intent === 'buy' ? 'pick' : 'wander';
        return { action: 'back', dwellMs: 2000, act: () => verbs.goBack(env), detail: 'keep shopping' };
      }
      mem.phase = 'cart-decide';
      return { action: 'view-cart', dwellMs: 3000, act: () => verbs.goToCart(env) };
    }

    case 'wander': {
      if (mem.viewsLeft <= 0) return leaveOrCart(ctx, 'just browsing');
      if (page === 'product') return openRelated(ctx) ?? { action: 'back', dwellMs: 2000, act: () => verbs.goBack(env) };
      const items = verbs.listedItems(env).filter((i) => !mem.viewed.includes(i.itemId));
      if (isList(page) && items.length && (page !== 'home' || rng.chance(0.5)) && rng.chance(0.7)) {
        const item = chooseItem(persona, rng, items);
        if (item) {
          mem.viewed.push(item.itemId);
          mem.viewsLeft -= 1;
          mem.phase = 'consider';
          return { action: 'open-item', dwellMs: 4500, act: () => verbs.openItem(env, item), itemId: item.itemId, price: item.price, category: item.category };
        }
      }
      const here = /\/category\/([^/]+)/.exec(env.win.location.pathname)?.[1];
      const cat = pickCategory(ctx, here ? [here] : []);
      if (!cat) return leaveOrCart(ctx, 'just browsing');
      return { action: 'browse-category', dwellMs: 3500, act: () => verbs.browseCategory(env, cat), category: cat };
    }

    case 'cart':
      mem.phase = 'cart-decide';
      return { action: 'view-cart', dwellMs: 3000, act: () => verbs.goToCart(env) };

    case 'cart-decide': {
      const lines = verbs.cartLines(env);
      const total = offerTotal(mem, Number(env.doc.querySelector('[data-cart-total]')?.getAttribute('data-cart-total') ?? 'NaN'));
      if (!goal && lines.length > 1 && Number.isFinite(total) && total > persona.budget * 2.5 && rng.chance(t.priceSensitivity * 0.5)) {
        const dearest = [...lines].sort((a, b) => b.price - a.price)[0];
        if (dearest && Number.isFinite(dearest.price)) {
          return { action: 'remove-from-cart', dwellMs: 4000, act: () => verbs.removeFromCart(env, dearest.itemId), itemId: dearest.itemId, detail: 'too expensive' };
        }
      }
      const over = Number.isFinite(total) ? Math.max(0, total / (persona.budget * 1.5) - 1) : 0;
      const base = intent === 'buy' ? 0.3 + 0.4 * t.loyalty : 0.06 + 0.08 * t.loyalty;
      const p = goal ? 1 : Math.min(0.97, base * dev.checkout * Math.exp(-t.priceSensitivity * over) * shippingDeterrence(persona, total, verbs.cartShipping(env)));
      if (!rng.chance(p)) return end('cart-abandoned', 'abandoned the cart');
      mem.phase = 'checkout';
      return { action: 'begin-checkout', dwellMs: 4000, act: () => verbs.startCheckout(env) };
    }

    case 'checkout': {
      const first = rng.pick(FAKE_FIRST);
      const last = rng.pick(FAKE_LAST);
      const details: verbs.CheckoutDetails = {
        fullName: `${first} ${last}`,
        email: `${first}.${last}.${rng.int(1, 999)}@example.com`.toLowerCase(),
        address: `${rng.int(1, 999)} Main Street`,
        city: rng.pick(FAKE_CITIES),
        postalCode: String(rng.int(10000, 99999)),
      };
      mem.phase = 'place';
      const typed = Object.values(details).join('');
      return { action: 'fill-checkout', dwellMs: 3000 + typingMs(persona, typed), act: () => verbs.fillCheckout(env, details).then(() => applyOfferCode(env, mem)) };
    }

    case 'place':
      mem.phase = 'placed';
      return {
        action: 'place-order',
        dwellMs: 5000,
        act: async () => {
          mem.transactionId = await verbs.placeOrder(env);
        },
      };

    case 'placed': {
      mem.transactionId ??= env.doc.querySelector('main[data-shoplab-page="order"]')?.getAttribute('data-transaction-id') ?? undefined;
      // A first-time buyer may create an account to track the order; the loyal kind more often.
      if (!mem.accountOffered && !verbs.signedIn(env) && !verbs.rememberedAccount(env)) {
        mem.accountOffered = true;
        if (rng.chance(0.15 + 0.4 * t.loyalty)) {
          const first = rng.pick(FAKE_FIRST);
          const last = rng.pick(FAKE_LAST);
          const c: verbs.Credentials = {
            fullName: `${first} ${last}`,
            email: `${first}.${last}.${rng.int(1000, 99999)}@example.com`.toLowerCase(),
            password: `pw-${rng.int(100000, 999999)}-${rng.int(100000, 999999)}`,
          };
          return { action: 'sign-up', dwellMs: 6000 + typingMs(persona, `${c.fullName}${c.email}${c.password}`), act: () => verbs.signUp(env, c) };
        }
      }
      return end('purchase', 'purchased', mem.transactionId);
    }
  }
}

/**
 * How much the shipping charge the cart shows weighs on going to checkout: an extra cost is the reason abandoners
 * give most often (Baymard), so the charge counts as a share of the items' total, weighed by price sensitivity and
 * `SHIPPING_AVERSION`. A free order (or a cart that shows no charge) leaves the chance as it is.
 */
export function shippingDeterrence(persona: Persona, itemsTotal: number, shipping: number): number {
  if (!Number.isFinite(shipping) || shipping <= 0 || !Number.isFinite(itemsTotal) || itemsTotal <= 0) return 1;
  return Math.exp(-SHIPPING_AVERSION * persona.traits.priceSensitivity * (shipping / itemsTotal));
}

/** Weight of the shipping charge's share of the cart in the checkout decision (see shippingDeterrence). */
export const SHIPPING_AVERSION = 2;

/** Research done: back to the list, to open the most appealing candidate again. */
function reopenBest(ctx: PolicyContext): Step | End {
  const { mem, env } = ctx;
  const best = mem.best;
  if (!best) return leaveOrCart(ctx, 'no need met');
  mem.reopen = best.itemId;
  mem.phase = 'reopen';
  mem.research = 0;
  if (verbs.pageKind(env) !== 'product') return decide(ctx);
  return { action: 'back', dwellMs: 2500, act: () => verbs.goBack(env), detail: `compared: ${best.itemId} is the best`, itemId: best.itemId };
}

/**
 * Looking around, something under "You may also like" may catch the eye: the more it appeals, the likelier it is
 * opened from the product page rather than from the list the shopper came from.
 */
function openRelated(ctx: PolicyContext): Step | undefined {
  const { env, rng, persona, mem } = ctx;
  const related = chooseItem(persona, rng, verbs.listedItems(env).filter((i) => !mem.viewed.includes(i.itemId)));
  if (!related || !rng.chance(appeal(persona, related))) return undefined;
  mem.viewed.push(related.itemId);
  mem.viewsLeft -= 1;
  mem.phase = 'consider';
  return { action: 'open-item', dwellMs: 4500, act: () => verbs.openItem(env, related), itemId: related.itemId, price: related.price, category: related.category, detail: 'related' };
}

/** Go back when not convinced; leave (or go to the cart) when patience has run out. */
function notConvinced(ctx: PolicyContext, p: verbs.ProductOnPage): Step | End {
  const { mem, intent, env } = ctx;
  if (mem.viewsLeft <= 0) return leaveOrCart(ctx, intent === 'buy' ? 'no need met' : 'just browsing');
  mem.phase = intent === 'buy' ? 'pick' : 'wander';
  if (intent === 'browse') {
    const related = openRelated(ctx);
    if (related) return related;
  }
  return { action: 'back', dwellMs: 2000, act: () => verbs.goBack(env), detail: 'not convinced', itemId: p.itemId };
}

function addStep(ctx: PolicyContext, p: verbs.ProductOnPage): Step {
  const qty = ctx.rng.chance(0.12) ? 2 : 1;
  ctx.mem.phase = 'after-add';
  return { action: 'add-to-cart', dwellMs: 4000, act: () => verbs.addToCart(ctx.env, qty), itemId: p.itemId, price: p.price, category: p.category, detail: `quantity ${qty}` };
}
