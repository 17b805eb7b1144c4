import { useEffect, useLayoutEffect, useRef } from 'react';
import { currentRoute } from './route-views';

// useLayoutEffect warns during server rendering, where effects never run anyway.
const useIsomorphicLayoutEffect = typeof window !== 'undefined' ? useLayoutEffect : useEffect;

/**
 * Fires a page's view event once per distinct `key` and route change: re-renders (cart updates, typing) and
 * React StrictMode's double effects do not fire it again; navigating to another product or list (a new key),
 * back to the page (a new mount), or to the same address again (a new page_view on a page React keeps
 * mounted, e.g. a runner landing a new visitor on the page the last one left) does.
 *
 * A layout effect, so the event is queued during the commit that renders the page — before Gatsby's
 * onRouteUpdate — and therefore always precedes the route-settled signal. Pass `null` while not ready
 * (e.g. before the stored cart has been read).
 */
export function useViewEvent(key: string | null, fire: () => void): void {
  const firedFor = useRef<string | null>(null);
  const latest = useRef(fire);
  const route = currentRoute();
  useIsomorphicLayoutEffect(() => {
    latest.current = fire;
  });
  useIsomorphicLayoutEffect(() => {
    const routeKey = key === null ? null : `${route}\u0000${key}`;
    if (routeKey === null || firedFor.current === routeKey) return;
    firedFor.current = routeKey;
    latest.current();
  }, [key, route]);
}
