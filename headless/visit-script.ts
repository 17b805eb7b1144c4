/**
 * The script a runner installs before every document of a visit: the simulator hook (docs/dom-contract.md) and,
 * once per visit, the user's own browser state — cookies and localStorage of their last visit for a returning
 * user, nothing for a new one. A page is reused across users, so the script first wipes what the last user left.
 * It is a string because loaders such as tsx rewrite functions in ways that break once serialized into a page.
 */
import type { BrowserState } from './journal';

export interface VisitInit {
  /** Virtual pace: the visit's start in ms since epoch. Realtime pace: omitted, the hook reads the real clock. */
  startTime?: number;
  runId?: string;
  /** Client id for a browser without a `_ga` cookie (a new user). */
  clientId?: string;
  /** Unique per visit, so that full page loads inside the visit do not restore the state again. */
  visitKey: string;
  /** The user's browser state from their previous visit; undefined for a new user. */
  state?: BrowserState;
}

const COOKIE_ATTRS = '; path=/; max-age=63072000; SameSite=Lax';

/**
 * The source of the simulator hook object (docs/dom-contract.md): a frozen virtual start time, or the real clock
 * when `startTime` is omitted, plus the run label and planned client id when given.
 */
export function simHookLiteral(init: Pick<VisitInit, 'startTime' | 'runId' | 'clientId'>): string {
  const now = init.startTime === undefined ? 'Date.now()' : String(Number(init.startTime));
  const fields = [`now: function () { return ${now}; }`];
  if (init.runId) fields.push(`runId: ${JSON.stringify(init.runId)}`);
  if (init.clientId) fields.push(`clientId: ${JSON.stringify(init.clientId)}`);
  return `{ ${fields.join(', ')} }`;
}

export function visitScript(init: VisitInit): string {
  const cookies = (init.state?.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c.includes('='));
  return `(function () {
  if (window.top !== window) return;
  var hook = ${simHookLiteral(init)};
  // The engine swaps in its own hook when simulateUser starts, which may be before the landing page's first hit
  // created the _ga cookie; the planned client id must survive that swap or a new user gets a random one.
  Object.defineProperty(window, '__shoplabSim', {
    configurable: true,
    get: function () { return hook; },
    set: function (next) {
      if (next && typeof next === 'object' && next.clientId === undefined && hook && hook.clientId !== undefined) next.clientId = hook.clientId;
      hook = next;
    },
  });
  var key = ${JSON.stringify(init.visitKey)};
  try {
    if (sessionStorage.getItem('shoplab:visit') === key) return;
    document.cookie.split(';').forEach(function (c) {
      var name = c.split('=')[0].trim();
      if (name) document.cookie = name + '=; path=/; max-age=0';
    });
    localStorage.clear();
    sessionStorage.clear();
    ${JSON.stringify(cookies)}.forEach(function (c) { document.cookie = c + ${JSON.stringify(COOKIE_ATTRS)}; });
    var local = ${JSON.stringify(init.state?.local ?? {})};
    Object.keys(local).forEach(function (k) { localStorage.setItem(k, local[k]); });
    sessionStorage.setItem('shoplab:visit', key);
  } catch (e) {
    console.error('[shoplab] restoring the visitor state failed', e);
  }
})();`;
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
