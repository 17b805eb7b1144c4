/**
 * The script a runner installs before every document of a visit: the simulator hook (docs/dom-contract.md) and,
 * once per visit, the user's own browser state — cookies and localStorage of their last visit for a returning
 * user, nothing for a new one. A page is reused across users, so the script first wipes what the last user left.
 * It is a string because loaders such as tsx rewrite functions in ways that break once serialized into a page.
 */
import { SESSION_KEY, STALE_AFTER_MS } from '../simulator/engine';
import type { SimHookInit } from '../ga4/sim-hook';
import type { BrowserState } from './journal';

/** A visit's hook (`startTime`: virtual pace; omitted in realtime pace, the hook reads the real clock), and: */
export interface VisitInit extends SimHookInit {
  /** Unique per visit, so that full page loads inside the visit do not restore the state again. */
  visitKey: string;
  /** The user's browser state from their previous visit; undefined for a new user. */
  state?: BrowserState;
}

const COOKIE_ATTRS = '; path=/; max-age=63072000; SameSite=Lax';

/**
 * The source of the simulator hook object (docs/dom-contract.md): a frozen virtual start time, or the real clock
 * when `startTime` is omitted, plus the run label, the planned client id and the shopper's location when given.
 */
export function simHookLiteral(init: SimHookInit): string {
  const now = init.startTime === undefined ? 'Date.now()' : String(Number(init.startTime));
  const fields = [`now: function () { return ${now}; }`];
  if (init.runId) fields.push(`runId: ${JSON.stringify(init.runId)}`);
  if (init.clientId) fields.push(`clientId: ${JSON.stringify(init.clientId)}`);
  if (init.userLocation) fields.push(`userLocation: ${JSON.stringify(init.userLocation)}`);
  return `{ ${fields.join(', ')} }`;
}

/** Installs the visit's hook; keeps the planned client id across the engine's swap of the hook. */
function hookInstall(init: VisitInit): string {
  return `var hook = ${simHookLiteral(init)};
  // The engine swaps in its own hook when simulateUser starts, which may be before the landing page's first hit
  // created the _ga cookie; the planned client id must survive that swap or a new user gets a random one. The
  // shopper's location must survive it too.
  Object.defineProperty(window, '__shoplabSim', {
    configurable: true,
    get: function () { return hook; },
    set: function (next) {
      if (next && typeof next === 'object' && hook) {
        if (next.clientId === undefined && hook.clientId !== undefined) next.clientId = hook.clientId;
        if (next.userLocation === undefined && hook.userLocation !== undefined) next.userLocation = hook.userLocation;
      }
      hook = next;
    },
  });`;
}

/** Wipes what the last visitor left in cookies and storage and puts this visitor's own back. */
function stateRestore(init: VisitInit): string {
  const cookies = (init.state?.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c.includes('='));
  return `document.cookie.split(';').forEach(function (c) {
      var name = c.split('=')[0].trim();
      if (name) document.cookie = name + '=; path=/; max-age=0';
    });
    localStorage.clear();
    sessionStorage.clear();
    ${JSON.stringify(cookies)}.forEach(function (c) { document.cookie = c + ${JSON.stringify(COOKIE_ATTRS)}; });
    var local = ${JSON.stringify(init.state?.local ?? {})};
    Object.keys(local).forEach(function (k) { localStorage.setItem(k, local[k]); });
    sessionStorage.setItem('shoplab:visit', ${JSON.stringify(init.visitKey)});`;
}

export function visitScript(init: VisitInit): string {
  // A full page load in the middle of a virtual-pace session: the engine saved its clock before the action that
  // caused it, and the new page's load-time events (page_view first) must carry that time, not the visit's start,
  // or they would collide with the landing's events. The engine's bundle takes over the clock once it runs.
  const resumeClock =
    init.startTime === undefined
      ? ''
      : `try {
    var saved = JSON.parse(sessionStorage.getItem(${JSON.stringify(SESSION_KEY)}) || 'null');
    if (saved && typeof saved.clock === 'number' && typeof saved.savedAt === 'number' && Date.now() - saved.savedAt < ${STALE_AFTER_MS}) {
      var clock = saved.clock;
      hook.now = function () { return clock; };
    }
  } catch (e) {
    console.error('[shoplab] reading the saved session failed', e);
  }`;
  return `(function () {
  if (window.top !== window) return;
  ${hookInstall(init)}
  ${resumeClock}
  try {
    if (sessionStorage.getItem('shoplab:visit') === ${JSON.stringify(init.visitKey)}) return;
    ${stateRestore(init)}
  } catch (e) {
    console.error('[shoplab] restoring the visitor state failed', e);
  }
})();`;
}

/**
 * Starts a visit on a page that already shows the store (the last visitor's page, reset by SAVE_AND_RESET), as
 * a fresh page load would but without one: installs the visit's hook, swaps in the visitor's cookies and
 * storage, tells the store to read them (`shoplab:visit`), then lands on `path` with a client-side route change
 * and waits for it to settle. The landing sends the same events a page load would (session_start, first_visit,
 * page_view, the page's view events). Resolves to false when the page is not a ShopLab store that supports this
 * (no Gatsby navigate or no settled signal), in which case the caller loads the page instead.
 */
export function softVisitScript(init: VisitInit, path: string, timeoutMs: number): string {
  return `(async function () {
  var root = document.documentElement;
  if (typeof window.___navigate !== 'function' || !root.dataset.shoplabNav || !window.shoplabTag) return false;
  ${hookInstall(init)}
  hook.dataLayerStart = (window.dataLayer || []).length;
  ${stateRestore(init)}
  window.dispatchEvent(new Event('shoplab:visit'));
  var before = Number(root.dataset.shoplabNav || 0);
  await new Promise(function (resolve, reject) {
    var timer = setTimeout(function () {
      window.removeEventListener('shoplab:route-settled', check);
      reject(new Error('the landing route change did not settle within ${Math.round(timeoutMs / 1000)} s'));
    }, ${Math.round(timeoutMs)});
    function check() {
      if (Number(root.dataset.shoplabNav || 0) <= before) return;
      clearTimeout(timer);
      window.removeEventListener('shoplab:route-settled', check);
      resolve();
    }
    window.addEventListener('shoplab:route-settled', check);
    window.___navigate(${JSON.stringify(path)});
  });
  return true;
})()`;
}

/**
 * Ends a visit: lets events the last action set off asynchronously fire (a scroll event lands on the next frame),
 * waits until the collector has acknowledged every hit, reads the browser state to keep for the user's next visit,
 * then tells the store and tag to forget the user. The journal may only vouch for a session after this.
 */
export const SAVE_AND_RESET = `(async function () {
  await new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(function () { setTimeout(r, 0); }); }); });
  if (window.shoplabTag) await window.shoplabTag.flush();
  var local = {};
  for (var i = 0; i < localStorage.length; i++) { var k = localStorage.key(i); if (k !== null) local[k] = localStorage.getItem(k) || ''; }
  var state = { cookie: document.cookie, local: local };
  window.dispatchEvent(new Event('shoplab:reset'));
  return state;
})()`;
