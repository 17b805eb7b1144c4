/**
 * Orders what happens around a route change (client-side, and the first load): the new page's <title> lands,
 * then page_view, then the page's view events (view_item, view_cart, begin_checkout, search), then the
 * impressions of the lists and promotions in view (view_item_list, view_promotion), then the "route settled"
 * signal of docs/dom-contract.md.
 *
 * Why the handshake: the local tag stamps each event with the page it believes is current and reads
 * document.title as it sends, and it learns about a new page only from pageView(). Gatsby's Head API writes
 * the title from a separate React root a few scheduler tasks after onRouteUpdate — a plain setTimeout(0)
 * from onRouteUpdate fires before that — so pages report through <HeadRendered> (rendered by <Seo>) when
 * their head is in place, and the page_view waits for it. View events pushed during the render would
 * otherwise carry the previous page's location and title, so they wait too.
 */
import type { StorePush } from '../../ga4/events';
import { pushEvent, tryBuild } from './data-layer';

/** View events wait at most this many per route; a page never has more than a few lists. */
const MAX_DEFERRED = 50;
/** A page without a Head export never reports; settle it anyway after this long. */
const HEAD_TIMEOUT_MS = 1000;

let routePending = false;
const deferred: StorePush[] = [];
let awaitingPath: string | null = null;
let beforeSettle: (() => void) | null = null;
let fallbackTimer: number | undefined;

/** Route changes begun on this page, the first render included. */
let routeCount = 0;

/** Called from gatsby-browser's onPreRouteUpdate, before the new page renders. */
export function beginRoute(): void {
  routePending = true;
  routeCount += 1;
}

/**
 * Which route change the page is rendering: each page_view begins a new one, even to the same address (where
 * React keeps the page mounted), so view events keyed by it fire again after every page_view.
 */
export function currentRoute(): number {
  return routeCount;
}

/** Whether a route change is under way: its page has rendered (or is rendering) but has not settled yet. */
export function routeSettling(): boolean {
  return routePending;
}

const settleChecks = new Set<() => void>();

/**
 * Runs `check` once the current route has settled — after its page_view and deferred view events, before the
 * settled signal — or at once when no route change is under way. Impressions use it: only a settled page has
 * its final scroll position (the router scrolls to the top, or back to where the shopper was, while it commits).
 * Returns a canceller.
 */
export function whenSettled(check: () => void): () => void {
  if (!routePending) {
    check();
    return () => undefined;
  }
  settleChecks.add(check);
  return () => settleChecks.delete(check);
}

/** Sends a page's view event now, or right after the page_view when a route change is under way. */
export function trackView(build: () => StorePush): void {
  const push = tryBuild(build);
  if (!push) return;
  if (!routePending) {
    pushEvent(push);
    return;
  }
  if (deferred.length >= MAX_DEFERRED) {
    const dropped = deferred.shift();
    console.error('[shoplab] too many view events on one route; dropped', dropped?.event);
  }
  deferred.push(push);
}

/**
 * Called from gatsby-browser's onRouteUpdate: once the head of `pathname` has rendered, runs `onTitleReady`
 * (the page_view), flushes the deferred view events and raises the settled signal.
 */
export function routeUpdated(pathname: string, onTitleReady: () => void): void {
  awaitingPath = pathname;
  beforeSettle = onTitleReady;
  window.clearTimeout(fallbackTimer);
  fallbackTimer = window.setTimeout(() => {
    console.warn(`[shoplab] no head rendered for ${pathname} within ${HEAD_TIMEOUT_MS} ms; settling anyway`);
    finish();
  }, HEAD_TIMEOUT_MS);
}

/**
 * Called by <HeadRendered> from an effect inside Gatsby's head root. Gatsby copies the rendered head into
 * document.head in its own effect right after ours, within the same flush, so one macrotask later the title
 * is in place. (A timer, not requestAnimationFrame: hidden and headless tabs throttle animation frames.)
 */
export function headRendered(pathname: string): void {
  if (awaitingPath === null || pathname !== awaitingPath) return;
  window.setTimeout(finish, 0);
}

function finish(): void {
  const pathname = awaitingPath;
  if (pathname === null) return;
  awaitingPath = null;
  window.clearTimeout(fallbackTimer);
  const run = beforeSettle;
  beforeSettle = null;
  try {
    run?.();
  } catch (err) {
    console.error('[shoplab] page_view failed:', err);
  }
  settleRoute(pathname);
}

/** Flushes the deferred view events, pushes the impressions in view, then tells waiting tools (simulator, e2e tests) the page is ready. */
function settleRoute(pathname: string): void {
  routePending = false;
  for (const push of deferred.splice(0)) pushEvent(push);
  const checks = [...settleChecks];
  settleChecks.clear();
  for (const check of checks) {
    try {
      check();
    } catch (err) {
      console.error('[shoplab] impression check failed:', err);
    }
  }
  const root = document.documentElement;
  const nav = (Number(root.dataset.shoplabNav) || 0) + 1;
  root.dataset.shoplabNav = String(nav);
  root.dataset.shoplabPath = pathname;
  window.dispatchEvent(new CustomEvent('shoplab:route-settled', { detail: { nav, path: pathname } }));
}
