/**
 * The stored event ids a writer keeps in memory for dedupe: the most recent ones only, so that memory stays
 * bounded however long the collector runs. `ingest.event_ids` remains the truth: once an id has been evicted
 * (`complete` false), an id missing here may still be stored, and the writer asks the table (warehouse.ts).
 */
export class RecentIds extends Set<string> {
  /** True while every stored id is held here: a miss then means "not stored", with no need to ask the table. */
  complete = true;

  constructor(readonly capacity: number) {
    super();
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`recentIds must be a positive integer, got ${capacity}`);
  }

  /** Adds an id as the newest; evicts the oldest when over capacity. */
  override add(id: string): this {
    super.add(id);
    if (this.size > this.capacity) {
      // A Set iterates in insertion order: the first is the oldest.
      const oldest = this.values().next();
      if (!oldest.done) this.delete(oldest.value);
      this.complete = false;
    }
    return this;
  }
}
