/**
 * `<html data-shoplab-pending>` (docs/dom-contract.md "Per-client parts"): the per-client parts of the page the store
 * is still asking its server for, space-separated, so that a shopper, or the simulator, does not judge a page whose
 * parts have not arrived. Each part adds and removes only its own name: two parts asking at once (the recommended
 * list and the experiment arm) each keep the page pending until their own answer is in.
 */
export function markPending(part: string, on: boolean): void {
  const root = document.documentElement;
  const parts = new Set((root.dataset.shoplabPending ?? '').split(' ').filter(Boolean));
  if (on) parts.add(part);
  else parts.delete(part);
  if (parts.size > 0) root.dataset.shoplabPending = [...parts].join(' ');
  else delete root.dataset.shoplabPending;
}
