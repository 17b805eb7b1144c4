/**
 * The datasets `shoplab transform` writes, and the one place that says where each comes from: the analysis models
 * (the project's only sessionization) for the behavioural ones, the ground-truth tables for the labels. Labels
 * are separate files on purpose: a model trained on `sessions` must never see what the simulator meant.
 */
import type { ModelName } from '../analysis/models';

export const DATASETS = ['events', 'sessions', 'users', 'interactions', 'items', 'labels_users', 'labels_sessions'] as const;
export type DatasetName = (typeof DATASETS)[number];

/** Column types as the files carry them: CSV writes them as text, Parquet as these physical types. */
export type ColumnType = 'string' | 'int64' | 'double' | 'boolean';

export interface DatasetColumn {
  name: string;
  type: ColumnType;
}

export interface ModelDataset {
  kind: 'model';
  model: ModelName;
  /** Row order of the file (so that two runs over the same data write the same bytes). */
  orderBy: string;
}

export interface LabelDataset {
  kind: 'labels';
  /** The ground-truth table, `sim_users` or `sim_sessions`. */
  table: 'sim_users' | 'sim_sessions';
}

export const DATASET_SPECS: Readonly<Record<DatasetName, ModelDataset | LabelDataset>> = {
  events: { kind: 'model', model: 'stg_events', orderBy: 'event_timestamp, user_pseudo_id, event_name' },
  sessions: { kind: 'model', model: 'sessions', orderBy: 'session_start_micros, session_key' },
  users: { kind: 'model', model: 'users', orderBy: 'first_seen_micros, client_key' },
  interactions: { kind: 'model', model: 'interactions', orderBy: 'client_key, item_id' },
  items: { kind: 'model', model: 'items', orderBy: 'item_id' },
  labels_users: { kind: 'labels', table: 'sim_users' },
  labels_sessions: { kind: 'labels', table: 'sim_sessions' },
};

export function isDataset(name: string): name is DatasetName {
  return (DATASETS as readonly string[]).includes(name);
}

/** `events,sessions` → the datasets, in DATASETS order; an unknown name is an error naming it. */
export function parseDatasets(list: string): DatasetName[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of names) {
    if (!isDataset(name)) throw new Error(`unknown dataset "${name}" (datasets: ${DATASETS.join(', ')})`);
  }
  if (names.length === 0) throw new Error(`--datasets is empty (datasets: ${DATASETS.join(', ')})`);
  return DATASETS.filter((d) => names.includes(d));
}

export interface LabelColumn {
  /** The ground-truth table's column. */
  column: string;
  /** The file's column. */
  as: string;
  type: ColumnType;
  /** How the value is read: `json` written as its JSON text, `millis` a TIMESTAMP as Unix milliseconds. */
  read?: 'json' | 'millis';
}

/**
 * The ground-truth columns each label file keeps, in order, with the type they are written as. Left out: the
 * persona's full JSON (persona_id names it; the population file holds it), the session's action trace (a
 * debugging record, and the answer key to nothing a model should learn) and the seed (reproduction detail).
 */
export const LABEL_COLUMNS: Readonly<Record<LabelDataset['table'], readonly LabelColumn[]>> = {
  sim_users: [
    { column: 'client_id', as: 'user_pseudo_id', type: 'string' },
    { column: 'run_id', as: 'run_id', type: 'string' },
    { column: 'persona_id', as: 'persona_id', type: 'string' },
    { column: 'segment', as: 'segment', type: 'string' },
    { column: 'age', as: 'age', type: 'int64' },
    { column: 'gender', as: 'gender', type: 'string' },
    { column: 'job', as: 'job', type: 'string' },
    { column: 'region', as: 'region', type: 'string' },
    { column: 'device', as: 'device', type: 'string' },
    { column: 'budget', as: 'budget', type: 'double' },
    { column: 'interests', as: 'interests', type: 'string', read: 'json' },
    { column: 'traits', as: 'traits', type: 'string', read: 'json' },
  ],
  sim_sessions: [
    { column: 'client_id', as: 'user_pseudo_id', type: 'string' },
    { column: 'ga_session_id', as: 'ga_session_id', type: 'int64' },
    { column: 'run_id', as: 'run_id', type: 'string' },
    { column: 'session_index', as: 'session_index', type: 'int64' },
    { column: 'ga_session_number', as: 'ga_session_number', type: 'int64' },
    { column: 'visit', as: 'visit', type: 'int64' },
    { column: 'persona_id', as: 'persona_id', type: 'string' },
    { column: 'intent', as: 'intent', type: 'string' },
    { column: 'goal_item_id', as: 'goal_item_id', type: 'string' },
    { column: 'outcome', as: 'outcome', type: 'string' },
    { column: 'reason', as: 'reason', type: 'string' },
    { column: 'transaction_id', as: 'transaction_id', type: 'string' },
    { column: 'started_at', as: 'started_at_ms', type: 'int64', read: 'millis' },
    { column: 'ended_at', as: 'ended_at_ms', type: 'int64', read: 'millis' },
    { column: 'page_time_ms', as: 'page_time_ms', type: 'double' },
    { column: 'error', as: 'error', type: 'string' },
  ],
};
