/**
 * How a shopper responds to an offer the dashboard pushed to them (the store's `[data-shoplab-offer]` banner,
 * ga4/store-offer.ts). Nothing here adds a purchase: following an offer opens its item, which the policy then
 * weighs like any other by the persona's interests and budget, and a discount lowers the total the persona weighs
 * at the cart by what the code takes off. So the lift an offer shows comes out of who the persona is — how much
 * their interests match the item, how price-sensitive they are — and can be zero or negative.
 */
import type { PageEnv } from './dom/env';
import { typeText } from './dom/keyboard';
import { click } from './dom/pointer';
import { queryByRole } from './dom/query';
import { interestIn, type Persona } from './personas';
import type { Rng } from './rng';
import { navigating } from './verbs';

/** What the policy remembers of offers (part of its JSON memory). */
export interface OfferMemory {
  /** Offers already noticed this session (each is considered once). */
  offersSeen?: string[];
  /** The offer followed, with what its code takes off. */
  offerTaken?: { id: string; kind: string; code: string | null; percentOff: number; applied?: boolean };
}

export interface OfferOnPage {
  id: string;
  kind: string;
  code: string | null;
  percentOff: number;
  itemId: string;
  category: string;
  price: number;
  link: Element;
}

/** The offer banner on the page, if the store shows one. */
export function offerOnPage(env: PageEnv): OfferOnPage | null {
  const el = env.doc.querySelector('[data-shoplab-offer]');
  const link = el?.querySelector('a[href]');
  if (!el || !link) return null;
  return {
    id: el.getAttribute('data-shoplab-offer') ?? '',
    kind: el.getAttribute('data-offer-kind') ?? 'banner',
    code: el.getAttribute('data-offer-code') || null,
    percentOff: Number(el.getAttribute('data-offer-percent-off') ?? 0) || 0,
    itemId: el.getAttribute('data-item-id') ?? '',
    category: el.getAttribute('data-item-category') ?? '',
    price: Number(el.getAttribute('data-item-price')),
    link,
  };
}

/**
 * Chance that this persona follows the offer: interest in the item's category (relative to their strongest
 * interest) sets how much it catches the eye; what it saves counts in proportion to their price sensitivity.
 */
export function offerPull(persona: Persona, offer: Pick<OfferOnPage, 'kind' | 'percentOff' | 'category'>): number {
  const top = Math.max(persona.baseline ?? 0.1, ...Object.values(persona.interests));
  const interest = top > 0 ? interestIn(persona, offer.category) / top : 0;
  const saving = offer.kind === 'discount' ? offer.percentOff / 100 : offer.kind === 'free_shipping' ? 0.05 : 0;
  const value = persona.traits.priceSensitivity * saving * 4;
  return Math.min(0.9, 0.5 * interest + value);
}

/**
 * Called by the policy on browsing steps: notices an offer on the page once and, with the persona's pull, returns
 * the item it leads to and the act of following it. Draws from the RNG only when an offer is shown, so that runs
 * without offers are unchanged.
 */
export function noticeOffer(env: PageEnv, rng: Rng, persona: Persona, mem: OfferMemory, phase: string): (OfferOnPage & { follow: () => Promise<void> }) | null {
  if (!['land', 'seek', 'pick', 'wander'].includes(phase) || mem.offerTaken) return null;
  const offer = offerOnPage(env);
  if (!offer || !offer.id || (mem.offersSeen ?? []).includes(offer.id)) return null;
  (mem.offersSeen ??= []).push(offer.id);
  if (!rng.chance(offerPull(persona, offer))) return null;
  mem.offerTaken = { id: offer.id, kind: offer.kind, code: offer.code, percentOff: offer.percentOff };
  return { ...offer, follow: () => navigating(env, `following offer ${offer.id}`, () => click(env, offer.link)) };
}

/** The cart total as the persona weighs it: less what a followed discount takes off. */
export function offerTotal(mem: OfferMemory, total: number): number {
  const taken = mem.offerTaken;
  return taken && taken.kind === 'discount' ? total * (1 - taken.percentOff / 100) : total;
}

/** At checkout, types a followed offer's code into the coupon field and applies it (once). */
export function applyOfferCode(env: PageEnv, mem: OfferMemory): void {
  const taken = mem.offerTaken;
  if (!taken?.code || taken.applied) return;
  const field = queryByRole(env.doc, 'textbox', 'Coupon code');
  const apply = queryByRole(env.doc, 'button', 'Apply coupon');
  if (!(field instanceof env.win.HTMLInputElement) || !apply) return;
  typeText(env, field, taken.code);
  click(env, apply);
  taken.applied = true;
}
