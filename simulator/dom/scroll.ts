/** Scrolling the window the way a reader does: in steps, each one firing the page's scroll listeners. */
import type { PageEnv } from './env';

/** Scrolls to `fraction` (0..1) of the page height; returns the fraction reached. */
export function scrollTo(env: PageEnv, fraction: number): number {
  const max = Math.max(0, env.doc.documentElement.scrollHeight - env.win.innerHeight);
  const y = Math.round(max * Math.min(1, Math.max(0, fraction)));
  env.win.scrollTo(0, y);
  // scrollTo queues its scroll event for the next frame; dispatch one now so listeners run without a frame.
  env.win.dispatchEvent(new env.win.Event('scroll'));
  return max === 0 ? 1 : y / max;
}
