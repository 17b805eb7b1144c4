/**
 * `shoplab simulate`: serves the built store with an in-process collector (unless --url points elsewhere),
 * runs the sessions, stores their ground truth, and prints a summary read back from the warehouse.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startServer, type RunningServer } from '../collector/server';
import { runSimulation, type SessionRecord } from '../headless/runner';
import { saveSimSessions, saveSimUsers, simUserRow, type SimSessionRow } from '../warehouse/ground-truth';
import { createProgress } from './progress';
import { formatSummary, readSummary, type RunSummary } from './summary';

export interface SimulateCommandOptions {
  users: number;
  concurrency: number;
  seed: string;
  data: string;
  url?: string;
  runId?: string;
  start?: number;
  persona?: string[];
  json?: boolean;
  quiet?: boolean;
}

export interface SimulateOutcome {
  summary: RunSummary | undefined;
  sessions: SessionRecord[];
  failed: number;
  seconds: number;
  dataDir: string;
}

export const PUBLIC_DIR = resolve(import.meta.dirname, '..', 'public');

export function newRunId(): string {
  return `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${Math.random().toString(36).slice(2, 6)}`;
}

function toRow(runId: string, r: SessionRecord): SimSessionRow {
  return {
    run_id: runId,
    session_index: r.plan.index,
    seed: r.plan.seed,
    client_id: r.result?.clientId || r.plan.clientId,
    ga_session_id: r.result?.gaSessionId ?? null,
    ga_session_number: r.result?.gaSessionNumber ?? null,
    visit: r.result?.visit ?? null,
    persona_id: r.plan.personaId,
    persona: r.result?.persona ?? null,
    intent: r.result?.intent ?? null,
    goal_item_id: r.result?.goal?.itemId ?? null,
    outcome: r.result?.outcome ?? 'error',
    reason: r.result?.reason ?? null,
    page_time_ms: r.result?.pageTimeMs ?? null,
    transaction_id: r.result?.transactionId ?? null,
    started_at_ms: r.result?.startedAt ?? r.plan.startTime,
    ended_at_ms: r.result?.endedAt ?? r.plan.startTime,
    actions: r.result?.actions ?? [],
    error: r.error ?? null,
  };
}

export async function simulateCommand(opts: SimulateCommandOptions): Promise<SimulateOutcome> {
  const runId = opts.runId ?? newRunId();
  let server: RunningServer | undefined;
  if (!opts.url) {
    if (!existsSync(join(PUBLIC_DIR, 'index.html'))) {
      throw new Error('the store is not built; run `node scripts/setup.mjs` (or `npm run build`) first');
    }
    server = await startServer({ host: '127.0.0.1', port: 0, dataDir: opts.data, publicDir: PUBLIC_DIR });
  }
  const url = opts.url ?? server?.url ?? '';
  const progress = opts.quiet ? undefined : createProgress(opts.users, 'simulating');
  let failed = 0;
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    const run = await runSimulation({
      url,
      users: opts.users,
      concurrency: opts.concurrency,
      seed: opts.seed,
      runId,
      personas: opts.persona,
      startTime: opts.start,
      signal: stop.signal,
      onSession: (r, done) => {
        if (r.error) failed += 1;
        progress?.update(done, failed);
      },
    });
    progress?.end();
    let summary: RunSummary | undefined;
    if (server) {
      await saveSimSessions(server.warehouse, run.sessions.map((r) => toRow(runId, r)));
      await saveSimUsers(
        server.warehouse,
        run.sessions.flatMap((r) => (r.result ? [simUserRow(runId, r.result.clientId || r.plan.clientId, r.result.persona)] : [])),
      );
      summary = await readSummary(server.warehouse, runId);
    }
    return { summary, sessions: run.sessions, failed, seconds: run.seconds, dataDir: opts.data };
  } finally {
    process.off('SIGINT', onSigint);
    await server?.close();
  }
}

export function printOutcome(o: SimulateOutcome, json: boolean): void {
  const errors = o.sessions.filter((s) => s.error).slice(0, 5);
  if (json) {
    console.log(JSON.stringify({ summary: o.summary, failed: o.failed, seconds: o.seconds, warehouse: join(o.dataDir, 'shoplab.duckdb') }, null, 2));
    return;
  }
  if (o.summary) console.log(formatSummary(o.summary));
  else console.log(`${o.sessions.length} sessions sent to the remote collector (query its warehouse for the summary)`);
  console.log(`  simulated in ${o.seconds.toFixed(1)} s, ${o.failed} failed session(s)`);
  for (const e of errors) console.log(`    session ${e.plan.index}: ${e.error}`);
  console.log(`  warehouse: ${join(o.dataDir, 'shoplab.duckdb')}`);
}
