/**
 * The simulator hook: the object a simulator or runner installs on `window.__shoplabSim` (docs/dom-contract.md,
 * "Hooks for tools"). The store's tag and id minting read it; the in-page engine and the headless runner write it.
 * Its one definition, shared by every stage that touches it.
 */

import type { MpUserLocation } from './measurement-protocol';

/** The global the hook lives on. */
export const SIM_HOOK_GLOBAL = '__shoplabSim';

export interface SimHook {
  /** The time every event is stamped with, ms since the epoch (virtual time under simulation). */
  now(): number;
  /** Run label, added to every event as `shoplab_run_id`. */
  runId?: string;
  /** Client id to give a browser that has no `_ga` cookie yet (a planned new user). */
  clientId?: string;
  /**
   * Where the shopper is (a runner sets it from the persona's region), sent as the Measurement Protocol's
   * `user_location`: the collector takes geo from it as GA4 would from the sender's IP.
   */
  userLocation?: MpUserLocation;
  /** Set on hooks the engine installs; a hook without it was put there by a runner before the page loaded. */
  engine?: true;
  /**
   * Set by a runner that reuses a page for this visit: the dataLayer length before the visit's landing, so that
   * the session's events exclude the previous visitors'. Absent: the page was loaded for this visit.
   */
  dataLayerStart?: number;
}

/** A window that may carry the hook. */
export interface SimHookWindow {
  [SIM_HOOK_GLOBAL]?: SimHook;
}

/**
 * What a runner knows of a hook before the page exists: a fixed virtual start time instead of a clock (omitted:
 * the real clock), and the optional fields it sets. headless/visit-script.ts turns it into the hook's source.
 */
export type SimHookInit = Pick<SimHook, 'runId' | 'clientId' | 'userLocation'> & { startTime?: number };
