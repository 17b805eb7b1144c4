/**
 * `shoplab simulate`: plans the run (users arriving over --days along daily and weekly curves), serves the built
 * store with an in-process collector (unless --url points elsewhere), runs this shard's sessions, stores their
 * ground truth, journals each finished session, and prints a summary read back from the warehouse.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { locationFromGeoHeader } from '../collector/geo-header';
import type { Route } from '../collector/api-http';
import { startServer, type RunningServer } from '../collector/server';
import type { MpUserLocation } from '../ga4/measurement-protocol';
import { checkRunId } from '../ga4/run-id';
import type { DriverName } from '../headless/drivers/driver';
import { playwrightDriver } from '../headless/drivers/playwright';
import { puppeteerDriver } from '../headless/drivers/puppeteer';
import { journalPath, openJournal, type JournalEntry } from '../headless/journal';
import { parseShard, planRun, shardPlan, type PlannedSession } from '../headless/plan';
import { builtInSampler, DEFAULT_POPULATION_PATH, loadPopulationFile } from '../headless/population';
import { runSimulation, type RunPace, type SessionRecord } from '../headless/runner';
import { findPersona } from '../simulator/personas';
import { simUserRow, type SimSessionRow } from '../warehouse/ground-truth';
import type { Warehouse } from '../warehouse/warehouse';
import { clientToken, isShopLabServer } from './api-client';
import { batchWriter } from './batch-writer';
import { PUBLIC_DIR } from './options';
import { createProgress } from './progress';
import { formatSummary, readSummary, type RunSummary } from './summary';
import { fileTruth, serverTruth, warehouseTruth, type TruthSink } from './truth-sink';

export interface SimulateCommandOptions {
  users: number;
  concurrency: number;
  seed: string;
  data: string;
  url?: string;
  /** The private API token of the ShopLab server at `url` (default env SHOPLAB_TOKEN, else `<data>/token`). */
  token?: string;
  runId?: string;
  /** First instant of simulated time (ms). Default: `days` before now (virtual), now (realtime). */
  start?: number;
  /** Days of simulated time. Default 1. */
  days?: number;
  persona?: string[];
  population?: string;
  driver?: DriverName;
  pace?: RunPace;
  /** `k/n`. Default `1/1`. */
  shard?: string;
  resume?: boolean;
  /** Reuse pages between visits without reloading them (see RunOptions.softVisits). Default true. */
  softVisits?: boolean;
  dryRun?: boolean;
  json?: boolean;
  quiet?: boolean;
  /**
   * Runs only the planned sessions starting at or after `from` and before `before` (ms): an experiment plans one
   * population over the whole time and runs its first part as the baseline, the rest once per arm. Default all.
   */
  window?: { from?: number; before?: number };
  /** Store routes of the in-process server (an experiment arm's variant, cli/store-variants.ts). Default none. */
  storeRoutes?: readonly Route[];
  /** The progress bar's label. Default `simulating`. */
  progressLabel?: string;
  /** Tests only: real ms a session may take. */
  sessionTimeoutMs?: number;
  /** Tests and drills only: see RunOptions.onAttempt. */
  onAttempt?: Parameters<typeof runSimulation>[0]['onAttempt'];
  signal?: AbortSignal;
}

export interface SimulateOutcome {
  runId: string;
  summary: RunSummary | undefined;
  sessions: SessionRecord[];
  planned: number;
  skipped: number;
  retried: number;
  /** Visits that began with a page load / that reused a page with a client-side landing. */
  pageLoads: number;
  softVisits: number;
  failed: number;
  stopped: boolean;
  seconds: number;
  dataDir: string;
  journal?: string;
  /** Where the run's ground truth went: the warehouse file, the server's URL, or a truth file to import. */
  truth?: string;
  /** True when the truth went to a file that `shoplab truth import` loads. */
  truthInFile?: boolean;
  /** Set on --dry-run. */
  plan?: PlannedSession[];
}

// The built store's folder is defined with the other defaults (options.ts); re-exported for the tests that start it.
export { PUBLIC_DIR };
const DAY_MS = 24 * 3600 * 1000;

export function newRunId(): string {
  return `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Where the session's persona is, as the Measurement Protocol's `user_location` (its `region` is `CC` or `CC-RRR`,
 * read as the collector reads its geo header): the store's tag sends it with every hit.
 */
function userLocation(plan: PlannedSession): MpUserLocation | undefined {
  const region = findPersona(plan.persona).demographics.region;
  return locationFromGeoHeader(region) ?? undefined;
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

/**
 * Deletes the events a session may have sent before it was abandoned (a crashed page, or a run stopped while it
 * was in flight): this run's events of the session's client id from its start on. A user's visits run in order,
 * so nothing of a later visit can be there yet; earlier visits end before this one starts.
 */
export async function purgeSessions(wh: Warehouse, runId: string, sessions: readonly PlannedSession[]): Promise<void> {
  await wh.purgeRunEvents(
    runId,
    sessions.map((s) => ({ clientId: s.clientId, sinceMicros: s.startTime * 1000 })),
  );
}

/** The first unfinished visit of every user that has one: where an interrupted attempt may have left events. */
function unfinishedFrontier(sessions: readonly PlannedSession[], done: ReadonlyMap<number, JournalEntry>): PlannedSession[] {
  const first = new Map<number, PlannedSession>();
  for (const s of sessions) if (!done.has(s.index) && !first.has(s.user)) first.set(s.user, s);
  return [...first.values()];
}

/** The run's truth file beside its journal (used when the store is not ShopLab's). */
export function truthFilePath(journalFile: string): string {
  return journalFile.replace(/\.jsonl$/, '.truth.ndjson');
}

export async function simulateCommand(opts: SimulateCommandOptions): Promise<SimulateOutcome> {
  const runId = checkRunId(opts.runId ?? newRunId());
  if (opts.resume && !opts.runId) throw new Error('--resume needs the --run-id of the run to continue');
  const pace = opts.pace ?? 'virtual';
  const days = opts.days ?? 1;
  const shardText = opts.shard ?? '1/1';
  const shard = parseShard(shardText);
  const start = opts.start ?? (pace === 'realtime' ? Date.now() : Date.now() - days * DAY_MS);
  // Without --population: the named built-in personas, or else the default population.
  const populationFile = opts.population ?? (opts.persona?.length ? undefined : DEFAULT_POPULATION_PATH);
  const sampler = populationFile ? loadPopulationFile(populationFile) : builtInSampler(opts.persona);
  const plan = planRun({ users: opts.users, seed: opts.seed, start, days, sampler });
  const win = opts.window;
  const inWindow = (t: number): boolean => (win?.from === undefined || t >= win.from) && (win?.before === undefined || t < win.before);
  const mine = shardPlan(plan, shard).filter((s) => inWindow(s.startTime));
  const base = { runId, summary: undefined, sessions: [], planned: mine.length, skipped: 0, retried: 0, pageLoads: 0, softVisits: 0, failed: 0, stopped: false, seconds: 0, dataDir: opts.data };
  if (opts.dryRun) return { ...base, plan: mine };

  let server: RunningServer | undefined;
  if (!opts.url) {
    if (!existsSync(join(PUBLIC_DIR, 'index.html'))) {
      throw new Error('the store is not built; run `node scripts/setup.mjs` (or `npm run build`) first');
    }
    // Virtual time stamps events up to the plan's end (and a session's length past it), which may lie ahead of the
    // wall clock (--start): the collector's future horizon must reach that far.
    const planAheadHours = Math.ceil((start + days * DAY_MS - Date.now()) / 3_600_000);
    server = await startServer({ host: '127.0.0.1', port: 0, dataDir: opts.data, publicDir: PUBLIC_DIR, futureHorizonHours: Math.max(0, planAheadHours) + 72, ...(opts.storeRoutes ? { storeRoutes: opts.storeRoutes } : {}) });
  }
  const warehouse = server?.warehouse;
  let sink: TruthSink | undefined;
  try {
    if (warehouse) sink = warehouseTruth(warehouse);
    else if (opts.url && (await isShopLabServer(opts.url))) sink = serverTruth(opts.url, clientToken(opts.token, opts.data, opts.url));
  } catch (error) {
    await server?.close();
    throw error;
  }
  let journal: ReturnType<typeof openJournal>;
  try {
    journal = openJournal(
      journalPath(opts.data, runId, shardText),
      { type: 'run', runId, seed: opts.seed, users: opts.users, start, days, shard: shardText, population: populationFile ? resolve(populationFile) : (opts.persona ?? []).join(','), pace },
      !!opts.resume,
    );
  } catch (error) {
    await server?.close();
    throw error;
  }
  const url = opts.url ?? server?.url ?? '';
  let failed = 0;
  let events = 0;
  let finished = journal.done.size;
  const progress = opts.quiet ? undefined : createProgress(mine.length, opts.progressLabel ?? (pace === 'realtime' ? 'realtime' : 'simulating'));
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  opts.signal?.addEventListener('abort', onSigint, { once: true });
  process.once('SIGINT', onSigint);
  // Another store keeps no truth: it goes to a file beside the journal, for `shoplab truth import`.
  const truthSink = sink ?? fileTruth(truthFilePath(journal.file));
  // Ground truth is written in batches (one transaction per table per batch, not per session); the runner journals
  // a session only once its batch has been stored. A user's row is the same from each of its sessions (the key is
  // run id + client id), so a returning user keeps one row.
  const truth = batchWriter<SessionRecord>(async (records) => {
    const users = records.filter((r) => r.result).map((r) => simUserRow(runId, r.result!.clientId || r.plan.clientId, r.result!.persona));
    await truthSink.save(records.map((r) => toRow(runId, r)), users);
  });
  try {
    // Creates the tables, and for a server checks the token before any shopper starts.
    await truthSink.save([], []);
    // Sessions in flight when an earlier attempt of this run stopped sent events that no journal line vouches for.
    if (warehouse && opts.resume) await purgeSessions(warehouse, runId, unfinishedFrontier(mine, journal.done));
    progress?.update(finished, failed, events);
    const run = await runSimulation({
      url,
      sessions: mine,
      runId,
      concurrency: opts.concurrency,
      driver: opts.driver === 'playwright' ? playwrightDriver : puppeteerDriver,
      pace,
      done: journal.done,
      journal,
      ...(opts.sessionTimeoutMs ? { sessionTimeoutMs: opts.sessionTimeoutMs } : {}),
      ...(warehouse ? { purge: (s: readonly PlannedSession[]) => purgeSessions(warehouse, runId, s) } : {}),
      ...(opts.onAttempt ? { onAttempt: opts.onAttempt } : {}),
      ...(opts.softVisits === false ? { softVisits: false } : {}),
      // Every shopper is placed from the persona's region (the store's tag sends it), and our own store gets the
      // data saver (RunOptions.saveData); another store does not.
      userLocationFor: userLocation,
      ...(server ? { saveData: true } : {}),
      signal: stop.signal,
      onSession: (r) => {
        finished += 1;
        if (r.error) failed += 1;
        events += r.result?.events.length ?? 0;
        progress?.update(finished, failed, events);
        return truth.add(r);
      },
    });
    progress?.end();
    const summary = warehouse ? await readSummary(warehouse, runId) : undefined;
    const outcome: SimulateOutcome = {
      ...base,
      summary,
      sessions: run.sessions,
      skipped: run.skipped,
      retried: run.retried,
      pageLoads: run.pageLoads,
      softVisits: run.softVisits,
      failed,
      stopped: run.stopped,
      seconds: run.seconds,
      journal: journal.file,
      truth: truthSink.where,
      truthInFile: !sink,
    };
    mkdirSync(join(opts.data, 'runs'), { recursive: true });
    writeFileSync(journal.file.replace(/\.jsonl$/, '.summary.json'), `${JSON.stringify(jsonSummary(outcome), null, 2)}\n`);
    return outcome;
  } finally {
    process.off('SIGINT', onSigint);
    await journal.close();
    await truthSink.close();
    await server?.close();
  }
}

export function jsonSummary(o: SimulateOutcome): Record<string, unknown> {
  const actions = o.sessions.reduce((n, s) => n + (s.result?.actions.length ?? 0), 0);
  return {
    runId: o.runId,
    planned: o.planned,
    ranNow: o.sessions.length,
    skippedFromJournal: o.skipped,
    failed: o.failed,
    retried: o.retried,
    pageLoads: o.pageLoads,
    softVisits: o.softVisits,
    stopped: o.stopped,
    seconds: o.seconds,
    sessionsPerSecond: o.seconds > 0 ? o.sessions.length / o.seconds : 0,
    actionsPerSecond: o.seconds > 0 ? actions / o.seconds : 0,
    summary: o.summary,
    journal: o.journal,
    truth: o.truth,
    warehouse: join(o.dataDir, 'shoplab.duckdb'),
  };
}

export function printDryRun(o: SimulateOutcome, json: boolean): void {
  const plan = o.plan ?? [];
  const byDay = new Map<string, number>();
  for (const s of plan) {
    const day = new Date(s.startTime).toISOString().slice(0, 10);
    byDay.set(day, (byDay.get(day) ?? 0) + 1);
  }
  const users = new Set(plan.map((s) => s.user)).size;
  if (json) {
    console.log(JSON.stringify({ runId: o.runId, sessions: plan.length, users, sessionsByDay: Object.fromEntries(byDay), first: plan.slice(0, 5) }, null, 2));
    return;
  }
  console.log(`dry run ${o.runId}: ${plan.length} session(s) of ${users} user(s); nothing launched`);
  for (const [day, n] of byDay) console.log(`  ${day}  ${n}`);
  for (const s of plan.slice(0, 5)) console.log(`  #${s.index} ${new Date(s.startTime).toISOString()} user ${s.user} visit ${s.visit + 1} ${s.personaId} (${s.device})`);
}

/** Prints the outcome, then applies the exit rules every run command shares: a run whose every session failed is an
 * error; a run stopped by Ctrl-C exits 130. */
export function finishRun(o: SimulateOutcome, json: boolean): void {
  printOutcome(o, json);
  if (o.sessions.length > 0 && o.failed === o.sessions.length) throw new Error('every session failed');
  if (o.stopped) process.exitCode = 130;
}

export function printOutcome(o: SimulateOutcome, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(jsonSummary(o), null, 2));
    return;
  }
  const errors = o.sessions.filter((s) => s.error).slice(0, 5);
  if (o.summary) console.log(formatSummary(o.summary));
  else console.log(`${o.sessions.length} sessions sent to the remote collector (query its warehouse for the summary)`);
  console.log(`  simulated ${o.sessions.length} session(s) in ${o.seconds.toFixed(1)} s, ${o.failed} failed, ${o.retried} retried, ${o.skipped} already done`);
  if (o.stopped) console.log(`  stopped early: continue with --resume --run-id ${o.runId}`);
  for (const e of errors) console.log(`    session ${e.plan.index}: ${e.error}`);
  console.log(`  journal:   ${o.journal ?? '-'}`);
  if (o.truthInFile) console.log(`  truth:     ${o.truth} (the store is not ShopLab's: load it with \`shoplab truth import ${o.truth} --url <ShopLab server> | --data <dir>\`)`);
  else if (o.truth) console.log(`  truth:     ${o.truth}`);
  console.log(`  warehouse: ${join(o.dataDir, 'shoplab.duckdb')}`);
}
