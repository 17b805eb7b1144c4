import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { saveSimSessions, saveSimUsers, simUserRow, type SimSessionRow } from './ground-truth';
import { Warehouse } from './warehouse';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function open(): Promise<Warehouse> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shoplab-gt-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const wh = await Warehouse.open({ dataDir: dir });
  cleanups.push(() => wh.close());
  return wh;
}

const persona = {
  id: 'bargain-hunter',
  segment: 'bargain-hunter',
  demographics: { age: 41, gender: 'female', job: 'teacher', region: 'US-OH', device: 'desktop' },
  interests: { 'kitchen-cooking': 5 },
  budget: 30,
  traits: { priceSensitivity: 0.9 },
};

function session(i: number, over: Partial<SimSessionRow> = {}): SimSessionRow {
  return {
    run_id: 'r1',
    session_index: i,
    seed: `s/${i}`,
    client_id: '111.222',
    ga_session_id: 1_700_000_000 + i,
    ga_session_number: i + 1,
    visit: i + 1,
    persona_id: 'bargain-hunter',
    persona,
    intent: 'buy',
    outcome: 'purchase',
    reason: 'purchased',
    transaction_id: `T-${i}`,
    started_at_ms: 1_700_000_000_000,
    ended_at_ms: 1_700_000_120_000,
    actions: [{ t: 1, action: 'open-item' }],
    page_time_ms: 123.5,
    error: null,
    ...over,
  };
}

describe('ground truth', () => {
  it('stores sessions keyed by client id and ga_session_id, and one user row per client', async () => {
    const wh = await open();
    await saveSimSessions(wh, [session(0), session(1, { outcome: 'cart-abandoned', reason: 'abandoned the cart', transaction_id: null })]);
    await saveSimUsers(wh, [simUserRow('r1', '111.222', persona), simUserRow('r1', '111.222', persona)]);
    const rows = await wh.query(`SELECT client_id, ga_session_id, visit, outcome, reason, page_time_ms FROM ground_truth.sim_sessions ORDER BY session_index`);
    expect(rows).toEqual([
      { client_id: '111.222', ga_session_id: 1_700_000_000, visit: 1, outcome: 'purchase', reason: 'purchased', page_time_ms: 123.5 },
      { client_id: '111.222', ga_session_id: 1_700_000_001, visit: 2, outcome: 'cart-abandoned', reason: 'abandoned the cart', page_time_ms: 123.5 },
    ]);
    const users = await wh.query(`SELECT client_id, segment, age, device, budget FROM ground_truth.sim_users`);
    expect(users).toEqual([{ client_id: '111.222', segment: 'bargain-hunter', age: 41, device: 'desktop', budget: 30 }]);
  });

  it('adds the new columns to a sim_sessions table created by an older version, keeping its rows', async () => {
    const wh = await open();
    await wh.query('CREATE SCHEMA ground_truth');
    await wh.query(`CREATE TABLE ground_truth.sim_sessions (
      run_id VARCHAR NOT NULL, session_index INTEGER NOT NULL, seed VARCHAR NOT NULL, client_id VARCHAR NOT NULL,
      persona_id VARCHAR NOT NULL, persona JSON, intent VARCHAR, outcome VARCHAR NOT NULL, transaction_id VARCHAR,
      started_at TIMESTAMP, ended_at TIMESTAMP, actions JSON, error VARCHAR, PRIMARY KEY (run_id, session_index))`);
    await wh.query(`INSERT INTO ground_truth.sim_sessions (run_id, session_index, seed, client_id, persona_id, outcome) VALUES ('old', 0, 's', 'c', 'p', 'bounce')`);
    await saveSimSessions(wh, [session(0)]);
    const rows = await wh.query(`SELECT run_id, ga_session_id FROM ground_truth.sim_sessions ORDER BY run_id`);
    expect(rows).toEqual([
      { run_id: 'old', ga_session_id: null },
      { run_id: 'r1', ga_session_id: 1_700_000_000 },
    ]);
  });
});
