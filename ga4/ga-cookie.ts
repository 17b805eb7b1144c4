/**
 * The `_ga` cookie as gtag.js writes it, `GA1.1.<random>.<first-seen seconds>`, whose last two parts are the
 * client id (`user_pseudo_id` in the export). The tag writes it; the engine and the store's id minting read it.
 */

/** The cookie's name. */
export const GA_COOKIE = '_ga';

const VALUE = /^GA\d+\.\d+\.(\d+\.\d+)$/;

/** The client id inside a `_ga` cookie value, or undefined when the value is not of that form. */
export function clientIdFromGaCookie(value: string): string | undefined {
  return VALUE.exec(value)?.[1];
}

/** The `_ga` cookie value for a client id. */
export function gaCookieValue(clientId: string): string {
  return `GA1.1.${clientId}`;
}

/** The client id of the `_ga` cookie in a `document.cookie` string, or undefined when there is none. */
export function clientIdFromCookies(cookie: string): string | undefined {
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === GA_COOKIE) return clientIdFromGaCookie(part.slice(eq + 1).trim());
  }
  return undefined;
}
