/**
 * The one place the store writes to the GTM dataLayer. Callers hand over a builder from ga4/events, never a
 * literal, so every push matches the event contract.
 */
import TagManager from 'react-gtm-module';
import { isEcommercePush, type StorePush } from '../../ga4/events';

const isBrowser = typeof window !== 'undefined';

/**
 * Pushes one event the way GTM expects: `{ ecommerce: null }` first for ecommerce events, because GTM merges
 * nested objects recursively and a previous event's `items` would otherwise leak into this one.
 */
export function pushEvent(push: StorePush): void {
  if (!isBrowser) return;
  // react-gtm-module injects an inline <script> when the layer is missing; an array keeps pushes synchronous.
  window.dataLayer = window.dataLayer || [];
  if (isEcommercePush(push)) TagManager.dataLayer({ dataLayer: { ecommerce: null } });
  TagManager.dataLayer({ dataLayer: push });
}

/**
 * Builds and pushes an event, reporting instead of throwing: a payload GA4 would reject must never break
 * the cart action that caused it.
 */
export function track(build: () => StorePush): void {
  const push = tryBuild(build);
  if (push) pushEvent(push);
}

export function tryBuild(build: () => StorePush): StorePush | undefined {
  try {
    return build();
  } catch (err) {
    console.error('[shoplab] analytics event not sent:', err);
    return undefined;
  }
}

/**
 * Tells the tags who is signed in: `{ user_id: '<opaque id>' }` on sign-in, `{ user_id: null }` on sign-out.
 * Pushed before the login/sign_up event so that event already carries the id. Never an email.
 */
export function pushUserId(userId: string | null): void {
  if (!isBrowser) return;
  window.dataLayer = window.dataLayer || [];
  TagManager.dataLayer({ dataLayer: { user_id: userId } });
}

/**
 * Sets user properties on the tags, as gtag's `set user_properties` does: `{ user_properties: { name: value } }`;
 * every later hit carries them (null unsets one). Used for the experiment arm (src/context/experiment.ts).
 */
export function pushUserProperties(properties: Record<string, string | null>): void {
  if (!isBrowser) return;
  window.dataLayer = window.dataLayer || [];
  TagManager.dataLayer({ dataLayer: { user_properties: properties } });
}
