/**
 * Where the shopper was on each history entry, so that Back returns them there. Gatsby's own restoration
 * records positions on the next animation frame, under whatever entry is current by then: a shopper who
 * scrolls and clicks within one frame (the simulator always does) gets its position filed under the next page,
 * and impressions (view_item_list, view_promotion) that depend on what is in view on return would differ from
 * run to run. Here a position is recorded synchronously with the scroll event, under the entry it belongs to.
 */
const positions = new Map<string, number>();

const INITIAL_KEY = 'initial';

function currentKey(): string {
  const state = window.history.state as { key?: unknown } | null;
  return typeof state?.key === 'string' ? state.key : INITIAL_KEY;
}

/** Starts recording; call once in the browser. */
export function startScrollPositions(): void {
  window.addEventListener(
    'scroll',
    (ev) => {
      // Under a simulator only the engine's own (dispatched) scroll events count, as in the local tag: the
      // browser's follow a frame later, possibly after the next page has become current.
      if (ev.isTrusted && (window as { __shoplabSim?: unknown }).__shoplabSim) return;
      positions.set(currentKey(), window.scrollY);
    },
    { passive: true },
  );
  // A runner reusing the page for another shopper: their history starts afresh.
  window.addEventListener('shoplab:reset', () => positions.clear());
}

/** Scrolls to where the shopper left the history entry `key`, or to the top of a page not seen before. */
export function restoreScroll(key: string | undefined): void {
  window.scrollTo(0, positions.get(key ?? INITIAL_KEY) ?? 0);
}
