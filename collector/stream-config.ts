/**
 * The data streams a collector accepts. Its own file so that the server and the ingest worker's modules (which
 * judge hits per stream) both import it without importing each other.
 */

import { LOCAL_STREAM } from '../ga4/measurement-protocol';

export interface StreamConfig {
  /** The `measurement_id` query parameter (or gtag `tid`) that selects this stream, e.g. `G-SHOPLAB`. */
  measurementId: string;
  /** The `api_secret` that must accompany it on /mp/collect. Never logged or stored. */
  apiSecret: string;
  /** Stored in the `stream_id` column of every event sent to this stream. */
  streamId: string;
  /**
   * The stream of ShopLab's own tag, which sends the automatic web events (`first_visit`, `session_start`,
   * `user_engagement`) that the MP reserves, and replays past weeks in virtual time. `true` accepts those events
   * and timestamps older than 72 hours on /mp/collect; /debug/mp/collect still reports Google's rules.
   * Default `false` (Google's rules).
   */
  localTag?: boolean;
}

/**
 * The stream of ShopLab's own store. Its api secret is not a constant: each data directory has its own
 * (`<data>/api_secret`, data-secret.ts), and the served store's pages carry it (store-config.ts).
 */
export const DEFAULT_STREAM: Readonly<Omit<StreamConfig, 'apiSecret'>> = { measurementId: LOCAL_STREAM.measurementId, streamId: LOCAL_STREAM.streamId, localTag: true };
