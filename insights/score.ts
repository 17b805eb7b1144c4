/**
 * Scoring a live session with the trained propensity model: pure and fast (a dot product over the features of
 * the events so far), for the server and the dashboard. Load the model once (`loadPropensityModel`), then call
 * `scoreSession` as often as events arrive.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { logisticScore, type LogisticModelJson } from './learners';
import { SESSION_FEATURES, sessionFeatures, type LiveSession } from './propensity';

export { sessionFeatures, SESSION_FEATURES, type LiveSession };

/** Where `shoplab train` saves the propensity scorer, under the data directory. */
export const PROPENSITY_MODEL_FILE = join('insights', 'propensity.json');

export interface SessionScorer {
  features: readonly string[];
  logistic: LogisticModelJson;
}

/** Reads `<data>/insights/propensity.json`; a one-line error when there is none or it was written for other features. */
export function loadPropensityModel(dataDir: string): SessionScorer {
  const file = join(dataDir, PROPENSITY_MODEL_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`no propensity model at ${file} (run \`shoplab train\` first): ${err instanceof Error ? err.message : String(err)}`);
  }
  const m = parsed as Partial<SessionScorer>;
  if (!m.logistic || !Array.isArray(m.features) || m.features.join(',') !== SESSION_FEATURES.join(',')) {
    throw new Error(`${file} was trained on other session features; run \`shoplab train\` again`);
  }
  return { features: m.features, logistic: m.logistic };
}

/** Probability that the session ends in a purchase, from its features (sessionFeatures of the events so far). */
export function scoreFeatures(model: SessionScorer, features: readonly number[]): number {
  return logisticScore(model.logistic, features);
}

/** Probability that a live session ends in a purchase, from its events so far. */
export function scoreSession(model: SessionScorer, session: LiveSession): number {
  return logisticScore(model.logistic, sessionFeatures(session));
}
