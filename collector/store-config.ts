/**
 * The run-time configuration the collector gives the store it serves: one `<meta>` per stream meant for ShopLab's
 * own tag, carrying its api secret (the build holds none; each data directory has its own, data-secret.ts). It
 * goes into the `<head>` of every HTML page served (static-files.ts), and the tag reads it (ga4/store-config.ts).
 * Only pages of the collector's own origin can read it: static files get no CORS headers, and a rebound DNS name
 * fails the Host check (origin-check.ts).
 */

import { SECRET_META_NAME } from '../ga4/store-config';
import type { StreamConfig } from './stream-config';

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The `<meta>` elements for each served page's `<head>`; '' when no stream is for ShopLab's tag. */
export function secretMetaTags(streams: readonly Pick<StreamConfig, 'measurementId' | 'apiSecret' | 'localTag'>[]): string {
  return streams
    .filter((s) => s.localTag === true)
    .map((s) => `<meta name="${SECRET_META_NAME}" content="${escapeAttribute(s.apiSecret)}" data-measurement-id="${escapeAttribute(s.measurementId)}">`)
    .join('');
}
