/**
 * When shoppers come: the time-of-day habit and visit frequency of a persona turned into session start times.
 * Pure functions of the persona and the seeded RNG, for the runner that plans sessions over days.
 */
import { DEFAULT_ACTIVE_HOURS, type Persona } from './personas';
import type { Rng } from './rng';
import type { Outcome } from './behaviours';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * A session start inside the day that begins at `dayStartMs` (local midnight of the shopper's day, as ms since
 * epoch): an hour drawn from the persona's `activeHours`, then a uniform minute inside it.
 */
export function sampleSessionStart(persona: Persona, dayStartMs: number, rng: Rng): number {
  const hours = persona.traits.activeHours ?? DEFAULT_ACTIVE_HOURS;
  const hour = Math.max(0, rng.weightedIndex(hours));
  return dayStartMs + hour * HOUR_MS + Math.floor(rng.next() * HOUR_MS);
}

/**
 * Whether and when this shopper comes back after a session, in ms after its end; undefined when they do not
 * return. Loyal shoppers return more often; a shopper who left a full cart is more likely to come back soon
 * to finish ("come back later").
 */
export function nextVisitDelayMs(persona: Persona, outcome: Outcome, rng: Rng): number | undefined {
  const { loyalty, visitFrequency } = persona.traits;
  const returns = outcome === 'cart-abandoned' ? 0.5 + 0.4 * loyalty : 0.25 + 0.6 * loyalty;
  if (visitFrequency <= 0 || !rng.chance(returns)) return undefined;
  const meanMs = (7 * DAY_MS) / visitFrequency / (outcome === 'cart-abandoned' ? 3 : 1);
  // Exponential gaps, but never inside GA4's 30-minute session window: a return is a new session.
  return Math.max(31 * 60_000, Math.round(-Math.log(1 - rng.next()) * meanMs));
}
