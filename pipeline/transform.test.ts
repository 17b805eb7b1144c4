import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleExport } from '../warehouse/bigquery/sample-export';
import { saveSimSessions, saveSimUsers, type SimSessionRow, type SimUserRow } from '../warehouse/ground-truth';
import { Warehouse, type JsonValue } from '../warehouse/warehouse';
import { DuckdbSource } from './duckdb-source';
import type { RowSource } from './row-source';
import { MANIFEST_FILE, runTransform, type Manifest } from './transform';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', 'bin', 'shoplab.js');
const rows = sampleExport({ users: 40 });

let dir: string;
let wh: Warehouse;

/** Reads a written file back with DuckDB's own CSV / Parquet readers: a reader that is not ours. */
async function readBack(file: string): Promise<Record<string, JsonValue>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const reader = file.endsWith('.csv') ? `read_csv('${file}', header = true)` : `read_parquet('${file}')`;
    const result = await con.runAndReadAll(`SELECT * FROM ${reader}`);
    return result.getRowObjectsJson();
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/**
 * A file's rows as text, in file order, each value as it compares across writers and runs: numbers by value to 12
 * significant digits (DuckDB prints 80.0 where JavaScript prints 80, and a sum of doubles may differ in its last
 * bits from one run to the next, as DuckDB's threads add in a different order), '' and NULL alike (csv-stringify
 * writes both as an empty field).
 */
async function contentOf(file: string, columns: readonly { name: string }[]): Promise<string[]> {
  const canonical = (v: JsonValue): string => {
    if (v === null || v === '') return '';
    const n = typeof v === 'number' || (typeof v === 'string' && v.trim() !== '') ? Number(v) : NaN;
    return Number.isFinite(n) ? String(Number(n.toPrecision(12))) : JSON.stringify(v);
  };
  return (await readBack(file)).map((r) => columns.map((c) => canonical(r[c.name] ?? null)).join('|'));
}

function sessionIdOf(row: (typeof rows)[number]): number {
  const p = row.event_params.find((x) => x.key === 'ga_session_id');
  return Number(p?.value.int_value);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shoplab-transform-'));
  wh = await Warehouse.open({ dataDir: join(dir, 'data') });
  await wh.insertEvents(rows);
  // Ground truth for every client and session in the export, as a runner would ingest it.
  const users = new Map<string, SimUserRow>();
  const sessions = new Map<string, SimSessionRow>();
  for (const r of rows) {
    const client = r.user_pseudo_id ?? '';
    const persona = Number(client.split('.')[0]) % 3 === 0 ? 'bargain-hunter' : 'browser';
    users.set(client, {
      run_id: 'r1', client_id: client, persona_id: persona, segment: 'test', age: 30, gender: null, job: null,
      region: 'DE-BE', device: 'desktop', interests: ['kitchen'], traits: { patience: 0.5 }, budget: 80, persona: { id: persona },
    });
    const sid = sessionIdOf(r);
    const key = `${client}/${sid}`;
    if (!sessions.has(key)) {
      sessions.set(key, {
        run_id: 'r1', session_index: sessions.size, seed: 's', client_id: client, ga_session_id: sid, ga_session_number: 1, visit: 1,
        persona_id: persona, persona: { id: persona }, intent: 'browse', outcome: 'left', transaction_id: null,
        started_at_ms: Math.floor(r.event_timestamp / 1000), ended_at_ms: Math.floor(r.event_timestamp / 1000) + 60_000, actions: [], error: null,
      });
    }
  }
  await saveSimUsers(wh, [...users.values()]);
  await saveSimSessions(wh, [...sessions.values()]);
});

afterAll(async () => {
  await wh.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('shoplab transform from DuckDB', { timeout: 120_000 }, () => {
  const outputs: Partial<Record<'csv' | 'parquet', Manifest>> = {};

  beforeAll(async () => {
    for (const format of ['csv', 'parquet'] as const) {
      outputs[format] = await runTransform({ source: DuckdbSource.of(wh), out: join(dir, `out-${format}`), format });
    }
  });

  for (const format of ['csv', 'parquet'] as const) {
    it(`${format}: sessions, users, purchases and revenue reconcile with the warehouse`, async () => {
      const out = join(dir, `out-${format}`);
      const [truth] = await wh.query(`
        SELECT
          (SELECT count(DISTINCT (user_pseudo_id, p.value.int_value)) FROM analytics_shoplab.events, unnest(event_params) AS t(p) WHERE p.key = 'ga_session_id') AS sessions,
          (SELECT count(DISTINCT user_pseudo_id) FROM analytics_shoplab.events) AS users,
          (SELECT count(*) FROM analytics_shoplab.events WHERE event_name = 'purchase') AS purchases,
          (SELECT round(sum(ecommerce.purchase_revenue), 2) FROM analytics_shoplab.events WHERE event_name = 'purchase') AS revenue,
          (SELECT count(*) FROM analytics_shoplab.events) AS events,
          (SELECT round(sum(i.item_revenue), 2) FROM analytics_shoplab.events, unnest(items) AS t(i) WHERE event_name = 'purchase') AS item_revenue`);
      expect(Number(truth!.purchases)).toBeGreaterThan(3);

      const events = await readBack(join(out, `events.${format}`));
      const sessions = await readBack(join(out, `sessions.${format}`));
      const users = await readBack(join(out, `users.${format}`));
      const interactions = await readBack(join(out, `interactions.${format}`));
      const items = await readBack(join(out, `items.${format}`));
      const sum = (xs: Record<string, JsonValue>[], col: string): number => Math.round(xs.reduce((s, r) => s + Number(r[col] ?? 0), 0) * 100) / 100;

      expect(events.length).toBe(truth!.events);
      expect(events.filter((e) => e.event_name === 'purchase').length).toBe(truth!.purchases);
      expect(sum(events, 'purchase_revenue')).toBe(truth!.revenue);

      expect(sessions.length).toBe(truth!.sessions);
      expect(sum(sessions, 'count_purchase')).toBe(truth!.purchases);
      expect(sum(sessions, 'revenue')).toBe(truth!.revenue);

      expect(users.length).toBe(truth!.users);
      expect(sum(users, 'sessions')).toBe(truth!.sessions);
      expect(sum(users, 'purchases')).toBe(truth!.purchases);
      expect(sum(users, 'monetary')).toBe(truth!.revenue);
      expect(users.filter((u) => Number(u.frequency) > 0).length).toBe(new Set(rows.filter((r) => r.event_name === 'purchase').map((r) => r.user_pseudo_id)).size);

      expect(sum(interactions, 'revenue')).toBe(truth!.item_revenue);
      expect(sum(items, 'revenue')).toBe(truth!.item_revenue);
      const buys = rows.filter((r) => r.event_name === 'purchase').reduce((n, r) => n + r.items.length, 0);
      expect(sum(interactions, 'purchases')).toBe(buys);
      expect(sum(items, 'purchases')).toBe(buys);
      for (const i of interactions) expect(Number(i.weight)).toBe(Number(i.views) + 2 * Number(i.list_clicks) + 4 * Number(i.carts) + 8 * Number(i.purchases));
    });

    it(`${format}: labels are separate files keyed by user_pseudo_id and ga_session_id, matching the sessions`, async () => {
      const out = join(dir, `out-${format}`);
      const labelsUsers = await readBack(join(out, `labels_users.${format}`));
      const labelsSessions = await readBack(join(out, `labels_sessions.${format}`));
      const sessions = await readBack(join(out, `sessions.${format}`));
      expect(labelsUsers.length).toBe(40);
      expect(labelsUsers[0]).toMatchObject({ run_id: 'r1', segment: 'test', interests: '["kitchen"]' });
      expect(Number(labelsUsers[0]!.budget)).toBe(80);
      expect(labelsSessions.length).toBe(sessions.length);
      const key = (r: Record<string, JsonValue>): string => JSON.stringify([r.user_pseudo_id, Number(r.ga_session_id)]);
      const keys = new Set(sessions.map(key));
      for (const l of labelsSessions) expect(keys.has(key(l))).toBe(true);
      // The behavioural files carry no label column.
      expect(Object.keys(sessions[0]!)).not.toContain('persona_id');
    });

    it(`${format}: the manifest lists every file with its rows, columns, types and content hash`, () => {
      const out = join(dir, `out-${format}`);
      const manifest = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as Manifest;
      expect(manifest).toMatchObject({ source: { kind: 'duckdb' }, format, range: { from: null, to: null }, source_events: rows.length, skipped: [] });
      expect(manifest.files.map((f) => f.dataset)).toEqual(['events', 'sessions', 'users', 'interactions', 'items', 'labels_users', 'labels_sessions']);
      for (const f of manifest.files) {
        const bytes = readFileSync(join(out, f.file));
        expect(f.sha256).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
        expect(f.bytes).toBe(bytes.length);
      }
      const sessions = manifest.files.find((f) => f.dataset === 'sessions')!;
      expect(sessions.columns).toContainEqual({ name: 'converted', type: 'boolean' });
      expect(sessions.columns).toContainEqual({ name: 'revenue', type: 'double' });
      expect(sessions.columns).toContainEqual({ name: 'ga_session_id', type: 'int64' });
      expect(readdirSync(out).sort()).toEqual([...manifest.files.map((f) => f.file), MANIFEST_FILE].sort());
    });
  }

  it('writes the same bytes for the same data, and CSV and Parquet hold the same rows', async () => {
    const again = await runTransform({ source: DuckdbSource.of(wh), out: join(dir, 'again'), format: 'csv' });
    expect(again.files.map((f) => f.sha256)).toEqual(outputs.csv!.files.map((f) => f.sha256));
    expect(outputs.parquet!.files.map((f) => f.rows)).toEqual(outputs.csv!.files.map((f) => f.rows));
    const csv = await readBack(join(dir, 'out-csv', 'sessions.csv'));
    const parquet = await readBack(join(dir, 'out-parquet', 'sessions.parquet'));
    expect(parquet.map((r) => [r.session_key, r.revenue, r.converted, r.page_views])).toEqual(csv.map((r) => [r.session_key, r.revenue, r.converted, r.page_views]));
  });

  it("DuckDB's own writer (COPY) and the JavaScript writers give the same columns and rows, in the same order", async () => {
    // The same warehouse read as a plain RowSource (no writeFile): its rows go through csv-stringify / hyparquet-writer.
    const real = DuckdbSource.of(wh);
    const streamed: RowSource = {
      kind: real.kind,
      location: real.location,
      countEvents: (r) => real.countEvents(r),
      hasGroundTruth: () => real.hasGroundTruth(),
      open: (dataset, range) => real.open(dataset, range),
      close: () => real.close(),
    };
    for (const format of ['csv', 'parquet'] as const) {
      const js = await runTransform({ source: streamed, out: join(dir, `js-${format}`), format });
      const copied = outputs[format]!;
      expect(js.files.map((f) => [f.dataset, f.rows, f.columns])).toEqual(copied.files.map((f) => [f.dataset, f.rows, f.columns]));
      for (const f of copied.files) {
        const a = await contentOf(join(dir, `out-${format}`, f.file), f.columns);
        const b = await contentOf(join(dir, `js-${format}`, f.file), f.columns);
        expect(a.length, f.file).toBeGreaterThan(0);
        expect(a, f.file).toEqual(b);
      }
    }
  });

  it('reads only the days asked for', async () => {
    const m = await runTransform({ source: DuckdbSource.of(wh), out: join(dir, 'range'), format: 'csv', from: '2026-11-01', to: '2026-11-01', datasets: ['events', 'sessions'] });
    const inRange = rows.filter((r) => r.event_date === '20261101').length;
    expect(m.range).toEqual({ from: '2026-11-01', to: '2026-11-01' });
    expect(m.source_events).toBe(inRange);
    expect(m.files[0]).toMatchObject({ dataset: 'events', rows: inRange });
  });

  it('an interrupted transform leaves the earlier output as it was and no temporary folder', async () => {
    const out = join(dir, 'out-csv');
    const before = readFileSync(join(out, MANIFEST_FILE), 'utf8');
    // The real source, failing part-way through the third dataset (as a dropped connection would).
    const real = DuckdbSource.of(wh);
    const failing: RowSource = {
      kind: real.kind,
      location: real.location,
      countEvents: (r) => real.countEvents(r),
      hasGroundTruth: () => real.hasGroundTruth(),
      close: () => real.close(),
      async open(dataset, range) {
        const stream = await real.open(dataset, range);
        if (dataset !== 'users') return stream;
        return {
          ...stream,
          batches: (async function* () {
            for await (const batch of stream.batches) {
              yield batch.slice(0, 5);
              throw new Error('connection reset by peer');
            }
          })(),
        };
      },
    };
    await expect(runTransform({ source: failing, out, format: 'csv' })).rejects.toThrow('dataset users: connection reset by peer');
    expect(readFileSync(join(out, MANIFEST_FILE), 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('refuses to replace a folder that holds anything but an earlier output', async () => {
    const out = join(dir, 'precious');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await expect(runTransform({ source: DuckdbSource.of(wh), out, format: 'csv' })).rejects.toThrow(/other files in it/);
    expect(readdirSync(out)).toEqual(['notes.txt']);
  });
});

describe('shoplab transform on the command line', { timeout: 180_000 }, () => {
  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return run(process.execPath, [BIN, 'transform', '--quiet', ...args], { timeout: 120_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  }

  beforeAll(async () => {
    // The CLI opens the file in its own process.
    await wh.close();
  });

  it('writes every dataset and prints what it wrote', async () => {
    const out = join(dir, 'cli-out');
    const r = await cli('--data', join(dir, 'data'), '--out', out, '--format', 'parquet');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/sessions\.parquet: \d+ rows/);
    expect(existsSync(join(out, 'labels_sessions.parquet'))).toBe(true);
  });

  it("the CLI's own DuckDB instance (read-only, its memory limit and optimizer settings) writes the same rows as the in-process one", async () => {
    const out = join(dir, 'cli-csv');
    const r = await cli('--data', join(dir, 'data'), '--out', out, '--format', 'csv');
    expect(r.stderr).toBe('');
    const mine = JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as Manifest;
    const earlier = JSON.parse(readFileSync(join(dir, 'out-csv', MANIFEST_FILE), 'utf8')) as Manifest;
    expect(mine.files.map((f) => [f.file, f.rows, f.columns])).toEqual(earlier.files.map((f) => [f.file, f.rows, f.columns]));
    for (const f of mine.files) {
      const a = await contentOf(join(out, f.file), f.columns);
      expect(a.length, f.file).toBeGreaterThan(0);
      expect(a, f.file).toEqual(await contentOf(join(dir, 'out-csv', f.file), f.columns));
    }
  });

  it('bad input gets a one-line error, a non-zero exit and no output folder', async () => {
    const data = join(dir, 'data');
    const [badDate, badSource, badDataset, reversed] = await Promise.all([
      cli('--data', data, '--out', join(dir, 'bad1'), '--from', '2026-02-30'),
      cli('--data', data, '--out', join(dir, 'bad2'), '--source', 'postgres'),
      cli('--data', data, '--out', join(dir, 'bad3'), '--datasets', 'events,clicks'),
      cli('--data', data, '--out', join(dir, 'bad4'), '--from', '2026-11-03', '--to', '2026-11-01'),
    ]);
    expect(badDate.stderr).toMatch(/--from must be a date as YYYY-MM-DD, got "2026-02-30"/);
    expect(badSource.stderr).toMatch(/'postgres' is invalid.*duckdb, bigquery/);
    expect(badDataset.stderr).toMatch(/unknown dataset "clicks"/);
    expect(reversed.stderr).toMatch(/--from 2026-11-03 is after --to 2026-11-01/);
    for (const r of [badDate, badSource, badDataset, reversed]) {
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')[0]).toMatch(/^shoplab: /);
    }
    for (const n of ['bad1', 'bad2', 'bad3', 'bad4']) expect(existsSync(join(dir, n))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('an output folder it may not write to gets a one-line error and nothing inside', async () => {
    // Root ignores permission bits, so the CLI runs as an unprivileged user where the machine allows it.
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    chmodSync(dir, 0o755);
    const data = join(dir, 'data');
    const uid = process.getuid?.() === 0 ? 65534 : undefined;
    if (uid !== undefined) {
      // The CLI then runs from this checkout as that user, who must be able to read it: say so, rather than fail
      // below on a module that could not load (a clone inside a 0700 folder, such as `mktemp -d` makes).
      const readable = await run(process.execPath, ['-e', `require('node:fs').accessSync(${JSON.stringify(BIN)}, require('node:fs').constants.R_OK)`], { uid, gid: 65534 }).then(
        () => true,
        () => false,
      );
      if (!readable) throw new Error(`this test runs the CLI as uid ${uid} (root ignores permission bits), who cannot read ${BIN}: clone into a folder others may read (chmod 755 its parents)`);
      chmodSync(data, 0o777);
      for (const f of readdirSync(data)) chmodSync(join(data, f), 0o666);
    }
    const r = await run(process.execPath, [BIN, 'transform', '--quiet', '--data', data, '--out', join(locked, 'out')], {
      timeout: 120_000,
      ...(uid !== undefined ? { uid, gid: 65534, env: { ...process.env, HOME: tmpdir() } } : {}),
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/^shoplab: cannot write to .*locked: permission denied$/);
    expect(readdirSync(locked)).toEqual([]);
  });
});
