/**
 * Ground truth: who each simulated shopper really is (sim_users) and what each session meant to do and did
 * (sim_sessions), kept beside the GA4 events in schema `ground_truth` — never inside the event stream. Sessions
 * join the events on client_id = user_pseudo_id and ga_session_id = the `ga_session_id` event param.
 */
import type { Warehouse } from './warehouse';

export interface SimSessionRow {
  run_id: string;
  session_index: number;
  seed: string;
  client_id: string;
  /** GA4's ga_session_id of the session (Unix seconds of its start), when the tag set one. */
  ga_session_id?: number | null;
  ga_session_number?: number | null;
  /** Which visit of this user the session is (1 = first). */
  visit?: number | null;
  persona_id: string;
  persona: unknown;
  intent: string | null;
  /** A goal-directed session's target item. */
  goal_item_id?: string | null;
  outcome: string;
  /** Why the session ended, in words. */
  reason?: string | null;
  transaction_id: string | null;
  started_at_ms: number;
  ended_at_ms: number;
  actions: unknown;
  page_time_ms?: number | null;
  error: string | null;
}

export interface SimUserRow {
  run_id: string;
  client_id: string;
  persona_id: string;
  /** The population segment the persona was drawn from. */
  segment: string | null;
  age: number | null;
  gender: string | null;
  job: string | null;
  region: string | null;
  device: string | null;
  interests: unknown;
  traits: unknown;
  budget: number | null;
  persona: unknown;
}

const DDL = [
  `CREATE SCHEMA IF NOT EXISTS ground_truth`,
  `CREATE TABLE IF NOT EXISTS ground_truth.sim_sessions (
    run_id VARCHAR NOT NULL,
    session_index INTEGER NOT NULL,
    seed VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    persona_id VARCHAR NOT NULL,
    persona JSON,
    intent VARCHAR,
    outcome VARCHAR NOT NULL,
    transaction_id VARCHAR,
    started_at TIMESTAMP,
    ended_at TIMESTAMP,
    actions JSON,
    error VARCHAR,
    PRIMARY KEY (run_id, session_index)
  )`,
  // Columns added after the first release: existing files gain them in place.
  `ALTER TABLE ground_truth.sim_sessions ADD COLUMN IF NOT EXISTS ga_session_id BIGINT`,
  `ALTER TABLE ground_truth.sim_sessions ADD COLUMN IF NOT EXISTS ga_session_number INTEGER`,
  `ALTER TABLE ground_truth.sim_sessions ADD COLUMN IF NOT EXISTS visit INTEGER`,
  `ALTER TABLE ground_truth.sim_sessions ADD COLUMN IF NOT EXISTS goal_item_id VARCHAR`,
  `ALTER TABLE ground_truth.sim_sessions ADD COLUMN IF NOT EXISTS reason VARCHAR`,
  `ALTER TABLE ground_truth.sim_sessions ADD COLUMN IF NOT EXISTS page_time_ms DOUBLE`,
  `CREATE TABLE IF NOT EXISTS ground_truth.sim_users (
    run_id VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    persona_id VARCHAR NOT NULL,
    segment VARCHAR,
    age INTEGER,
    gender VARCHAR,
    job VARCHAR,
    region VARCHAR,
    device VARCHAR,
    interests JSON,
    traits JSON,
    budget DOUBLE,
    persona JSON,
    PRIMARY KEY (run_id, client_id)
  )`,
];

async function ensureTables(wh: Warehouse): Promise<void> {
  for (const stmt of DDL) await wh.query(stmt);
}

const SESSION_TYPES = JSON.stringify([
  {
    run_id: 'VARCHAR',
    session_index: 'INTEGER',
    seed: 'VARCHAR',
    client_id: 'VARCHAR',
    ga_session_id: 'BIGINT',
    ga_session_number: 'INTEGER',
    visit: 'INTEGER',
    persona_id: 'VARCHAR',
    persona: 'JSON',
    intent: 'VARCHAR',
    goal_item_id: 'VARCHAR',
    outcome: 'VARCHAR',
    reason: 'VARCHAR',
    transaction_id: 'VARCHAR',
    started_at_ms: 'BIGINT',
    ended_at_ms: 'BIGINT',
    actions: 'JSON',
    page_time_ms: 'DOUBLE',
    error: 'VARCHAR',
  },
]);

export async function saveSimSessions(wh: Warehouse, rows: SimSessionRow[]): Promise<void> {
  await ensureTables(wh);
  if (rows.length === 0) return;
  await wh.query(
    `INSERT OR REPLACE INTO ground_truth.sim_sessions
       (run_id, session_index, seed, client_id, persona_id, persona, intent, outcome, transaction_id, started_at, ended_at, actions, error,
        ga_session_id, ga_session_number, visit, goal_item_id, reason, page_time_ms)
     SELECT r.run_id, r.session_index, r.seed, r.client_id, r.persona_id, r.persona, r.intent, r.outcome, r.transaction_id,
            make_timestamp(r.started_at_ms * 1000), make_timestamp(r.ended_at_ms * 1000), r.actions, r.error,
            r.ga_session_id, r.ga_session_number, r.visit, r.goal_item_id, r.reason, r.page_time_ms
     FROM (SELECT unnest(from_json(?::JSON, '${SESSION_TYPES}'), recursive := true)) r`,
    [JSON.stringify(rows)],
  );
}

const USER_TYPES = JSON.stringify([
  {
    run_id: 'VARCHAR',
    client_id: 'VARCHAR',
    persona_id: 'VARCHAR',
    segment: 'VARCHAR',
    age: 'INTEGER',
    gender: 'VARCHAR',
    job: 'VARCHAR',
    region: 'VARCHAR',
    device: 'VARCHAR',
    interests: 'JSON',
    traits: 'JSON',
    budget: 'DOUBLE',
    persona: 'JSON',
  },
]);

/** One row per simulated user of a run; a user seen again (a return visit) keeps one row. */
export async function saveSimUsers(wh: Warehouse, rows: SimUserRow[]): Promise<void> {
  await ensureTables(wh);
  if (rows.length === 0) return;
  const unique = [...new Map(rows.map((r) => [`${r.run_id}\u0000${r.client_id}`, r])).values()];
  await wh.query(
    `INSERT OR REPLACE INTO ground_truth.sim_users
     SELECT r.run_id, r.client_id, r.persona_id, r.segment, r.age, r.gender, r.job, r.region, r.device, r.interests, r.traits, r.budget, r.persona
     FROM (SELECT unnest(from_json(?::JSON, '${USER_TYPES}'), recursive := true)) r`,
    [JSON.stringify(unique)],
  );
}

interface PersonaLike {
  id: string;
  segment?: string;
  demographics?: { age?: number; gender?: string; job?: string; region?: string; device?: string };
  interests?: unknown;
  traits?: unknown;
  budget?: number;
}

/** The sim_users row of a persona (the simulator's Persona shape, read structurally: warehouse/ imports no simulator). */
export function simUserRow(runId: string, clientId: string, persona: PersonaLike): SimUserRow {
  const d = persona.demographics ?? {};
  return {
    run_id: runId,
    client_id: clientId,
    persona_id: persona.id,
    segment: persona.segment ?? null,
    age: d.age ?? null,
    gender: d.gender ?? null,
    job: d.job ?? null,
    region: d.region ?? null,
    device: d.device ?? null,
    interests: persona.interests ?? null,
    traits: persona.traits ?? null,
    budget: persona.budget ?? null,
    persona,
  };
}
