/**
 * Segments, offers and their measured lift. A segment is a rule over live visitors or a selection of them, frozen
 * to its client ids when saved. An offer attaches a promotion (discount code, banner or free shipping) to a segment;
 * pushing it splits the segment, by a hash of (seed, offer, client id), into the clients who get it and a random
 * holdout who get nothing, so that the split reproduces from the seed. The store asks for the offers of its own
 * client id only (storeOffers). The lift is read from what shoppers then do: conversion after the push, offer vs
 * holdout, with a 95 % interval.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OFFER_KINDS, type OfferKind, type StoreOffer } from '../ga4/store-offer';
import { listVisitors, type VisitorFilter } from './lists';
import type { ItemInfo, LiveState } from './live-state';

export { OFFER_KINDS, type OfferKind };

export interface Segment {
  id: string;
  name: string;
  /** The rule it was saved from, or null for a hand selection. */
  rule: VisitorFilter | null;
  clientIds: string[];
}

export interface OfferInput {
  segmentId: string;
  kind: OfferKind;
  /** The banner's headline. */
  headline: string;
  /** A coupon code of the store (discount and free shipping offers). */
  code: string | null;
  /** The featured product's item id (a promotion names one item); it must have been viewed on the site. */
  itemId: string;
  /** Share of the segment held out, 0–0.9. Default 0.2. */
  holdoutShare?: number;
  /** Seed of the holdout split. Default 1. */
  seed?: number;
}

export interface Lift {
  offer: { clients: number; converted: number; rate: number };
  holdout: { clients: number; converted: number; rate: number };
  /** Offer rate minus holdout rate (percentage points as a fraction). */
  lift: number;
  /** 95 % interval of `lift` (normal approximation of the difference of two proportions). */
  interval: [number, number];
}

export interface Offer extends Required<OfferInput> {
  id: string;
  item: ItemInfo;
  /** Predicted lift before pushing: see predictLift. */
  predicted: { lift: number; basis: string };
  /** Event time of the push, µs; null until pushed. */
  pushedAt: number | null;
  /** Client id → arm, once pushed. */
  arms: Record<string, 'offer' | 'holdout'>;
}

interface Saved {
  segments: Segment[];
  offers: Offer[];
}

/** 0–1 from a hash of the seed, the offer and the client: the same split for the same seed. */
export function splitDraw(seed: number, offerId: string, clientId: string): number {
  return createHash('sha256').update(`${seed}\u0000${offerId}\u0000${clientId}`).digest().readUInt32BE(0) / 2 ** 32;
}

export function liftOf(offer: { clients: number; converted: number }, holdout: { clients: number; converted: number }): Lift {
  const p1 = offer.clients === 0 ? 0 : offer.converted / offer.clients;
  const p2 = holdout.clients === 0 ? 0 : holdout.converted / holdout.clients;
  const se = Math.sqrt((offer.clients === 0 ? 0 : (p1 * (1 - p1)) / offer.clients) + (holdout.clients === 0 ? 0 : (p2 * (1 - p2)) / holdout.clients));
  const lift = p1 - p2;
  const r = (x: number): number => Math.round(x * 10_000) / 10_000;
  return { offer: { ...offer, rate: r(p1) }, holdout: { ...holdout, rate: r(p2) }, lift: r(lift), interval: [r(lift - 1.96 * se), r(lift + 1.96 * se)] };
}

function bad(message: string): Error {
  return new Error(`${message} (offer or segment input must be valid)`);
}

export class Targeting {
  private segments: Segment[] = [];
  private offers: Offer[] = [];

  constructor(
    private readonly state: LiveState,
    /** JSON file the segments and offers are kept in; none keeps them in memory only. */
    private readonly file?: string,
  ) {
    if (file && existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Saved;
      this.segments = saved.segments;
      this.offers = saved.offers;
    }
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ segments: this.segments, offers: this.offers } satisfies Saved));
    renameSync(tmp, this.file);
  }

  listSegments(): Segment[] {
    return this.segments;
  }

  /** Saves a segment from a rule over live visitors, or from the client ids given. */
  saveSegment(name: string, rule: VisitorFilter | null, clientIds: readonly string[] | null): Segment {
    const clean = name.trim().slice(0, 80);
    if (!clean) throw bad('a segment needs a name');
    let ids: string[];
    if (rule) ids = [...new Set(listVisitors(this.state, { ...rule, limit: 1000 }).map((v) => v.clientId))];
    else if (clientIds) ids = [...new Set(clientIds.map((c) => c.slice(0, 64)))];
    else throw bad('a segment needs a rule or client ids');
    if (ids.length === 0) throw bad('the segment has no visitors');
    const segment: Segment = { id: `segment-${this.segments.length + 1}`, name: clean, rule, clientIds: ids.sort() };
    this.segments.push(segment);
    this.save();
    return segment;
  }

  /**
   * Predicted lift before pushing, from history: the conversion gap between sessions that clicked a promotion and
   * those that only saw one, over everything stored, scaled by how likely the segment's members are to buy at all
   * (their mean propensity relative to the site's conversion rate). When offers were pushed and measured before,
   * their mean measured lift is used instead.
   */
  predictLift(segment: Segment): { lift: number; basis: string } {
    const measured = this.offers.filter((o) => o.pushedAt !== null).map((o) => this.measure(o).lift);
    if (measured.length > 0) return { lift: Math.round((10_000 * measured.reduce((a, b) => a + b, 0)) / measured.length) / 10_000, basis: `mean measured lift of ${measured.length} earlier offer(s)` };
    let seen = 0;
    let seenBought = 0;
    let clicked = 0;
    let clickedBought = 0;
    for (const promo of this.state.promotions.values()) {
      for (const c of promo.views) {
        const bought = (this.state.client(c)?.purchases ?? 0) > 0;
        if (promo.selects.has(c)) {
          clicked++;
          if (bought) clickedBought++;
        } else {
          seen++;
          if (bought) seenBought++;
        }
      }
    }
    const gap = clicked > 0 && seen > 0 ? clickedBought / clicked - seenBought / seen : 0;
    const cards = this.state.cards();
    let propensity = 0;
    let n = 0;
    for (const id of segment.clientIds) {
      const row = this.state.clients.row(id);
      if (row !== undefined) {
        propensity += this.state.lastPropensity(row);
        n++;
      }
    }
    const scale = n > 0 && cards.conversionRate ? propensity / n / cards.conversionRate : 1;
    return { lift: Math.round(10_000 * Math.max(-1, Math.min(1, gap * Math.min(3, scale)))) / 10_000, basis: `promotion clickers vs viewers over ${clicked + seen} client(s), scaled by the segment's propensity` };
  }

  createOffer(input: OfferInput): Offer {
    const segment = this.segments.find((s) => s.id === input.segmentId);
    if (!segment) throw bad(`no segment ${JSON.stringify(input.segmentId.slice(0, 40))}`);
    if (!(OFFER_KINDS as readonly string[]).includes(input.kind)) throw bad(`kind must be one of ${OFFER_KINDS.join(', ')}`);
    const holdoutShare = input.holdoutShare ?? 0.2;
    if (!(holdoutShare >= 0 && holdoutShare <= 0.9)) throw bad('holdoutShare must be from 0 to 0.9');
    const seed = input.seed ?? 1;
    if (!Number.isInteger(seed)) throw bad('seed must be an integer');
    const headline = input.headline.trim().slice(0, 120);
    if (!headline) throw bad('an offer needs a headline');
    if (input.kind !== 'banner' && !input.code) throw bad(`a ${input.kind} offer needs a coupon code`);
    const item = this.state.items.get(input.itemId);
    if (!item) throw bad(`item ${JSON.stringify(input.itemId.slice(0, 40))} has no view on the site yet; choose one of the top items`);
    const offer: Offer = {
      id: `offer-${this.offers.length + 1}`,
      segmentId: segment.id,
      kind: input.kind,
      headline,
      code: input.kind === 'banner' ? null : (input.code ?? '').trim().toUpperCase().slice(0, 32),
      itemId: item.item_id,
      item,
      holdoutShare,
      seed,
      predicted: this.predictLift(segment),
      pushedAt: null,
      arms: {},
    };
    this.offers.push(offer);
    this.save();
    return offer;
  }

  push(offerId: string): Offer {
    const offer = this.offers.find((o) => o.id === offerId);
    if (!offer) throw bad(`no offer ${JSON.stringify(offerId.slice(0, 40))}`);
    if (offer.pushedAt !== null) return offer;
    const segment = this.segments.find((s) => s.id === offer.segmentId);
    if (!segment) throw bad(`the offer's segment ${offer.segmentId} is gone`);
    for (const id of segment.clientIds) offer.arms[id] = splitDraw(offer.seed, offer.id, id) < offer.holdoutShare ? 'holdout' : 'offer';
    offer.pushedAt = this.state.now;
    this.save();
    return offer;
  }

  /** Conversion after the push (event time), offer vs holdout. */
  measure(offer: Offer): Lift {
    const arm = { offer: { clients: 0, converted: 0 }, holdout: { clients: 0, converted: 0 } };
    for (const [id, which] of Object.entries(offer.arms)) {
      arm[which].clients++;
      const at = this.state.client(id)?.lastPurchaseAt ?? null;
      if (at !== null && offer.pushedAt !== null && at > offer.pushedAt) arm[which].converted++;
    }
    return liftOf(arm.offer, arm.holdout);
  }

  report(): (Offer & { measured: Lift | null; events: { views: number; selects: number } })[] {
    return this.offers.map((o) => {
      const promo = this.state.promotions.get(o.id);
      return { ...o, measured: o.pushedAt === null ? null : this.measure(o), events: { views: promo?.views.size ?? 0, selects: promo?.selects.size ?? 0 } };
    });
  }

  /** The pushed offers meant for this client (none for the holdout and everyone outside the segments). */
  storeOffers(clientId: string): StoreOffer[] {
    return this.offers
      .filter((o) => o.pushedAt !== null && o.arms[clientId] === 'offer')
      .map((o) => ({
        kind: o.kind,
        headline: o.headline,
        code: o.code,
        promotion: { promotion_id: o.id, promotion_name: o.headline, creative_name: o.kind, creative_slot: 'offer_banner' },
        item: { item_id: o.item.item_id, item_name: o.item.item_name, price: o.item.price, quantity: 1, ...(o.item.item_category ? { item_category: o.item.item_category } : {}) },
        path: o.item.path,
      }));
  }
}

/** The client id in a request's `_ga` cookie (`GA1.1.<id>`, as the store's tag writes it), or null. */
export function clientIdFromCookie(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== '_ga') continue;
    let value = rest.join('=');
    try {
      value = decodeURIComponent(value);
    } catch {
      return null;
    }
    const m = /^GA\d\.\d+\.(\d+\.\d+)$/.exec(value);
    return m?.[1] ?? null;
  }
  return null;
}
