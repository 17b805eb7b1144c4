import { useEffect, useState } from 'react';
import { RECOMMENDED_LIST, RECOMMENDED_SHOWN, STORE_RECS_PATH, type StoreRecsResponse } from '../../ga4/store-recs';
import { markPending as markPart } from '../context/pending';
import type { ProductSummary } from '../data/product';
import { ProductList } from './product-list';

/** The lists answered for one client id, kept for the page's life: a runner reuses pages across shoppers. */
const cache = new Map<string, Promise<ProductSummary[]>>();

/**
 * Set on `<html>` while this browser's own list is being asked for (docs/dom-contract.md "Per-client parts"), so
 * that a shopper, or the simulator, does not judge a home page whose list has not arrived yet.
 */
const PENDING = 'recommendations';

function gaCookie(): string {
  return /(?:^|;\s*)_ga=([^;]*)/.exec(document.cookie)?.[1] ?? '';
}

function markPending(on: boolean): void {
  markPart(PENDING, on);
}

/** Asks the server for this browser's own recommendations; a server without a list answers none. */
export function fetchRecommendations(key: string): Promise<ProductSummary[]> {
  if (!key) return Promise.resolve([]);
  let products = cache.get(key);
  if (!products) {
    products = fetch(STORE_RECS_PATH, { credentials: 'same-origin', cache: 'no-store' })
      .then(async (res) => (res.ok ? ((await res.json()) as StoreRecsResponse<ProductSummary>).products.slice(0, RECOMMENDED_SHOWN) : []))
      .catch(() => []);
    cache.set(key, products);
  }
  return products;
}

/**
 * "Recommended for you": the products the server ranks for this client (an experiment's recommendations arm serves
 * the trained user-item model's list to the shoppers it knows). Shown as a product list, so it fires view_item_list
 * and select_item with its own item_list_id like the other lists; nothing at all when the answer is empty.
 */
export function RecommendedList() {
  const [answer, setAnswer] = useState<{ key: string; products: ProductSummary[] } | null>(null);
  // A runner reusing the page for another shopper announces the new visitor: ask again for their list.
  const [visit, setVisit] = useState(0);
  useEffect(() => {
    const onVisit = (): void => {
      markPending(true);
      setVisit((v) => v + 1);
    };
    window.addEventListener('shoplab:visit', onVisit);
    return () => window.removeEventListener('shoplab:visit', onVisit);
  }, []);
  useEffect(() => {
    let live = true;
    const key = gaCookie();
    markPending(true);
    void fetchRecommendations(key).then((products) => {
      if (live) setAnswer({ key, products });
    });
    return () => {
      live = false;
      markPending(false);
    };
  }, [visit]);
  const current = answer !== null && answer.key === gaCookie();
  // Cleared once the answer is on the page, so that whoever waited sees the list (or its absence) in the DOM. Not
  // only when the answer is the current cookie's: on a first visit the tag sets _ga after the list asked (with no
  // cookie, so for nothing), and waiting for a match there held every later step on the page for the simulator's
  // full 5 s timeout.
  useEffect(() => {
    if (answer !== null) markPending(false);
  }, [answer]);
  if (!current || answer.products.length === 0) return null;
  const titleId = `${RECOMMENDED_LIST.item_list_id}-title`;
  return (
    <section aria-labelledby={titleId}>
      <h2 id={titleId}>{RECOMMENDED_LIST.item_list_name}</h2>
      <ProductList list={RECOMMENDED_LIST} products={answer.products} />
    </section>
  );
}
