/**
 * Who the run's users are. The runner needs only a sampler: given a user's own random stream, which persona the
 * user is and how often such a user visits. A population file (--population) or the built-in personas supply it.
 */
import { readFileSync } from 'node:fs';
import { BUILT_IN_PERSONAS, findPersona, type Persona } from '../simulator/personas';
import { parsePopulation, samplePersona } from '../simulator/population';
import type { Rng } from '../simulator/rng';

/** populations/default.json (docs/population.md): what `shoplab simulate` runs without --population or --persona. */
export { DEFAULT_POPULATION_PATH } from '../simulator/population-file';

export interface SampledUser {
  /** A built-in persona id or a full persona, handed to `simulateUser` as is. */
  persona: string | Persona;
  /** Mean visits per week of this user (> 0). */
  visitsPerWeek: number;
}

/** Draws one user. Must take every random choice from `rng` so that a seed reproduces the population. */
export type UserSampler = (rng: Rng) => SampledUser;

/** Visits per week of a built-in persona, by how much they shop. */
const DEFAULT_VISITS_PER_WEEK = 1;

/** Built-in personas, equally likely (or only those named), each visiting as often as its own trait says. */
export function builtInSampler(ids?: readonly string[]): UserSampler {
  const personas = ids?.length ? ids.map((id) => findPersona(id)) : [...BUILT_IN_PERSONAS];
  return (rng) => {
    const p = rng.pick(personas);
    return { persona: p.id, visitsPerWeek: p.traits.visitFrequency > 0 ? p.traits.visitFrequency : DEFAULT_VISITS_PER_WEEK };
  };
}

interface Segment {
  persona: string | Persona;
  weight: number;
  visitsPerWeek: number;
}

/**
 * Reads a population file in either of two forms:
 * - a population of persona distributions (docs/population.md, validated by simulator/population.ts, e.g.
 *   populations/default.json): each user is a persona drawn from a segment by weight, every field from its
 *   distribution, visiting `traits.visitFrequency` times a week;
 * - a mix of whole personas: `{ "segments": [{ "persona": "<built-in id>" | {full persona}, "weight": 3,
 *   "visitsPerWeek": 2 }, ...] }`.
 * Throws naming the file and the offending field.
 */
export function loadPopulationFile(file: string): UserSampler {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`population ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const segments = (raw as { segments?: unknown })?.segments;
  if (!Array.isArray(segments) || segments.length === 0) throw new Error(`population ${file}: expected {"segments": [...]} with at least one segment`);
  if (!segments.some((s: unknown) => !!s && typeof s === 'object' && 'persona' in s)) {
    const population = parsePopulation(raw, file);
    return (rng) => {
      const persona = samplePersona(population, rng);
      return { persona, visitsPerWeek: persona.traits.visitFrequency > 0 ? persona.traits.visitFrequency : DEFAULT_VISITS_PER_WEEK };
    };
  }
  const parsed: Segment[] = segments.map((s: unknown, i) => {
    const seg = (s ?? {}) as { persona?: unknown; weight?: unknown; visitsPerWeek?: unknown };
    const where = `population ${file}: segments[${i}]`;
    let persona: string | Persona;
    if (typeof seg.persona === 'string') {
      try {
        persona = findPersona(seg.persona).id;
      } catch (err) {
        throw new Error(`${where}.persona: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    else if (seg.persona && typeof seg.persona === 'object' && typeof (seg.persona as Persona).id === 'string') persona = seg.persona as Persona;
    else throw new Error(`${where}.persona must be a built-in persona id or a persona object with an id`);
    const weight = seg.weight ?? 1;
    if (typeof weight !== 'number' || !(weight > 0)) throw new Error(`${where}.weight must be a number > 0, got ${JSON.stringify(weight)}`);
    const visits = seg.visitsPerWeek ?? DEFAULT_VISITS_PER_WEEK;
    if (typeof visits !== 'number' || !(visits > 0)) throw new Error(`${where}.visitsPerWeek must be a number > 0, got ${JSON.stringify(visits)}`);
    return { persona, weight, visitsPerWeek: visits };
  });
  const weights = parsed.map((s) => s.weight);
  return (rng) => {
    const seg = parsed[rng.weightedIndex(weights)]!;
    return { persona: seg.persona, visitsPerWeek: seg.visitsPerWeek };
  };
}
