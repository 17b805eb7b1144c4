import { useEffect, useLayoutEffect, useRef, type RefObject } from 'react';
import { currentRoute, routeSettling, whenSettled } from './route-views';

// useLayoutEffect warns during server rendering, where effects never run anyway.
const useIsomorphicLayoutEffect = typeof window !== 'undefined' ? useLayoutEffect : useEffect;

/** The IAB's viewability rule: half of an element shows, or 30 % of the viewport for a large one (a long list). */
const VISIBLE_SHARE = 0.5;
const LARGE_VISIBLE_SHARE = 0.3;

/** Whether enough of `el` is inside the viewport to count as seen. */
export function inView(el: Element, viewportHeight: number, viewportWidth: number): boolean {
  const r = el.getBoundingClientRect();
  if (r.width <= 0 || r.height <= 0) return false;
  const visibleHeight = Math.min(r.bottom, viewportHeight) - Math.max(r.top, 0);
  const visibleWidth = Math.min(r.right, viewportWidth) - Math.max(r.left, 0);
  if (visibleHeight <= 0 || visibleWidth <= 0) return false;
  return visibleHeight >= Math.min(VISIBLE_SHARE * r.height, LARGE_VISIBLE_SHARE * viewportHeight);
}

/** Impressions already made on this page (document) with `once`; a new visitor (runner's reuse) starts afresh. */
const shownOnce = new Set<string>();
if (typeof window !== 'undefined') {
  window.addEventListener('shoplab:reset', () => shownOnce.clear());
  window.addEventListener('shoplab:visit', () => shownOnce.clear());
}

export interface ImpressionOptions {
  /**
   * Fire once per key on this page instead of once per key and page_view: a shopper coming back (Back, or a
   * link) to a list that still shows the same items has seen it already. Default false.
   */
  once?: boolean;
}

/**
 * Fires an impression event (view_item_list, view_promotion) once per distinct `key` and route change, when the
 * element first shows on screen, as GA4 asks ("when a user is presented with a list"): at once if it is in
 * view when the page settles, otherwise on the scroll that brings it into view — never for a list the shopper
 * never scrolled to, and not again on re-renders. A new key (another page of a list, a new sort) or a new
 * page_view (a new route, even to the same address) makes a new impression, unless `once`. Pass `null` while
 * not ready.
 */
export function useImpression(ref: RefObject<Element | null>, key: string | null, fire: () => void, { once = false }: ImpressionOptions = {}): void {
  const firedFor = useRef<string | null>(null);
  const latest = useRef(fire);
  const route = currentRoute();
  useIsomorphicLayoutEffect(() => {
    latest.current = fire;
  });
  useIsomorphicLayoutEffect(() => {
    if (key === null) return undefined;
    const routeKey = `${route}\u0000${key}`;
    if (firedFor.current === routeKey || (once && shownOnce.has(key))) return undefined;
    let done = false;
    let cancel = (): void => undefined;
    const stop = (): void => {
      done = true;
      cancel();
      window.removeEventListener('scroll', onScroll);
      window.removeEventListener('resize', check);
    };
    function check(): void {
      if (done || routeSettling()) return;
      const el = ref.current;
      if (!el || !inView(el, window.innerHeight, window.innerWidth)) return;
      firedFor.current = routeKey;
      stop();
      if (once && key !== null) {
        if (shownOnce.has(key)) return;
        shownOnce.add(key);
      }
      latest.current();
    }
    function onScroll(ev: Event): void {
      // Under a simulator only the engine's own (dispatched) scroll events count, as in the local tag: the
      // browser's follow a frame later, after the engine may have moved on, and would make the same session
      // produce different events.
      if (ev.isTrusted && (window as { __shoplabSim?: unknown }).__shoplabSim) return;
      check();
    }
    window.addEventListener('scroll', onScroll, { passive: true });
    window.addEventListener('resize', check);
    const cancelSettle = whenSettled(check);
    if (done) cancelSettle();
    else cancel = cancelSettle;
    return stop;
  }, [key, route, once]);
}
