/**
 * Ids the store mints: transaction ids and opaque user ids. Unique and never empty (GA4 deduplicates purchases
 * by transaction id), and reproducible under simulation: with the simulator hook present an id is built from
 * the virtual time, the `_ga` client id and a per-page counter only, so the same seed yields the same events.
 * A person's browser adds crypto randomness instead, since two real tabs may share a millisecond.
 */

import { clientIdFromCookies } from '../../ga4/ga-cookie';
import type { SimHook, SimHookWindow } from '../../ga4/sim-hook';

let counter = 0;

function simHook(): SimHook | undefined {
  // Installed by other code, so checked rather than trusted.
  const hook: Partial<SimHook> | undefined = (window as SimHookWindow).__shoplabSim;
  return typeof hook?.now === 'function' ? (hook as SimHook) : undefined;
}

/**
 * Starts the per-page counter again, as a fresh page load would: a runner that reuses one page for several
 * visitors (the `shoplab:visit` event) must mint the same ids as a runner that loads a page per visitor.
 */
export function resetIdCounter(): void {
  counter = 0;
}

/** The client id part of a `_ga` cookie (`GA1.1.<random>.<seconds>`), digits only; '0' when there is none. */
export function clientIdFromCookie(cookie: string): string {
  return clientIdFromCookies(cookie)?.replace('.', '') ?? '0';
}

function randomPart(): string {
  const bytes = new Uint32Array(2);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (n) => n.toString(36).padStart(7, '0')).join('').slice(0, 10).toUpperCase();
}

/** Builds `<prefix>-<time>-<client>-<n>[-<random>]`, all base 36 upper case. */
export function mintId(prefix: string): string {
  const hook = simHook();
  let time = Date.now();
  try {
    if (hook) time = hook.now();
  } catch (err) {
    console.error('[shoplab] __shoplabSim.now() failed; using Date.now():', err);
  }
  counter += 1;
  const client = BigInt(clientIdFromCookie(document.cookie)).toString(36).toUpperCase();
  const parts = [prefix, Math.floor(time).toString(36).toUpperCase(), client, counter.toString(36).toUpperCase()];
  if (!hook) parts.push(randomPart());
  return parts.join('-');
}
