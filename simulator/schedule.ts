/**
 * When shoppers come: the time-of-day habit of a persona turned into session start times.
 * Pure functions of the persona and the seeded RNG, for the runner that plans sessions over days.
 */
import { DEFAULT_ACTIVE_HOURS, type Persona } from './personas';
import type { Rng } from './rng';

const HOUR_MS = 3600_000;

/**
 * A session start inside the day that begins at `dayStartMs` (local midnight of the shopper's day, as ms since
 * epoch): an hour drawn from the persona's `activeHours`, then a uniform minute inside it.
 */
export function sampleSessionStart(persona: Persona, dayStartMs: number, rng: Rng): number {
  const hours = persona.traits.activeHours ?? DEFAULT_ACTIVE_HOURS;
  const hour = Math.max(0, rng.weightedIndex(hours));
  return dayStartMs + hour * HOUR_MS + Math.floor(rng.next() * HOUR_MS);
}
