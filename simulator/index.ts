/**
 * Bundle entry of the in-page engine (built to /shoplab-simulator.js, loaded by its own script tag): installs
 * `window.simulateUser`. The store never imports this code; the engine knows the store only through
 * docs/dom-contract.md.
 */
import { simulateUser, type SimulateParams, type SimulateResult } from './engine';
import { BUILT_IN_PERSONAS, type Persona } from './personas';

export interface SimulateUserFn {
  (params?: SimulateParams): Promise<SimulateResult>;
  personas: readonly Persona[];
}

declare global {
  interface Window {
    simulateUser?: SimulateUserFn;
  }
}

const fn = ((params?: SimulateParams) => simulateUser({ win: window, doc: document }, params)) as SimulateUserFn;
fn.personas = BUILT_IN_PERSONAS;
window.simulateUser = fn;
