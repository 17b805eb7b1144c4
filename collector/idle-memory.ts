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

let trim: (() => Promise<void>) | null | undefined;

/**
 * Hands the free pages inside glibc malloc's arenas back to the system (`malloc_trim(0)`), through koffi, a
 * maintained FFI library with prebuilt binaries, since Node has no binding for it and the environment variables
 * that tune malloc (`MALLOC_ARENA_MAX`, `MALLOC_TRIM_THRESHOLD_`) must be set before the process starts, which a
 * `shoplab serve` cannot ask of its users. glibc returns an arena's memory on its own only from the arena's top,
 * so after a burst the buffers freed below a live allocation stay resident: 60–80 MiB in the collector, measured
 * in collector/README.md ("Memory under sustained ingest"). It is process-wide: every thread's arena is trimmed.
 * The call runs on libuv's thread pool: under load it waits for each arena's lock, which took up to 200 ms when it
 * ran on the event loop. Resolves to false where there is no glibc (musl, macOS) or the library will not load; the
 * caller then simply keeps the memory, as before.
 */
export async function trimMallocArenas(): Promise<boolean> {
  if (trim === undefined) {
    trim = null;
    if (process.platform === 'linux') {
      try {
        const { default: koffi } = await import('koffi');
        const mallocTrim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)');
        trim = () =>
          new Promise<void>((resolve, reject) => {
            mallocTrim.async(0, (error: unknown) => (error ? reject(error instanceof Error ? error : new Error('malloc_trim failed')) : resolve()));
          });
      } catch {
        trim = null;
      }
    }
  }
  if (!trim) return false;
  await trim();
  return true;
}
