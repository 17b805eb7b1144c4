/**
 * The experiment arm this store runs in, as its server answers it (ga4/store-experiment.ts). The answer is the
 * server's, not the visitor's, so it is asked once per page load; it is told to the tags as the user property
 * `experiment_arm` once it arrives and again for every new visitor on a reused page (the tag forgets user properties
 * on `shoplab:reset`). While it is being asked, `<html data-shoplab-pending>` names it, so that no one judges a cart
 * whose shipping charge may still change.
 */
import { useSyncExternalStore } from 'react';
import { EXPERIMENT_ARM_PROPERTY, STORE_EXPERIMENT_PATH, type FreeShippingNudge, type StoreExperimentResponse } from '../../ga4/store-experiment';
import { pushUserProperties } from '../analytics/data-layer';
import { markPending } from './pending';

const PENDING = 'experiment';
const NONE: StoreExperimentResponse = { arm: null, freeShipping: null };

let current: StoreExperimentResponse = NONE;
let answer: Promise<StoreExperimentResponse> | undefined;
const listeners = new Set<() => void>();

function parse(body: unknown): StoreExperimentResponse {
  if (!body || typeof body !== 'object') return NONE;
  const b = body as Partial<StoreExperimentResponse>;
  const arm = typeof b.arm === 'string' && b.arm ? b.arm.slice(0, 36) : null;
  const fs = b.freeShipping;
  const freeShipping = fs && typeof fs.freeStandardFrom === 'number' && Number.isFinite(fs.freeStandardFrom) && fs.freeStandardFrom >= 0 && fs.promotion?.promotion_id ? fs : null;
  return { arm, freeShipping };
}

function ask(): Promise<StoreExperimentResponse> {
  answer ??= fetch(STORE_EXPERIMENT_PATH, { credentials: 'same-origin', cache: 'no-store' })
    .then(async (res) => (res.ok ? parse(await res.json()) : NONE))
    .catch(() => NONE);
  return answer;
}

/**
 * Asks the server (once a page load) and tells the tags the arm; gatsby-browser calls it on client entry and on
 * `shoplab:visit`. Outside an experiment nothing is pushed.
 */
export function loadExperiment(): void {
  if (typeof window === 'undefined') return;
  markPending(PENDING, true);
  void ask().then((next) => {
    current = next;
    if (next.arm) pushUserProperties({ [EXPERIMENT_ARM_PROPERTY]: next.arm });
    for (const l of listeners) l();
    markPending(PENDING, false);
  });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The arm's free-shipping nudge as last answered (for actions; components use the hook). */
export function freeShippingNudge(): FreeShippingNudge | null {
  return current.freeShipping;
}

/** The arm's free-shipping nudge, or null (no experiment, another arm, not answered yet, or server rendering). */
export function useFreeShippingNudge(): FreeShippingNudge | null {
  return useSyncExternalStore(
    subscribe,
    () => current.freeShipping,
    () => null,
  );
}
