/**
 * The one piece of configuration the served store reads at run time instead of build time: the Measurement
 * Protocol api secret of its stream. Each data directory has its own secret, so the build cannot hold it; the
 * collector that serves the store writes it into every HTML page's `<head>` (collector/store-config.ts) and the
 * store's tag reads it from there (gatsby-browser.tsx).
 */

/** The `name` of the `<meta>` elements that carry a stream's api secret; `data-measurement-id` names the stream. */
export const SECRET_META_NAME = 'shoplab-api-secret';

/** The part of a document the secret is read from (narrow, so that tests can pass a stand-in). */
export interface MetaSource {
  querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }>;
}

/** The api secret the serving collector gave this page for `measurementId`, or undefined (another server). */
export function storeApiSecret(doc: MetaSource, measurementId: string): string | undefined {
  const metas = doc.querySelectorAll(`meta[name="${SECRET_META_NAME}"]`);
  for (let i = 0; i < metas.length; i++) {
    const meta = metas[i];
    if (meta?.getAttribute('data-measurement-id') === measurementId) return meta.getAttribute('content') ?? undefined;
  }
  return undefined;
}
