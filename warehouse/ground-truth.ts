/**
 * Ground truth: who each simulated shopper really is and what each session meant to do, kept beside the GA4
 * events in schema `ground_truth`, keyed by client id and session start — never inside the event stream.
 */
import type { Warehouse } from './warehouse';

export interface SimSessionRow {
  run_id: string;
  session_index: number;
  seed: string;
  client_id: string;
  persona_id: string;
  persona: unknown;
  intent: string | null;
  outcome: string;
  transaction_id: string | null;
  started_at_ms: number;
  ended_at_ms: number;
  actions: unknown;
  error: string | null;
}

const DDL = `
CREATE SCHEMA IF NOT EXISTS ground_truth;
CREATE TABLE IF NOT EXISTS ground_truth.sim_sessions (
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
);`;

export async function saveSimSessions(wh: Warehouse, rows: SimSessionRow[]): Promise<void> {
  for (const stmt of DDL.split(';').map((s) => s.trim()).filter(Boolean)) await wh.query(stmt);
  if (rows.length === 0) return;
  await wh.query(
    `INSERT OR REPLACE INTO ground_truth.sim_sessions
     SELECT r.run_id, r.session_index, r.seed, r.client_id, r.persona_id, r.persona, r.intent, r.outcome, r.transaction_id,
            make_timestamp(r.started_at_ms * 1000), make_timestamp(r.ended_at_ms * 1000), r.actions, r.error
     FROM (SELECT unnest(from_json(?::JSON, '[{"run_id":"VARCHAR","session_index":"INTEGER","seed":"VARCHAR","client_id":"VARCHAR","persona_id":"VARCHAR","persona":"JSON","intent":"VARCHAR","outcome":"VARCHAR","transaction_id":"VARCHAR","started_at_ms":"BIGINT","ended_at_ms":"BIGINT","actions":"JSON","error":"VARCHAR"}]'), recursive := true)) r`,
    [JSON.stringify(rows)],
  );
}
