/**
 * Gives memory back once ingest pauses. After a burst, V8 keeps the heap it grew to (the bodies, row text and
 * parsed hits of thousands of requests are garbage by then, but the pages stay mapped) and its memory reducer may
 * take minutes to shrink it; a full collection returns them at once. Measured (collector/README.md, "Memory under
 * sustained ingest"): after 80,000 events and an idle checkpoint the collector's RSS went from 263 to 205 MiB
 * on one full collection of the main thread.
 *
 * Node exposes `gc()` only under `--expose-gc`, which `shoplab serve` cannot ask its users to pass; V8 accepts the
 * flag at run time, and a fresh context then carries the function. Called at most once per pause (the idle
 * timer), never on the request path.
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/** A full, synchronous garbage collection of this thread's heap; false if V8 would not expose one. */
export function collectGarbage(): boolean {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const fn: unknown = runInNewContext('gc');
      collect = typeof fn === 'function' ? (fn as () => void) : null;
    } catch {
      collect = null;
    }
  }
  if (!collect) return false;
  // The second pass finds the pages the first one emptied and hands them back (one pass left the heap ~35 MB larger).
  collect();
  collect();
  return true;
}
