/**
 * Typing key by key into inputs. React tracks an input's value through the native setter, so the value is set
 * through HTMLInputElement's prototype setter and an `input` event follows each key, as in a real browser.
 */
import type { PageEnv } from './env';

function setNativeValue(env: PageEnv, el: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  const proto = el instanceof env.win.HTMLTextAreaElement ? env.win.HTMLTextAreaElement.prototype : env.win.HTMLInputElement.prototype;
  const descriptor = Object.getOwnPropertyDescriptor(proto, 'value');
  if (descriptor?.set) descriptor.set.call(el, value);
  else el.value = value;
}

function key(env: PageEnv, el: Element, type: 'keydown' | 'keypress' | 'keyup', k: string): boolean {
  return el.dispatchEvent(new env.win.KeyboardEvent(type, { key: k, bubbles: true, cancelable: true, composed: true }));
}

/** Clears the field (select-all + Backspace) and types `text` one key at a time. */
export function typeText(env: PageEnv, el: HTMLInputElement | HTMLTextAreaElement, text: string, clear = true): void {
  el.focus({ preventScroll: true });
  if (clear && el.value) {
    key(env, el, 'keydown', 'Backspace');
    setNativeValue(env, el, '');
    el.dispatchEvent(new env.win.InputEvent('input', { bubbles: true, inputType: 'deleteContentBackward' }));
    key(env, el, 'keyup', 'Backspace');
  }
  for (const ch of text) {
    if (!key(env, el, 'keydown', ch)) continue;
    key(env, el, 'keypress', ch);
    setNativeValue(env, el, el.value + ch);
    el.dispatchEvent(new env.win.InputEvent('input', { bubbles: true, data: ch, inputType: 'insertText' }));
    key(env, el, 'keyup', ch);
  }
  el.dispatchEvent(new env.win.Event('change', { bubbles: true }));
}
