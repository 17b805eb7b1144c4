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

/** glibc's malloc tuning calls, loaded once through koffi; null where there is no glibc (musl, macOS) or no koffi. */
interface Libc {
  /** `malloc_trim(0)`, run on libuv's thread pool. */
  trim(): Promise<void>;
  /** Clears close-on-exec on `fd` (`fcntl(fd, F_SETFD, 0)`); -1 on failure. */
  keepOpenOnExec(fd: number): number;
  /** `execve`: returns (-1) only if the program could not be started. */
  execve(file: string, argv: readonly string[], env: readonly string[]): number;
}

let libc: Promise<Libc | null> | undefined;
/** `fcntl`'s command that sets a descriptor's flags (fcntl.h). */
const F_SETFD = 2;

function loadLibc(): Promise<Libc | null> {
  libc ??= (async (): Promise<Libc | null> => {
    if (process.platform !== 'linux') return null;
    try {
      const { default: koffi } = await import('koffi');
      const lib = koffi.load('libc.so.6');
      const mallocTrim = lib.func('int malloc_trim(size_t pad)');
      const fcntl = lib.func('int fcntl(int fd, int cmd, ...)');
      const execve = lib.func('int execve(const char *path, const char **argv, const char **envp)');
      return {
        trim: () =>
          new Promise<void>((resolve, reject) => {
            mallocTrim.async(0, (error: unknown) => (error ? reject(error instanceof Error ? error : new Error('malloc_trim failed')) : resolve()));
          }),
        keepOpenOnExec: (fd) => Number(fcntl(fd, F_SETFD, 'int', 0)),
        execve: (file, argv, env) => Number(execve(file, [...argv, null], [...env, null])),
      };
    } catch {
      return null;
    }
  })();
  return libc;
}

/**
 * Hands the free pages inside glibc malloc's arenas back to the system (`malloc_trim(0)`), through koffi, a
 * maintained FFI library with prebuilt binaries, since Node has no binding for it. glibc returns an arena's memory
 * on its own only from the arena's top, so after a burst the buffers freed below a live allocation stay resident:
 * 60–80 MiB in the collector, measured in collector/README.md ("Memory under sustained ingest"). It is
 * process-wide: every thread's arena is trimmed. The call runs on libuv's thread pool: under load it waits for each
 * arena's lock, which took up to 200 ms when it ran on the event loop. Resolves to false where there is no glibc
 * (musl, macOS) or the library will not load; the caller then simply keeps the memory, as before.
 */
export async function trimMallocArenas(): Promise<boolean> {
  const lib = await loadLibc();
  if (!lib) return false;
  await lib.trim();
  return true;
}

/** The environment variable glibc reads at start for the most malloc arenas; a run that sets it is left alone. */
export const ARENA_ENV = 'MALLOC_ARENA_MAX';

/**
 * Runs this program again in place, with glibc's malloc capped at `max` arenas (`MALLOC_ARENA_MAX`), unless the
 * environment already says how many. By default glibc gives threads that contend for malloc arenas of their own,
 * up to eight per core, and each keeps the blocks freed inside it; in the collector the ingest thread's arena held
 * 50–60 MiB at the peak of a sustained load. The cap has to be in place before the process's threads first
 * allocate: glibc's `mallopt(M_ARENA_MAX)` called from JavaScript comes too late (Node's own threads have made
 * their arenas by then, and one Worker makes five more), so the program is started again with the variable set,
 * by `execve`: the same process id, arguments and standard streams, nothing left behind (Node 23's
 * `process.execve` does the same). Call it before the program does anything. Does not return when it restarts;
 * resolves to false where it could not (no glibc, no koffi, an exec that failed), and the program then simply runs
 * on without the cap.
 */
export async function restartWithArenaCap(max: number): Promise<false> {
  if (!Number.isInteger(max) || max < 1) throw new Error(`the malloc arena cap must be a positive integer, got ${max}`);
  if (process.env[ARENA_ENV] !== undefined && process.env[ARENA_ENV] !== '') return false;
  const lib = await loadLibc();
  if (!lib) return false;
  // Node opens its standard streams close-on-exec; the restarted program must inherit them.
  for (const fd of [0, 1, 2]) lib.keepOpenOnExec(fd);
  const env = Object.entries({ ...process.env, [ARENA_ENV]: String(max) }).flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value}`]));
  lib.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env);
  return false;
}
