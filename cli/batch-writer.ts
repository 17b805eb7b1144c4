/**
 * Collects items and writes them together: a batch is written when it reaches `maxItems` or `maxWaitMs` after its
 * first item, one write at a time. `add` resolves once the batch holding the item has been written (and rejects
 * with the write's error).
 */
export function batchWriter<T>(write: (items: T[]) => Promise<void>, maxItems = 32, maxWaitMs = 200): { add(item: T): Promise<void> } {
  let batch: { items: T[]; done: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    const b = batch;
    batch = undefined;
    if (!b) return;
    writing = writing.then(() => write(b.items)).then(b.resolve, b.reject);
  };
  return {
    add(item) {
      if (!batch) {
        let resolve: () => void = () => undefined;
        let reject: (e: unknown) => void = () => undefined;
        const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
        batch = { items: [], done, resolve, reject };
        timer = setTimeout(flush, maxWaitMs);
      }
      batch.items.push(item);
      const { done } = batch;
      if (batch.items.length >= maxItems) flush();
      return done;
    },
  };
}
