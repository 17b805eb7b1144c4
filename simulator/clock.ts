/**
 * The engine's time. Every step is `await clock.wait(ms)` then one action. In virtual pace nothing sleeps: the
 * clock jumps ahead by the drawn dwell time and every event the page fires is stamped with that time. In
 * realtime pace the wait is real, divided by a speed factor for demos.
 */

export interface Clock {
  /** Milliseconds since the epoch, in the clock's own time. */
  now(): number;
  wait(ms: number): Promise<void>;
}

export function virtualClock(startMs: number): Clock {
  let t = startMs;
  return {
    now: () => t,
    wait: (ms) => {
      // Whole milliseconds keep every timestamp derived from the clock an integer.
      t += Math.max(0, Math.round(ms));
      return Promise.resolve();
    },
  };
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
}

/** Real waits, `speed` times faster than the drawn dwell times; the clock reads real time. Abort ends a wait early. */
export function realtimeClock(timers: Timers, speed = 1, signal?: AbortSignal): Clock {
  const factor = speed > 0 ? speed : 1;
  return {
    now: () => Date.now(),
    wait: (ms) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(new Error('stopped'));
          return;
        }
        const onAbort = (): void => reject(new Error('stopped'));
        signal?.addEventListener('abort', onAbort, { once: true });
        timers.setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, Math.max(0, ms) / factor);
      }),
  };
}
