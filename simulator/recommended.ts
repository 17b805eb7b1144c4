/**
 * How a shopper responds to the store's "recommended for you" list (ga4/store-recs.ts), when the home page shows
 * one. Nothing here adds a purchase or a click rate: the shopper glances along the list once a session, and each
 * item catches their eye with a chance in proportion to its appeal to them — interest in its category, its price
 * against their budget weighed by their price sensitivity, their taste in brands (behaviours' `appeal`). An item
 * they open is then judged like any other. So what the list changes comes out of who the persona is and of how
 * well the model's items fit them, and can be nothing.
 */
import { RECOMMENDED_LIST } from '../ga4/store-recs';
import type { PageEnv } from './dom/env';
import type { Rng } from './rng';
import { listedItems, pageKind, type ListedItem } from './verbs';

/** What the policy remembers of the list (part of its JSON memory). */
export interface RecommendedMemory {
  /** The list was looked at this session (it is considered once). */
  recommendedSeen?: boolean;
}

/**
 * Chance per unit of appeal that a listed item catches the eye on one glance along the list: the same scale as an
 * offer's pull from interest (offers.ts), split over the few items a list shows.
 */
export const GLANCE = 0.2;

/** The items of the recommended list on the page, in list order. */
export function recommendedOnPage(env: PageEnv): ListedItem[] {
  return listedItems(env).filter((i) => i.listId === RECOMMENDED_LIST.item_list_id);
}

/**
 * Called by the policy on browsing steps on the home page: looks along the list once and returns the first item
 * that catches the eye, or null. Draws from the RNG only when the list is shown, so that runs without it (an
 * experiment's control arm) are unchanged.
 */
export function noticeRecommended(env: PageEnv, rng: Rng, mem: RecommendedMemory, phase: string, appealOf: (item: ListedItem) => number): ListedItem | null {
  if (mem.recommendedSeen || !['seek', 'pick', 'wander'].includes(phase) || pageKind(env) !== 'home') return null;
  const items = recommendedOnPage(env);
  if (items.length === 0) return null;
  mem.recommendedSeen = true;
  for (const item of items) if (rng.chance(GLANCE * appealOf(item))) return item;
  return null;
}
