/**
 * Finding things as a person would: by accessible role and name first, then by the store's data-* hooks
 * (docs/dom-contract.md). Waiting is condition-based with a timeout, polled on timers and DOM mutations —
 * never on requestAnimationFrame, which headless or background pages may throttle.
 */
import { SimulationError, type PageEnv } from './env';

export type Role = 'link' | 'button' | 'textbox' | 'searchbox' | 'spinbutton' | 'navigation' | 'list' | 'form' | 'heading';

const ROLE_SELECTORS: Record<Role, string> = {
  link: 'a[href], [role="link"]',
  button: 'button, input[type="submit"], input[type="button"], [role="button"]',
  textbox: 'input:not([type]), input[type="text"], input[type="email"], input[type="search"], input[type="tel"], textarea, [role="textbox"]',
  searchbox: 'input[type="search"], [role="searchbox"]',
  spinbutton: 'input[type="number"], [role="spinbutton"]',
  navigation: 'nav, [role="navigation"]',
  list: 'ul, ol, [role="list"]',
  form: 'form',
  heading: 'h1, h2, h3, h4, h5, h6, [role="heading"]',
};

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** A simplified accessible-name computation: aria-labelledby, aria-label, label[for], alt, then text. */
export function accessibleName(el: Element): string {
  const doc = el.ownerDocument;
  const labelledBy = el.getAttribute('aria-labelledby');
  if (labelledBy) {
    return norm(labelledBy.split(/\s+/).map((id) => doc.getElementById(id)?.textContent ?? '').join(' '));
  }
  const aria = el.getAttribute('aria-label');
  if (aria) return norm(aria);
  if (el.id && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT')) {
    const label = doc.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    if (label) return norm(label.textContent ?? '');
  }
  const wrapping = el.closest('label');
  if (wrapping && wrapping !== el) return norm(wrapping.textContent ?? '');
  if (el instanceof HTMLInputElement && (el.type === 'submit' || el.type === 'button')) return norm(el.value);
  const alt = el.getAttribute('alt');
  if (alt) return norm(alt);
  return norm(el.textContent ?? '');
}

export function isVisible(el: Element): boolean {
  if (!(el instanceof HTMLElement)) return true;
  if (el.hidden || el.closest('[hidden], [aria-hidden="true"]')) return false;
  const style = el.ownerDocument.defaultView?.getComputedStyle(el);
  return !style || (style.display !== 'none' && style.visibility !== 'hidden');
}

function matches(name: string, want: string | RegExp): boolean {
  return typeof want === 'string' ? name.toLowerCase() === want.toLowerCase() : want.test(name);
}

export function queryAllByRole(root: ParentNode, role: Role, name?: string | RegExp): Element[] {
  return Array.from(root.querySelectorAll(ROLE_SELECTORS[role])).filter(
    (el) => isVisible(el) && (name === undefined || matches(accessibleName(el), name)),
  );
}

export function queryByRole(root: ParentNode, role: Role, name?: string | RegExp): Element | null {
  return queryAllByRole(root, role, name)[0] ?? null;
}

export interface WaitOptions {
  /** Real milliseconds before giving up. Default 10000. */
  timeout?: number;
  /** What is being waited for, for the error message. */
  what: string;
}

/** Resolves with the first truthy value of `check`, re-checked on DOM mutations and every 20 ms. */
export function waitFor<T>(env: PageEnv, check: () => T | null | undefined | false, opts: WaitOptions): Promise<T> {
  const timeout = opts.timeout ?? 10_000;
  const started = performance.now();
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let poll: number | undefined;
    const observer = new env.win.MutationObserver(() => attempt());
    const timer = env.win.setTimeout(() => finish(new SimulationError(`timed out after ${timeout} ms waiting for ${opts.what}`)), timeout);
    function finish(err: Error | null, value?: T): void {
      if (done) return;
      done = true;
      if (env.timing) env.timing.storeWaitMs += performance.now() - started;
      observer.disconnect();
      env.win.clearTimeout(timer);
      if (poll !== undefined) env.win.clearTimeout(poll);
      if (err) reject(err);
      else resolve(value as T);
    }
    function attempt(): void {
      if (done) return;
      try {
        const v = check();
        if (v) finish(null, v);
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    }
    function tick(): void {
      attempt();
      if (!done) poll = env.win.setTimeout(tick, 20);
    }
    observer.observe(env.doc.documentElement, { childList: true, subtree: true, attributes: true });
    tick();
  });
}

export async function findByRole(env: PageEnv, role: Role, name: string | RegExp, within?: ParentNode, timeout?: number): Promise<Element> {
  return waitFor(env, () => queryByRole(within ?? env.doc, role, name), { what: `${role} named ${String(name)}`, timeout });
}
