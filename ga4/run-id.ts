/**
 * Run ids: the label of a simulated run. A run id becomes a file name (the run's journal and truth under
 * `<data>/runs/`), an event param (`shoplab_run_id`) and a ground-truth key, so it is held to a safe alphabet
 * before any of those: it can never name a path outside `<data>/runs`, and never carries a SQL wildcard.
 */

/** At most this many characters. */
export const RUN_ID_MAX_LENGTH = 64;

const RUN_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Says why `value` is not a valid run id, or returns null when it is. */
export function runIdProblem(value: unknown): string | null {
  if (typeof value !== 'string') return `a run id must be a string, got ${value === null ? 'null' : typeof value}`;
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value === '') return 'a run id must not be empty';
  if (value.length > RUN_ID_MAX_LENGTH) return `run id ${shown} is ${value.length} characters long; at most ${RUN_ID_MAX_LENGTH} are allowed`;
  if (!/^[A-Za-z0-9._-]*$/.test(value)) return `run id ${shown} may hold only letters, digits, '.', '_' and '-'`;
  if (!RUN_ID.test(value)) return `run id ${shown} must not start with a dot`;
  return null;
}

/** Returns `value` when it is a valid run id; otherwise throws an Error with a one-line reason. */
export function checkRunId(value: string): string {
  const problem = runIdProblem(value);
  if (problem !== null) throw new Error(problem);
  return value;
}
