import { useEffect, useLayoutEffect, useRef } from 'react';

// useLayoutEffect warns during server rendering, where effects never run anyway.
const useIsomorphicLayoutEffect = typeof window !== 'undefined' ? useLayoutEffect : useEffect;

/**
 * Fires a page's view event once per distinct `key` for as long as the component stays mounted: re-renders
 * (cart updates, typing) and React StrictMode's double effects do not fire it again; navigating to another
 * product or list (a new key) or back to the page (a new mount) does.
 *
 * A layout effect, so the event is queued during the commit that renders the page — before Gatsby's
 * onRouteUpdate — and therefore always precedes the route-settled signal. Pass `null` while not ready
 * (e.g. before the stored cart has been read).
 */
export function useViewEvent(key: string | null, fire: () => void): void {
  const firedFor = useRef<string | null>(null);
  const latest = useRef(fire);
  useIsomorphicLayoutEffect(() => {
    latest.current = fire;
  });
  useIsomorphicLayoutEffect(() => {
    if (key === null || firedFor.current === key) return;
    firedFor.current = key;
    latest.current();
  }, [key]);
}
