/**
 * Each user's first touch, as GA4 keeps it: the time of the first event seen for a client id
 * (`user_first_touch_timestamp`) and the acquisition of that event (`traffic_source`). Loaded from the warehouse
 * on start, then kept in memory by the single writing process. An event older than what is known (virtual time
 * replays, late hits) moves the first touch back.
 */

import type { ExportTrafficSource } from '../warehouse/export-row';
import type { Warehouse } from '../warehouse/warehouse';
import type { FirstTouch } from './mp-to-rows';

export class FirstTouchStore {
  private readonly byClient = new Map<string, FirstTouch>();

  /** Reads every client's earliest stored first touch. */
  static async load(warehouse: Warehouse): Promise<FirstTouchStore> {
    const store = new FirstTouchStore();
    const rows = await warehouse.query(
      `SELECT user_pseudo_id AS c, min(user_first_touch_timestamp) AS t, arg_min(traffic_source, user_first_touch_timestamp) AS s
       FROM ${warehouse.dataset}.events WHERE user_first_touch_timestamp IS NOT NULL GROUP BY ALL`,
    );
    for (const row of rows) {
      const source = row.s as ExportTrafficSource | null;
      if (typeof row.c === 'string' && typeof row.t === 'number' && source) store.byClient.set(row.c, { timestamp: row.t, source });
    }
    return store;
  }

  /** A store that knows these first touches (as `entries` gave them), e.g. in another thread. */
  static from(entries: Iterable<readonly [string, FirstTouch]>): FirstTouchStore {
    const store = new FirstTouchStore();
    for (const [client, touch] of entries) store.byClient.set(client, touch);
    return store;
  }

  /** Every client's first touch, as plain data that can be posted to another thread. */
  entries(): [string, FirstTouch][] {
    return [...this.byClient];
  }

  get size(): number {
    return this.byClient.size;
  }

  /** The first touch of `clientId`, counting this event. */
  touch = (clientId: string, eventMicros: number, source: ExportTrafficSource): FirstTouch => {
    const known = this.byClient.get(clientId);
    if (known && known.timestamp <= eventMicros) return known;
    const first = { timestamp: eventMicros, source };
    this.byClient.set(clientId, first);
    return first;
  };
}
