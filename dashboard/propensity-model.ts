/**
 * The insights stage's trained propensity model as the dashboard's scorer: `shoplab train` saves it under
 * `<data>/insights/`, and insights' own `scoreSession` scores each live session from the events before its checkout,
 * exactly as the model was trained. A purchase is 1 (a known outcome, not a prediction), as with the rule.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadPropensityModel, PROPENSITY_MODEL_FILE, scoreSession, type LiveSession, type SessionScorer } from '../insights/score';
import type { PropensityScorer, SessionState } from './live-state';

/** A session's prefix as insights' LiveSession: its events by name, the first and last at their times. */
export function liveSessionOf(s: SessionState): LiveSession {
  const { counts, first, last } = s.prefix;
  const events: { name: string; t: number }[] = [];
  // sessionFeatures reads counts by name, the number of events and the first and last time; the order and the
  // times in between do not change them. Events the sessions model has no count for fill up to the total.
  for (const [name, n] of Object.entries(counts)) for (let i = 0; i < n; i++) events.push({ name, t: first });
  while (events.length < s.prefix.events) events.push({ name: '(other)', t: first });
  const tail = events.at(-1);
  if (tail) tail.t = last;
  return { events, sessionNumber: s.sessionNumber, device: s.device };
}

export function modelScorer(model: SessionScorer, description: string): PropensityScorer {
  return { source: 'model', description, score: (s) => (s.stage === 4 ? 1 : scoreSession(model, liveSessionOf(s))) };
}

/**
 * The trained model in `<data>/insights/` when there is one, else null (the rule stays). A model that cannot be read
 * is an error, not a silent fall-back.
 */
export function loadModelScorer(dataDir: string): PropensityScorer | null {
  const file = join(dataDir, PROPENSITY_MODEL_FILE);
  if (!existsSync(file)) return null;
  const model = loadPropensityModel(dataDir);
  const trained = statSync(file).mtime.toISOString().slice(0, 16).replace('T', ' ');
  return modelScorer(model, `Insights propensity model (logistic regression over ${model.features.length} session features, trained ${trained} UTC)`);
}
