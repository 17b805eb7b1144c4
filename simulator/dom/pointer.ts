/**
 * Pointer actions as full event sequences on real elements, the way a mouse produces them — so that the
 * store's own handlers (React's synthetic events, Gatsby's Link) see what a person's click makes.
 */
import type { PageEnv } from './env';

function center(el: Element): { clientX: number; clientY: number } {
  const r = el.getBoundingClientRect();
  return { clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 };
}

/**
 * Scrolls an element into view, as a person would before clicking it. Like `scrollTo`, dispatches the scroll
 * event at once when the page moved: the browser's own comes a frame later, after the click, and the store
 * records impressions of what scrolls into view from it.
 */
export function scrollIntoView(env: PageEnv, el: Element): void {
  if (!(el instanceof env.win.HTMLElement)) return;
  const before = env.win.scrollY;
  el.scrollIntoView({ block: 'center', inline: 'nearest' });
  if (env.win.scrollY !== before) env.win.dispatchEvent(new env.win.Event('scroll'));
}

export function hover(env: PageEnv, el: Element): void {
  const pos = center(el);
  const common = { bubbles: true, cancelable: true, composed: true, view: env.win, ...pos };
  el.dispatchEvent(new env.win.PointerEvent('pointerover', { ...common, pointerType: 'mouse', isPrimary: true }));
  el.dispatchEvent(new env.win.PointerEvent('pointerenter', { ...common, bubbles: false, pointerType: 'mouse', isPrimary: true }));
  el.dispatchEvent(new env.win.MouseEvent('mouseover', common));
  el.dispatchEvent(new env.win.MouseEvent('mouseenter', { ...common, bubbles: false }));
  el.dispatchEvent(new env.win.PointerEvent('pointermove', { ...common, pointerType: 'mouse', isPrimary: true }));
  el.dispatchEvent(new env.win.MouseEvent('mousemove', common));
}

/**
 * pointerdown → mousedown → focus → pointerup → mouseup → click. The click is a real dispatched MouseEvent,
 * so links follow their href (through the router when it listens) and submit buttons submit their form.
 */
export function click(env: PageEnv, el: Element): void {
  scrollIntoView(env, el);
  try {
    env.onPointer?.(el);
  } catch {
    // Showing the cursor is decoration; it never stops the click.
  }
  hover(env, el);
  const pos = center(el);
  const common = { bubbles: true, cancelable: true, composed: true, view: env.win, button: 0, detail: 1, ...pos };
  const pointer = { ...common, pointerType: 'mouse', isPrimary: true, pointerId: 1 };
  el.dispatchEvent(new env.win.PointerEvent('pointerdown', { ...pointer, buttons: 1 }));
  const allowed = el.dispatchEvent(new env.win.MouseEvent('mousedown', { ...common, buttons: 1 }));
  if (allowed && el instanceof HTMLElement) el.focus({ preventScroll: true });
  el.dispatchEvent(new env.win.PointerEvent('pointerup', { ...pointer, buttons: 0 }));
  el.dispatchEvent(new env.win.MouseEvent('mouseup', { ...common, buttons: 0 }));
  el.dispatchEvent(new env.win.MouseEvent('click', { ...common, buttons: 0 }));
}
