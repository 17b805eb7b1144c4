/**
 * The stored event ids a writer keeps in memory for dedupe: the most recent ones only, so that memory stays
 * bounded however long the collector runs, and only a 53-bit hash of each, so that it stays small (8 bytes of ring
 * and at most 8 bytes of index per id, where a Set of the keys themselves took ~160 bytes an id in V8's heap).
 *
 * A hash answers "certainly not remembered" or "maybe": two keys can share a hash, so a hit is never taken as a
 * duplicate on its own word; the writer confirms it against `ingest.event_ids`, the truth (warehouse.ts). Once an
 * id has been evicted (`complete` false), a miss may also be stored, and the writer asks the table for those too.
 */
export class RecentIds {
  /** True while every stored id is remembered here: a miss then means "not stored", with no need to ask. */
  complete = true;
  /** The hashes in insertion order, as a ring; NaN marks one that was deleted. */
  private readonly ring: Float64Array;
  /** Ring slot of the oldest hash, and how many slots are in use. */
  private oldest = 0;
  private used = 0;
  /** Hashes still present (used slots that are not deleted). */
  private live = 0;
  /** Open addressing with linear probing: ring slot + 1 per entry, 0 for an empty entry. */
  private readonly index: Int32Array;
  private readonly mask: number;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`recentIds must be a positive integer, got ${capacity}`);
    this.ring = new Float64Array(capacity);
    // At most half full, so that probes stay short.
    let size = 1024;
    while (size < capacity * 2) size *= 2;
    this.index = new Int32Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.live;
  }

  /** Remembers `key` as the newest; forgets the oldest when over capacity. */
  add(key: string): this {
    if (this.used === this.capacity) {
      this.evictOldest();
      this.complete = false;
    }
    const slot = (this.oldest + this.used) % this.capacity;
    const hash = hashKey(key);
    this.ring[slot] = hash;
    this.used++;
    this.live++;
    let at = this.home(hash);
    while (this.index[at] !== 0) at = (at + 1) & this.mask;
    this.index[at] = slot + 1;
    return this;
  }

  /** False: `key` is not among the remembered ids. True: it may be (a hash matched). */
  mayHave(key: string): boolean {
    const hash = hashKey(key);
    for (let at = this.home(hash); this.index[at] !== 0; at = (at + 1) & this.mask) {
      if (this.ring[(this.index[at] ?? 0) - 1] === hash) return true;
    }
    return false;
  }

  /** Forgets one remembered id with `key`'s hash (a purged event). */
  delete(key: string): boolean {
    const hash = hashKey(key);
    for (let at = this.home(hash); this.index[at] !== 0; at = (at + 1) & this.mask) {
      const slot = (this.index[at] ?? 0) - 1;
      if (this.ring[slot] === hash) {
        this.ring[slot] = NaN;
        this.removeEntry(at);
        this.live--;
        return true;
      }
    }
    return false;
  }

  private home(hash: number): number {
    // The hash's low bits (hashKey mixes every bit).
    return (hash % 0x100000000) & this.mask;
  }

  private evictOldest(): void {
    const slot = this.oldest;
    const hash = this.ring[slot] ?? NaN;
    this.oldest = (this.oldest + 1) % this.capacity;
    this.used--;
    if (Number.isNaN(hash)) return;
    this.live--;
    for (let at = this.home(hash); this.index[at] !== 0; at = (at + 1) & this.mask) {
      if (this.index[at] === slot + 1) {
        this.removeEntry(at);
        return;
      }
    }
  }

  /** Empties an index entry, moving later entries of the probe run back so that no lookup stops short. */
  private removeEntry(at: number): void {
    let hole = at;
    this.index[hole] = 0;
    for (let next = (hole + 1) & this.mask; this.index[next] !== 0; next = (next + 1) & this.mask) {
      const home = this.home(this.ring[(this.index[next] ?? 0) - 1] ?? 0);
      // The entry at `next` may move into the hole only if its home is not inside (hole, next].
      const between = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!between) {
        this.index[hole] = this.index[next] ?? 0;
        this.index[next] = 0;
        hole = next;
      }
    }
  }
}

/** A 53-bit hash of a key: two 32-bit FNV-1a passes with different seeds, each finished by murmur3's mixer. */
export function hashKey(key: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  a = fmix(a);
  b = fmix(b);
  return (a >>> 0) * 0x200000 + (b >>> 11);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
