/** Reading population files from disk (Node only; the in-page bundle never imports this). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parsePopulation, PopulationError, type Population } from './population';

/** populations/default.json: the documented default population (docs/population.md). */
export const DEFAULT_POPULATION_PATH = resolve(import.meta.dirname, '..', 'populations', 'default.json');

export function loadPopulationFile(path: string = DEFAULT_POPULATION_PATH): Population {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PopulationError(`cannot read population file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parsePopulation(text, path);
}
