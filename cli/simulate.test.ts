/**
 * The runner suite, run once per driver: real Chromium, the built store, the in-process collector and a real
 * DuckDB file. Runs are small (3 users over a week, a handful of sessions each) but exercise every guarantee.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../collector/server';
import { DEVICE_PROFILES, deviceScreen } from '../headless/devices';
import { DRIVER_NAMES } from '../headless/drivers/driver';
import { descendants } from '../headless/process-tree';
import { journalPath } from '../headless/journal';
import { BUILT_IN_PERSONAS, type Device } from '../simulator/personas';
import { PUBLIC_DIR, simulateCommand, type SimulateCommandOptions } from './simulate';

const START = Date.UTC(2026, 10, 2);
/** A seed whose three shoppers make returning visits and purchases (the tests below need both). */
const SEED = 'suite-2';
const BIN = resolve(import.meta.dirname, '..', 'bin', 'shoplab.js');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempData(): string {
  const d = mkdtempSync(join(tmpdir(), 'shoplab-runner-'));
  dirs.push(d);
  return d;
}

interface EventRow {
  user: string;
  region: string;
  tid: string | null;
  ts: string;
  name: string;
  sid: string;
  snum: number;
  path: string;
}

/**
 * The rows of a run minus what differs between equal runs: server timestamps, the store's port, and `scroll`
 * events with the microsecond tie-breakers after them — the engine does not wait for the browser to dispatch a
 * scroll event (it lands on the next frame), so whether one fires before the next action depends on load.
 */
async function rows(data: string): Promise<EventRow[]> {
  const db = await DuckDBInstance.create(join(data, 'shoplab.duckdb'), { access_mode: 'READ_ONLY' });
  const con = await db.connect();
  try {
    const reader = await con.runAndReadAll(`
      SELECT user_pseudo_id AS user, geo.region AS region, ecommerce.transaction_id AS tid, CAST(event_timestamp // 1000 AS VARCHAR) AS ts, event_name AS name,
             CAST(list_filter(event_params, p -> p.key = 'ga_session_id')[1].value.int_value AS VARCHAR) AS sid,
             CAST(list_filter(event_params, p -> p.key = 'ga_session_number')[1].value.int_value AS INTEGER) AS snum,
             regexp_replace(list_filter(event_params, p -> p.key = 'page_location')[1].value.string_value, '^https?://[^/]+', '') AS path
      FROM analytics_shoplab.events WHERE event_name <> 'scroll' ORDER BY user, event_timestamp, event_name`);
    return reader.getRowObjectsJson() as unknown as EventRow[];
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

async function truthCounts(data: string): Promise<{ users: number; sessions: number; indexes: number }> {
  const db = await DuckDBInstance.create(join(data, 'shoplab.duckdb'), { access_mode: 'READ_ONLY' });
  const con = await db.connect();
  try {
    const reader = await con.runAndReadAll(`SELECT (SELECT count(*) FROM ground_truth.sim_users)::INTEGER AS users, (SELECT count(*) FROM ground_truth.sim_sessions)::INTEGER AS sessions,
      (SELECT count(DISTINCT session_index) FROM ground_truth.sim_sessions)::INTEGER AS indexes`);
    return reader.getRowObjectsJson()[0] as unknown as { users: number; sessions: number; indexes: number };
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

describe('simulate', { timeout: 180_000 }, () => {
  // These tests drive the built store; without it they fail (not skip), so a green run means they ran.
  beforeAll(() => {
    if (!existsSync(join(PUBLIC_DIR, 'index.html'))) throw new Error(`the store is not built (${join(PUBLIC_DIR, 'index.html')} is missing): run \`npm run build\` first`);
  });
  describe.each(DRIVER_NAMES)('with the %s driver', (driver) => {
    const base = (data: string): SimulateCommandOptions => ({
      users: 3,
      days: 7,
      start: START,
      concurrency: 2,
      seed: SEED,
      runId: 'suite',
      // The built-in personas (frequent visitors, some buyers): a handful of users make returning visits and purchases.
      persona: BUILT_IN_PERSONAS.map((p) => p.id),
      data,
      driver,
      quiet: true,
    });
    let reference: EventRow[] = [];
    /** The unsharded, undisturbed run's rows; made by the first test, or here when that one is filtered out. */
    const referenceRows = async (): Promise<EventRow[]> => {
      if (reference.length === 0) {
        const data = tempData();
        await simulateCommand(base(data));
        reference = await rows(data);
      }
      return reference;
    };

    it('runs every planned session, and returning users keep their client id with a rising session number', async () => {
      const data = tempData();
      const out = await simulateCommand(base(data));
      expect(out.failed).toBe(0);
      expect(out.sessions.length).toBe(out.planned);
      expect(out.planned).toBeGreaterThan(3);
      reference = await rows(data);
      expect(reference.length).toBeGreaterThan(out.planned * 3);
      const users = [...new Set(reference.map((r) => r.user))];
      expect(users).toHaveLength(3);
      for (const user of users) {
        const mine = reference.filter((r) => r.user === user);
        const planned = out.sessions.filter((s) => s.result?.clientId === user);
        expect(planned.length).toBeGreaterThan(0);
        // One first_visit per user, one session_start per visit, and session numbers 1..visits.
        expect(mine.filter((r) => r.name === 'first_visit')).toHaveLength(1);
        expect(mine.filter((r) => r.name === 'session_start').map((r) => r.snum)).toEqual(planned.map((_, i) => i + 1));
        expect(new Set(mine.map((r) => r.sid)).size).toBe(planned.length);
      }
      expect(reference.some((r) => r.snum > 1)).toBe(true);
      // Each shopper is placed by the persona's region (the `user_location` the runner gives the tag), the same on every visit.
      expect(out.sessions.filter((s) => s.result).length).toBe(out.planned);
      for (const s of out.sessions) {
        const regions = new Set(reference.filter((r) => r.user === s.result?.clientId).map((r) => r.region));
        expect([...regions]).toEqual([s.result?.persona.demographics.region]);
      }
    });

    it('makes the same rows whether it reuses pages between visits or loads the store for each', async () => {
      // One worker: every visit after the first on a device's page lands client-side on the reused page.
      const reused = tempData();
      const a = await simulateCommand({ ...base(reused), concurrency: 1 });
      expect(a.softVisits).toBeGreaterThan(0);
      const loaded = tempData();
      const b = await simulateCommand({ ...base(loaded), concurrency: 1, softVisits: false });
      expect(b.softVisits).toBe(0);
      expect(b.pageLoads).toBe(b.planned);
      const expected = await referenceRows();
      expect(expected.some((r) => r.tid)).toBe(true);
      expect(await rows(reused)).toEqual(expected);
      expect(await rows(loaded)).toEqual(expected);
    });

    it('produces exactly the unsharded rows from two shards', async () => {
      const data = tempData();
      const a = await simulateCommand({ ...base(data), shard: '1/2' });
      const b = await simulateCommand({ ...base(data), shard: '2/2' });
      expect(a.sessions.length).toBeGreaterThan(0);
      expect(b.sessions.length).toBeGreaterThan(0);
      expect(a.sessions.length + b.sessions.length).toBe(a.planned + b.planned);
      const union = await rows(data);
      expect(union).toEqual(await referenceRows());
    });

    it('replaces a killed page and retries its session without duplicating a single event', async () => {
      const data = tempData();
      let crashed = 0;
      const out = await simulateCommand({
        ...base(data),
        onAttempt: async (plan, attempt, page, stage) => {
          // After the collector acknowledged the session's events: a retry that did not remove them would duplicate.
          if (plan.index === 2 && attempt === 1 && stage === 'finished') {
            crashed += 1;
            await page.crash();
          }
        },
      });
      expect(crashed).toBe(1);
      expect(out.retried).toBe(1);
      expect(out.failed).toBe(0);
      expect(await rows(data)).toEqual(await referenceRows());
    });

    it('gets the result of a session that had a full page load in the middle from the next page', async () => {
      const data = tempData();
      const out = await simulateCommand({
        ...base(data),
        sessionTimeoutMs: 20_000,
        onAttempt: async (_plan, _attempt, page, stage) => {
          if (stage !== 'loaded') return;
          // From a shopper's fourth step on, the first link it clicks is followed by the browser instead of the
          // store's router (the click never reaches React): a full page load, once per visit (the runner clears
          // sessionStorage at each visit). Installed once per document: a reused page keeps it.
          await page.evaluate(`(function () {
            if (window.__forcesLoad) return;
            window.__forcesLoad = true;
            window.addEventListener('click', function (e) {
              var saved = JSON.parse(sessionStorage.getItem('shoplab:session') || '{"actions":[]}');
              if (sessionStorage.getItem('forced') || saved.actions.length < 3 || !(e.target instanceof Element) || !e.target.closest('a[href^="/"]')) return;
              sessionStorage.setItem('forced', '1');
              e.stopImmediatePropagation();
            }, true);
          })()`);
        },
      });
      expect(out.failed).toBe(0);
      expect(out.retried).toBe(0);
      // A later `back` across that load is a full load too.
      const reloaded = out.sessions.filter((s) => (s.result?.pageLoads ?? 0) > 0);
      expect(reloaded.length).toBeGreaterThan(0);
      // The evaluate that started the session died with its page; the result came through __shoplabReport.
      for (const s of reloaded) {
        expect(s.result?.events.length).toBeGreaterThan(0);
        expect(s.result?.actions.length).toBeGreaterThan(3);
      }
    });

    it('resumes a run killed mid-session without repeating or losing a session', async () => {
      const data = tempData();
      const journal = journalPath(data, 'suite', '1/1');
      const child = spawn(process.execPath, [BIN, 'simulate', '--users', '3', '--days', '7', '--start', new Date(START).toISOString(), '--concurrency', '2', '--seed', SEED, '--run-id', 'suite', '--persona', ...BUILT_IN_PERSONAS.map((p) => p.id), '--driver', driver, '--data', data, '--json'], { stdio: 'ignore', detached: true });
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      // Kill hard once two sessions are journaled: others are in flight, some of their events already stored.
      await expect.poll(() => (existsSync(journal) ? readFileSync(journal, 'utf8').trim().split('\n').length - 1 : 0), { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(2);
      // The whole process group, as on a machine that went down. The runner's Chromium may sit in a group of its
      // own; it must not outlive the runner all the same.
      const browser = descendants(child.pid!);
      expect(browser.length).toBeGreaterThan(0);
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
      await expect.poll(() => browser.filter((pid) => existsSync(`/proc/${pid}`)), { timeout: 15_000 }).toEqual([]);
      const before = readFileSync(journal, 'utf8').trim().split('\n').length - 1;
      expect(before).toBeLessThan((await referenceRows()).filter((r) => r.name === 'session_start').length);
      const out = await simulateCommand({ ...base(data), resume: true });
      expect(out.skipped).toBe(before);
      expect(out.sessions.length + out.skipped).toBe(out.planned);
      const indexes = readFileSync(journal, 'utf8').trim().split('\n').slice(1).map((l) => (JSON.parse(l) as { index: number }).index);
      expect(new Set(indexes).size).toBe(indexes.length);
      expect(await rows(data)).toEqual(await referenceRows());
      // The ground truth too: one row per user and per planned session, however the run was interrupted.
      expect(await truthCounts(data)).toEqual({ users: 3, sessions: out.planned, indexes: out.planned });
    });

    it('stops cleanly on Ctrl-C with a summary and exit code 130, and --resume completes the run', async () => {
      const data = tempData();
      const journal = journalPath(data, 'suite', '1/1');
      // One session at a time, so that sessions are still to run when the first one has been journaled (ground
      // truth and journal lag a session by up to the batch writer's 200 ms) and the SIGINT has something to stop.
      const child = spawn(process.execPath, [BIN, 'simulate', '--users', '3', '--days', '7', '--start', new Date(START).toISOString(), '--concurrency', '1', '--seed', SEED, '--run-id', 'suite', '--persona', ...BUILT_IN_PERSONAS.map((p) => p.id), '--driver', driver, '--data', data], { stdio: ['ignore', 'pipe', 'ignore'] });
      let stdout = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await expect.poll(() => (existsSync(journal) ? readFileSync(journal, 'utf8').trim().split('\n').length - 1 : 0), { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(1);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stdout).toMatch(/stopped early: continue with --resume --run-id suite/);
      const out = await simulateCommand({ ...base(data), resume: true });
      expect(out.skipped).toBeGreaterThanOrEqual(1);
      expect(out.stopped).toBe(false);
      expect(await rows(data)).toEqual(await referenceRows());
    });

    it('resumes a run stopped while a session had stored its events but was not journaled, without duplicates', async () => {
      const data = tempData();
      const stop = new AbortController();
      const first = await simulateCommand({
        ...base(data),
        concurrency: 1,
        signal: stop.signal,
        onAttempt: async (plan, _attempt, page, stage) => {
          if (plan.index === 3 && stage === 'finished') {
            stop.abort();
            await page.crash();
          }
        },
      });
      expect(first.stopped).toBe(true);
      expect(first.sessions.map((s) => s.plan.index)).toEqual([0, 1, 2]);
      const out = await simulateCommand({ ...base(data), resume: true });
      expect(out.skipped).toBe(3);
      expect(out.sessions[0]?.plan.index).toBe(3);
      expect(await rows(data)).toEqual(await referenceRows());
    });

    it("shows the store each device's own viewport and screen drawn at the render scale, and the data saver only to the built store", async () => {
      const seen: { device: Device; metrics: number[] }[] = [];
      const onAttempt: SimulateCommandOptions['onAttempt'] = async (plan, _attempt, page, stage) => {
        if (stage === 'loaded') seen.push({ device: plan.device, metrics: await page.evaluate<number[]>('[innerWidth, innerHeight, devicePixelRatio, visualViewport.scale, screen.width, screen.height, navigator.connection.saveData ? 1 : 0]') });
      };
      const expectViewports = (saveData: number): void => {
        // Desktop and phone at least: a phone's narrow viewport is where a wrong override would show.
        expect(new Set(seen.map((s) => s.device)).size).toBeGreaterThan(1);
        for (const { device, metrics } of seen) {
          const profile = DEVICE_PROFILES[device];
          const { viewport } = profile;
          const screen = deviceScreen(profile);
          expect(metrics).toEqual([viewport.width, viewport.height, viewport.deviceScaleFactor, 1, screen.width, screen.height, saveData]);
        }
      };
      await simulateCommand({ ...base(tempData()), users: 4, days: 1, onAttempt });
      expectViewports(1);
      // Another store (`--url`; here the same one, served apart) might behave differently with the data saver on.
      seen.length = 0;
      const other = await startServer({ host: '127.0.0.1', port: 0, dataDir: tempData(), publicDir: PUBLIC_DIR, log: () => undefined });
      try {
        await simulateCommand({ ...base(tempData()), users: 4, days: 1, url: other.url, token: other.token, onAttempt });
      } finally {
        await other.close();
      }
      expectViewports(0);
    });

    it('refuses to start a run id twice without --resume, and a resume with different parameters', async () => {
      const data = tempData();
      await simulateCommand({ ...base(data), users: 1, days: 0.1 });
      await expect(simulateCommand({ ...base(data), users: 1, days: 0.1 })).rejects.toThrow(/already has a journal.*--resume/);
      await expect(simulateCommand({ ...base(data), users: 2, days: 0.1, resume: true })).rejects.toThrow(/started with users=1, not 2/);
    });
  });
});
