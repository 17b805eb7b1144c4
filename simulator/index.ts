/**
 * Bundle entry of the in-page engine (built to /shoplab-simulator.js, loaded by its own script tag): installs
 * `window.simulateUser`, and resumes a session that a full page load interrupted. The store never imports this
 * code; the engine knows the store only through docs/dom-contract.md.
 */
import { installResumeHook, resumeSession, simulateUser, type SimulateParams, type SimulateResult, type StopControl } from './engine';
import { BUILT_IN_PERSONAS, type Persona } from './personas';

export interface SimulateUserFn {
  (params?: SimulateParams): Promise<SimulateResult>;
  /** The built-in personas, by id. */
  personas: readonly Persona[];
  /** Stops every session running on this page before its next step; they end with outcome 'stopped'. */
  stop(): void;
  /** The session resumed after a full page load, when there is one (resolves with its result). */
  resumed?: Promise<SimulateResult>;
}

declare global {
  interface Window {
    simulateUser?: SimulateUserFn;
  }
}

const env = { win: window, doc: document };
const running = new Set<StopControl>();
const control = {
  register(s: StopControl): () => void {
    running.add(s);
    return () => running.delete(s);
  },
};

// First, before the store's own scripts push this page's events: a session in progress gets its clock back.
const saved = installResumeHook(env);

const fn = ((params?: SimulateParams) => simulateUser(env, params, control)) as SimulateUserFn;
fn.personas = BUILT_IN_PERSONAS;
fn.stop = () => {
  for (const s of running) s.stop();
};
if (saved) fn.resumed = resumeSession(env, saved, control);
window.simulateUser = fn;
