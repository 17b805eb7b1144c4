import { Link } from 'gatsby';
import { useEffect, useState } from 'react';
import { STORE_OFFERS_PATH, type StoreOffer, type StoreOffersResponse } from '../../ga4/store-offer';
import { useViewEvent } from '../analytics/use-view-event';
import { findCoupon } from '../context/coupons';
import { useStore } from '../context/store-context';
import * as styles from './offer-banner.module.css';

/** The offers answered for one client id, kept for the page's life: a runner reuses pages across shoppers. */
const cache = new Map<string, Promise<StoreOffer[]>>();

function gaCookie(): string {
  return /(?:^|;\s*)_ga=([^;]*)/.exec(document.cookie)?.[1] ?? '';
}

/** Asks the server for this browser's own offers; a store served without the dashboard answers none. */
export function fetchOffers(): Promise<StoreOffer[]> {
  const key = gaCookie();
  if (!key) return Promise.resolve([]);
  let offers = cache.get(key);
  if (!offers) {
    offers = fetch(STORE_OFFERS_PATH, { credentials: 'same-origin', cache: 'no-store' })
      .then(async (res) => (res.ok ? ((await res.json()) as StoreOffersResponse).offers : []))
      .catch(() => []);
    cache.set(key, offers);
  }
  return offers;
}

/** An offer pushed to this client from the dashboard: view_promotion when shown, select_promotion when followed. */
export function OfferBanner() {
  const [offer, setOffer] = useState<StoreOffer | null>(null);
  const { viewOffer, selectOffer } = useStore();
  useEffect(() => {
    let live = true;
    void fetchOffers().then((offers) => {
      if (live) setOffer(offers[0] ?? null);
    });
    return () => {
      live = false;
    };
  }, []);
  useViewEvent(offer ? offer.promotion.promotion_id : null, () => {
    if (offer) viewOffer(offer);
  });
  if (!offer) return null;
  return (
    <aside
      className={styles.offer}
      aria-label="Offer for you"
      data-shoplab-offer={offer.promotion.promotion_id}
      data-offer-kind={offer.kind}
      data-offer-code={offer.code ?? ''}
      data-offer-percent-off={offer.code ? (findCoupon(offer.code)?.percentOff ?? 0) : 0}
      data-item-id={offer.item.item_id}
      data-item-category={offer.item.item_category ?? ''}
      data-item-price={offer.item.price}
    >
      <p className={styles.headline}>{offer.headline}</p>
      {offer.code ? (
        <p>
          Use code <strong>{offer.code}</strong> at checkout.
        </p>
      ) : null}
      <Link to={offer.path} onClick={() => selectOffer(offer)}>
        Shop {offer.item.item_name}
      </Link>
    </aside>
  );
}
