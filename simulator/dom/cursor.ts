/**
 * A visible cursor for watching a session (realtime pace, console demos): a dot that glides to what the engine
 * clicks and an outline on the target. Pointer-events are off, so it never intercepts the shopper's own events.
 */
import type { PageEnv } from './env';

export interface Cursor {
  point(el: Element): void;
  remove(): void;
}

export function createCursor(env: PageEnv): Cursor {
  const dot = env.doc.createElement('div');
  dot.setAttribute('data-shoplab-cursor', '');
  dot.setAttribute('aria-hidden', 'true');
  Object.assign(dot.style, {
    position: 'fixed',
    left: '0px',
    top: '0px',
    width: '18px',
    height: '18px',
    margin: '-9px 0 0 -9px',
    borderRadius: '50%',
    background: 'rgba(230, 57, 70, 0.75)',
    boxShadow: '0 0 0 4px rgba(230, 57, 70, 0.25)',
    pointerEvents: 'none',
    zIndex: '2147483647',
    transition: 'transform 300ms ease-out',
  });
  env.doc.body.appendChild(dot);
  let outlined: HTMLElement | undefined;
  let previousOutline = '';
  return {
    point(el) {
      const r = el.getBoundingClientRect();
      dot.style.transform = `translate(${Math.round(r.left + r.width / 2)}px, ${Math.round(r.top + r.height / 2)}px)`;
      if (outlined) outlined.style.outline = previousOutline;
      if (el instanceof env.win.HTMLElement) {
        outlined = el;
        previousOutline = el.style.outline;
        el.style.outline = '3px solid rgba(230, 57, 70, 0.8)';
      }
      // The cursor lives outside React's tree; a route change may have replaced the body's content around it.
      if (!dot.isConnected) env.doc.body.appendChild(dot);
    },
    remove() {
      if (outlined) outlined.style.outline = previousOutline;
      dot.remove();
    },
  };
}
