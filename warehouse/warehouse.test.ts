import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXPORT_SCHEMA, toExportValue } from '../ga4/export-schema';
import { sampleItem, sampleRow } from './test-fixtures';
import { ExportRowError, rowLine, Warehouse, WarehouseInUseError, type InsertResult } from './warehouse';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shoplab-warehouse-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function openWarehouse(dataDir = tempDir(), property?: string): Promise<Warehouse> {
  const warehouse = await Warehouse.open({ dataDir, ...(property ? { property } : {}) });
  cleanups.push(() => warehouse.close());
  return warehouse;
}

describe('Warehouse', () => {
  it('skips rows whose id is already stored, across calls, within a call and after reopening', async () => {
    const dataDir = tempDir();
    const warehouse = await Warehouse.open({ dataDir });
    const row = (user: string) => sampleRow({ user_pseudo_id: user });
    expect(await warehouse.insertEvents([row('a'), row('b'), row('b2')], { ids: ['id-a', 'id-b', 'id-b'] })).toEqual({ stored: 2, duplicates: 1 });
    expect(await warehouse.insertEvents([row('a'), row('c'), row('n1'), row('n2')], { ids: ['id-a', 'id-c', null, null] })).toEqual({ stored: 3, duplicates: 1 });
    await warehouse.close();
    const reopened = await Warehouse.open({ dataDir });
    cleanups.push(() => reopened.close());
    expect(await reopened.insertEvents([row('c'), row('d')], { ids: ['id-c', 'id-d'] })).toEqual({ stored: 1, duplicates: 1 });
    const users = await reopened.query(`SELECT user_pseudo_id AS u FROM ${reopened.dataset}.events ORDER BY u`);
    expect(users.map((r) => r.u)).toEqual(['a', 'b', 'c', 'd', 'n1', 'n2']);
    expect(await reopened.query('SELECT count(*) AS n FROM ingest.event_ids')).toEqual([{ n: 4 }]);
  });

  it('keeps at most recentIds ids in memory and still stores a retry once when its id was evicted or never loaded', async () => {
    const dataDir = tempDir();
    const warehouse = await Warehouse.open({ dataDir, recentIds: 3 });
    const row = (user: string) => sampleRow({ user_pseudo_id: user });
    for (const u of ['a', 'b', 'c', 'd', 'e']) expect(await warehouse.insertEvents([row(u)], { ids: [`id-${u}`] })).toEqual({ stored: 1, duplicates: 0 });
    expect(warehouse.rememberedIds).toBe(3);
    // id-a and id-b left memory: the retry is found in ingest.event_ids; id-e is still in memory.
    expect(await warehouse.insertEvents([row('a'), row('b'), row('e'), row('f')], { ids: ['id-a', 'id-b', 'id-e', 'id-f'] })).toEqual({ stored: 1, duplicates: 3 });
    expect(warehouse.rememberedIds).toBe(3);
    await warehouse.close();

    const reopened = await Warehouse.open({ dataDir, recentIds: 3 });
    cleanups.push(() => reopened.close());
    expect(reopened.rememberedIds).toBe(3);
    expect(await reopened.insertEvents([row('a'), row('f'), row('g')], { ids: ['id-a', 'id-f', 'id-g'] })).toEqual({ stored: 1, duplicates: 2 });
    const users = await reopened.query(`SELECT user_pseudo_id AS u FROM ${reopened.dataset}.events ORDER BY u`);
    expect(users.map((r) => r.u)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(await reopened.query('SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM ingest.event_ids')).toEqual([{ n: 7, d: 7 }]);
  });

  it('finds evicted ids by their time range, and every id again once some were stored without a time', async () => {
    const dataDir = tempDir();
    const row = (user: string) => sampleRow({ user_pseudo_id: user });
    const id = (u: string, micros: number) => ({ key: `G-T|${u}|${micros}|page_view`, clientId: u, micros, runId: null });
    const timed = await Warehouse.open({ dataDir, recentIds: 2 });
    const t0 = 1_709_294_400_000_000;
    for (const [i, u] of ['a', 'b', 'c', 'd', 'e'].entries()) await timed.insertEvents([row(u)], { ids: [id(u, t0 + i * 1000)] });
    // a, b and c left memory; a retry group spanning a..c (both ends of its range included) finds all three.
    expect(await timed.insertEvents([row('c'), row('x'), row('a'), row('b')], { ids: [id('c', t0 + 2000), id('x', t0 + 500), id('a', t0), id('b', t0 + 1000)] })).toEqual({ stored: 1, duplicates: 3 });
    await timed.close();
    const reopened = await Warehouse.open({ dataDir, recentIds: 2 });
    expect(await reopened.insertEvents([row('a'), row('d')], { ids: [id('a', t0), id('d', t0 + 3000)] })).toEqual({ stored: 0, duplicates: 2 });
    // An id stored as plain text has no time: from then on a lookup reads every id, and still finds it.
    await reopened.insertEvents([row('p')], { ids: [`G-T|p|${t0 + 9}|page_view`] });
    for (const u of ['f', 'g']) await reopened.insertEvents([row(u)], { ids: [id(u, t0 + 9000)] });
    expect(await reopened.insertEvents([row('p')], { ids: [id('p', t0 + 9)] })).toEqual({ stored: 0, duplicates: 1 });
    await reopened.close();
    const again = await Warehouse.open({ dataDir, recentIds: 1 });
    cleanups.push(() => again.close());
    expect(await again.insertEvents([row('p'), row('e')], { ids: [id('p', t0 + 9), id('e', t0 + 4000)] })).toEqual({ stored: 0, duplicates: 2 });
    expect(await again.query('SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM ingest.event_ids')).toEqual([{ n: 9, d: 9 }]);
  });

  it('stores rows given as read_json text, skipping the duplicate lines of a batch and keeping the others', async () => {
    const warehouse = await openWarehouse();
    const rows = ['a', 'b', 'c', 'd'].map((user) => sampleRow({ user_pseudo_id: user }));
    const text = (list: typeof rows) => ({ text: list.map(rowLine).join('\n'), dates: list.map((r) => r.event_date) });
    expect(await warehouse.insertSerializedEvents(text(rows.slice(0, 2)), { ids: ['id-a', 'id-b'] })).toEqual({ stored: 2, duplicates: 0 });
    expect(await warehouse.insertSerializedEvents(text(rows), { ids: ['id-a', 'id-c', 'id-b', 'id-c'] })).toEqual({ stored: 1, duplicates: 3 });
    expect(await warehouse.insertSerializedEvents(text([rows[3]!]), { ids: [null] })).toEqual({ stored: 1, duplicates: 0 });
    const stored = await warehouse.query(`SELECT * FROM ${warehouse.dataset}.events ORDER BY user_pseudo_id`);
    expect(stored.map((r) => r.user_pseudo_id)).toEqual(['a', 'b', 'b', 'd']);
    // The same row through insertEvents reads back identically.
    const reference = await openWarehouse();
    await reference.insertEvents([rows[0]!]);
    expect(stored[0]).toEqual((await reference.query(`SELECT * FROM ${reference.dataset}.events`))[0]);
  });

  it('stores rows given as UTF-8 bytes like the same text, in one group with text batches, and tells listeners their lines', async () => {
    const warehouse = await openWarehouse();
    const committed: string[] = [];
    warehouse.onCommit((rows) => committed.push(...rows.lines()));
    const rows = ['ä-1', 'b', 'c', 'd', 'e'].map((user) => sampleRow({ user_pseudo_id: user, event_name: `view_é_${user}` }));
    const bytes = (list: typeof rows) => ({ text: new TextEncoder().encode(list.map(rowLine).join('\n')), dates: list.map((r) => r.event_date) });
    const text = (list: typeof rows) => ({ text: list.map(rowLine).join('\n'), dates: list.map((r) => r.event_date) });
    // Queued together, so that they commit as one group written as they were queued.
    const results = await Promise.all([
      warehouse.insertSerializedEvents(bytes(rows.slice(0, 2)), { ids: ['id-a', 'id-b'] }),
      warehouse.insertSerializedEvents(text(rows.slice(2, 3)), { ids: ['id-c'] }),
      warehouse.insertSerializedEvents(bytes(rows.slice(3, 4)), { ids: [null] }),
    ]);
    expect(results).toEqual([{ stored: 2, duplicates: 0 }, { stored: 1, duplicates: 0 }, { stored: 1, duplicates: 0 }]);
    // A duplicate inside bytes: its line is cut out of the decoded text.
    expect(await warehouse.insertSerializedEvents(bytes([rows[1]!, rows[4]!]), { ids: ['id-b', 'id-e'] })).toEqual({ stored: 1, duplicates: 1 });
    await expect(warehouse.insertSerializedEvents({ text: new TextEncoder().encode(`${rowLine(rows[0]!)}\n${rowLine(rows[0]!)}`), dates: ['20240301'] })).rejects.toThrow(
      /2 lines of text for 1 dates/,
    );
    const stored = await warehouse.query(`SELECT user_pseudo_id AS u, event_name AS e FROM ${warehouse.dataset}.events ORDER BY u`);
    expect(stored).toEqual(['b', 'c', 'd', 'e', 'ä-1'].map((u) => ({ u, e: `view_é_${u}` })));
    await vi.waitFor(() => expect(committed).toHaveLength(5));
    expect([...committed].sort()).toEqual([0, 1, 2, 3, 4].map((i) => rowLine(rows[i]!)).sort());
  });

  it('refuses a memory limit too small for the rows a checkpoint threshold lets DuckDB hold, before touching the file', async () => {
    const dir = path.join(tempDir(), 'fresh');
    await expect(Warehouse.open({ dataDir: dir, memoryLimit: '128MB', checkpointThreshold: '64MB' })).rejects.toThrow(
      /memoryLimit 128MB is too small for a checkpoint threshold of 64MB: .* at least 192MB/,
    );
    await expect(Warehouse.open({ dataDir: dir, memoryLimit: '128MB' })).rejects.toThrow(/threshold of 256MB/);
    await expect(Warehouse.open({ dataDir: dir, checkpointThreshold: 'lots' })).rejects.toThrow(/checkpointThreshold must be a size/);
    expect(readdirSync(path.dirname(dir))).toEqual([]);
    const warehouse = await Warehouse.open({ dataDir: dir, memoryLimit: '192MB', checkpointThreshold: '64MB' });
    cleanups.push(() => warehouse.close());
    expect(await warehouse.query("SELECT current_setting('checkpoint_threshold') AS t")).toEqual([{ t: '61.0 MiB' }]);
  });

  it('refuses read_json text whose lines and dates do not match, or a malformed date, storing nothing', async () => {
    const warehouse = await openWarehouse();
    const line = rowLine(sampleRow());
    await expect(warehouse.insertSerializedEvents({ text: `${line}\n${line}`, dates: ['20240301'] })).rejects.toThrow(/2 lines of text for 1 dates/);
    await expect(warehouse.insertSerializedEvents({ text: line, dates: ["2024'; DROP"] })).rejects.toThrow(/row 0: event_date/);
    await expect(warehouse.insertSerializedEvents({ text: line, dates: ['20240301'] }, { ids: ['x', 'y'] })).rejects.toThrow(/2 ids for 1 rows/);
    expect(await warehouse.query(`SELECT count(*) AS n FROM ${warehouse.dataset}.events`)).toEqual([{ n: 0 }]);
  });

  it('commits rejects in the same transaction as the rows, and alone when there are no rows', async () => {
    const warehouse = await openWarehouse();
    const reject = { received_at_micros: 1, endpoint: '/mp/collect', measurement_id: 'G-X', stream_id: '1', client_id: 'c', event_index: 0, event_name: 'e', field_path: 'events[0].name', validation_code: 'NAME_INVALID', description: 'bad', payload: '{}' };
    await warehouse.insertEvents([sampleRow()], { rejects: [reject] });
    await warehouse.insertEvents([], { rejects: [{ ...reject, event_index: null }] });
    expect(await warehouse.query('SELECT event_index, validation_code FROM ingest.rejects ORDER BY event_index NULLS LAST')).toEqual([
      { event_index: 0, validation_code: 'NAME_INVALID' },
      { event_index: null, validation_code: 'NAME_INVALID' },
    ]);
  });

  it('creates analytics_<property>.events with exactly the export columns, in order', async () => {
    const warehouse = await openWarehouse(tempDir(), '123456');
    expect(warehouse.dataset).toBe('analytics_123456');
    expect(path.basename(warehouse.file)).toBe('shoplab.duckdb');
    const columns = await warehouse.query(
      `SELECT column_name FROM duckdb_columns() WHERE schema_name = $1 AND table_name = 'events' ORDER BY column_index`,
      [warehouse.dataset],
    );
    expect(columns.map((c) => c.column_name)).toEqual(EXPORT_SCHEMA.map((f) => f.name));
    const types = await warehouse.query(
      `SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = $1 AND table_name = 'events' AND column_name IN ('event_timestamp', 'event_params', 'is_active_user')`,
      [warehouse.dataset],
    );
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toEqual({
      event_timestamp: 'BIGINT',
      event_params: 'STRUCT("key" VARCHAR, "value" STRUCT(string_value VARCHAR, int_value BIGINT, float_value DOUBLE, double_value DOUBLE))[]',
      is_active_user: 'BOOLEAN',
    });
  });

  it('reads back inserted rows field for field, nested params and items included', async () => {
    const warehouse = await openWarehouse();
    const row = sampleRow();
    await warehouse.insertEvents([row]);
    const [stored] = await warehouse.query(`SELECT * FROM ${warehouse.dataset}.events`);
    expect(stored).toEqual(row);
  });

  it('reads back empty lists as empty lists and null records and fields as NULL', async () => {
    const warehouse = await openWarehouse();
    const row = sampleRow({ items: [], user_properties: [], ecommerce: null, user_id: null, geo: { city: null, country: 'Germany', continent: null, region: null, sub_continent: null, metro: null } });
    await warehouse.insertEvents([row]);
    const [stored] = await warehouse.query(`SELECT * FROM ${warehouse.dataset}.events`);
    expect(stored).toEqual(row);
    const [counts] = await warehouse.query(`SELECT items IS NULL AS items_null, len(items) AS n_items, ecommerce IS NULL AS ecommerce_null FROM ${warehouse.dataset}.events`);
    expect(counts).toEqual({ items_null: false, n_items: 0, ecommerce_null: true });
  });

  it('answers UNNEST queries over event_params and items', async () => {
    const warehouse = await openWarehouse();
    await warehouse.insertEvents([
      sampleRow({ user_pseudo_id: 'a', items: [sampleItem({ item_id: 'SKU-1', quantity: 2 }), sampleItem({ item_id: 'SKU-2', quantity: 1 })] }),
      sampleRow({ user_pseudo_id: 'b', event_params: [{ key: 'ga_session_id', value: toExportValue(42) }], items: [sampleItem({ item_id: 'SKU-1', quantity: 1 })] }),
    ]);
    const sessions = await warehouse.query(
      `SELECT user_pseudo_id, (SELECT p.value.int_value FROM UNNEST(event_params) AS t(p) WHERE p.key = 'ga_session_id') AS session
       FROM ${warehouse.dataset}.events ORDER BY user_pseudo_id`,
    );
    expect(sessions).toEqual([
      { user_pseudo_id: 'a', session: 1_709_294_000 },
      { user_pseudo_id: 'b', session: 42 },
    ]);
    const items = await warehouse.query(
      `SELECT item.item_id, sum(item.quantity) AS units FROM ${warehouse.dataset}.events, UNNEST(items) AS t(item)
       GROUP BY ALL ORDER BY item.item_id`,
    );
    // sum() over BIGINT is a HUGEINT in DuckDB; it still comes back as a plain number.
    expect(items).toEqual([
      { item_id: 'SKU-1', units: 3 },
      { item_id: 'SKU-2', units: 1 },
    ]);
  });

  it('creates one events_YYYYMMDD view per event date, in the transaction that brings the date', async () => {
    const dir = tempDir();
    const warehouse = await Warehouse.open({ dataDir: dir });
    await warehouse.insertEvents([sampleRow({ event_date: '20240301' }), sampleRow({ event_date: '20240302' }), sampleRow({ event_date: '20240302' })]);
    await warehouse.insertEvents([sampleRow({ event_date: '20240302' })]);
    const views = await warehouse.query(`SELECT view_name FROM duckdb_views() WHERE schema_name = $1 ORDER BY view_name`, [warehouse.dataset]);
    expect(views.map((v) => v.view_name)).toEqual(['events_20240301', 'events_20240302']);
    const [day] = await warehouse.query(`SELECT count(*) AS n FROM ${warehouse.dataset}.events_20240302`);
    expect(day?.n).toBe(3);
    await warehouse.close();
    // Reopening knows its views: a new day still gets one, an old day is not recreated.
    const reopened = await openWarehouse(dir);
    await reopened.insertEvents([sampleRow({ event_date: '20240301' }), sampleRow({ event_date: '20240303' })]);
    const after = await reopened.query(`SELECT view_name FROM duckdb_views() WHERE schema_name = $1 ORDER BY view_name`, [reopened.dataset]);
    expect(after.map((v) => v.view_name)).toEqual(['events_20240301', 'events_20240302', 'events_20240303']);
  });

  it('refuses a row that does not fit the schema, naming the field, and stores nothing of the batch', async () => {
    const warehouse = await openWarehouse();
    const bad = sampleRow({ items: [sampleItem({ quantity: 1.5 })] });
    await expect(warehouse.insertEvents([sampleRow(), bad])).rejects.toThrow(
      new ExportRowError('row 1: items[0].quantity', 'expected a safe integer (INT64), got the number 1.5'),
    );
    const extra = { ...sampleRow(), surprise: 1 };
    await expect(warehouse.insertEvents([extra])).rejects.toThrow(/row 0: \(row\): unknown field\(s\) surprise/);
    await expect(warehouse.insertEvents([sampleRow({ event_date: '2024-03-01' })])).rejects.toThrow(/row 0: event_date: expected YYYYMMDD/);
    const [count] = await warehouse.query(`SELECT count(*) AS n FROM ${warehouse.dataset}.events`);
    expect(count?.n).toBe(0);
  });

  it('stores every row of many concurrent calls exactly once', async () => {
    const warehouse = await openWarehouse();
    const calls = Array.from({ length: 40 }, (_, call) =>
      warehouse.insertEvents(Array.from({ length: 25 }, (_, i) => sampleRow({ user_pseudo_id: `c${call}`, event_timestamp: 1_709_294_400_000_000 + i }))),
    );
    await Promise.all(calls);
    const [totals] = await warehouse.query(
      `SELECT count(*) AS n, count(DISTINCT (user_pseudo_id, event_timestamp)) AS distinct_events FROM ${warehouse.dataset}.events`,
    );
    expect(totals).toEqual({ n: 1000, distinct_events: 1000 });
  });

  it('stores each row once when calls queued behind a running write repeat ids or exceed one transaction', async () => {
    const warehouse = await openWarehouse();
    const batch = (tag: string, n: number): { text: string; dates: string[] } => {
      const rows = Array.from({ length: n }, (_, i) => sampleRow({ user_pseudo_id: `${tag}${i}`, event_timestamp: 1_709_294_400_000_000 + i }));
      return { text: rows.map(rowLine).join('\n'), dates: rows.map((r) => r.event_date) };
    };
    const ids = (tag: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${tag}${i}`);
    // One turn of the event loop after the first call, its group is being written; the calls after it are
    // queued behind it, and their files are written as they arrive.
    const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
    const first = warehouse.insertSerializedEvents(batch('r', 3), { ids: ids('r', 3) });
    await turn();
    const a = warehouse.insertSerializedEvents(batch('a', 2), { ids: ids('a', 2) });
    // Repeats an id of the call queued before it and one of the running group.
    const b = warehouse.insertSerializedEvents(batch('b', 3), { ids: ['a1', 'b1', 'r2'] });
    expect(await Promise.all([first, a, b])).toEqual([
      { stored: 3, duplicates: 0 },
      { stored: 2, duplicates: 0 },
      { stored: 1, duplicates: 2 },
    ]);
    // Three calls of 7,000 rows: one transaction takes 20,000 rows at most, so the first group is two of them.
    const running = warehouse.insertSerializedEvents(batch('s', 1), { ids: ['s0'] });
    await turn();
    const big = ['x', 'y', 'z'].map((tag) => warehouse.insertSerializedEvents(batch(tag, 7_000), { ids: ids(tag, 7_000) }));
    expect(await Promise.all([running, ...big])).toEqual([{ stored: 1, duplicates: 0 }, ...Array<InsertResult>(3).fill({ stored: 7_000, duplicates: 0 })]);
    const [totals] = await warehouse.query(`SELECT count(*) AS n, count(DISTINCT user_pseudo_id) AS users FROM ${warehouse.dataset}.events`);
    expect(totals).toEqual({ n: 21_007, users: 21_007 });
    const stored = await warehouse.query(`SELECT user_pseudo_id AS u FROM ${warehouse.dataset}.events WHERE user_pseudo_id NOT SIMILAR TO '[xyz][0-9]+' ORDER BY u`);
    expect(stored.map((r) => r.u)).toEqual(['a0', 'a1', 'b1', 'r0', 'r1', 'r2', 's0']);
    expect(await warehouse.query('SELECT count(*) AS n FROM ingest.event_ids')).toEqual([{ n: 21_007 }]);
  });

  it('fails only the bad call when calls share a transaction', async () => {
    const warehouse = await openWarehouse();
    // A constraint only DuckDB knows about makes a row that passes the schema check fail inside the transaction.
    await warehouse.query(`ALTER TABLE ${warehouse.dataset}.events ALTER COLUMN user_id SET NOT NULL`);
    const first = warehouse.insertEvents([sampleRow({ user_id: 'u0' })]);
    // These two wait while the first one is written, so they are committed together; the bad one must not
    // take the good one down with it.
    const good = warehouse.insertEvents([sampleRow({ user_id: 'u1' })]);
    const bad = warehouse.insertEvents([sampleRow({ user_id: null })]);
    await expect(bad).rejects.toThrow(/could not store 1 event\(s\) in .*NOT NULL constraint/);
    await Promise.all([first, good]);
    const rows = await warehouse.query(`SELECT user_id FROM ${warehouse.dataset}.events ORDER BY user_id`);
    expect(rows).toEqual([{ user_id: 'u0' }, { user_id: 'u1' }]);
  });

  it('refuses strings that are not well-formed UTF-16 before they reach DuckDB', async () => {
    const warehouse = await openWarehouse();
    await expect(warehouse.insertEvents([sampleRow({ user_pseudo_id: 'a\ud800b' })])).rejects.toThrow(
      /row 0: user_pseudo_id: expected a well-formed string \(lone UTF-16 surrogate\)/,
    );
  });

  it('turns integers into numbers when exact and into strings when not', async () => {
    const warehouse = await openWarehouse();
    const [row] = await warehouse.query(
      `SELECT 9007199254740991::BIGINT AS safe, 9007199254740993::BIGINT AS unsafe, 12.34 AS dec, '2024-03-01'::DATE AS day,
              {'a': 1::BIGINT, 'b': [2::BIGINT]} AS nested, NULL AS nothing`,
    );
    expect(row).toEqual({ safe: 9_007_199_254_740_991, unsafe: '9007199254740993', dec: 12.34, day: '2024-03-01', nested: { a: 1, b: [2] }, nothing: null });
  });

  it('binds query parameters and refuses ones it cannot bind', async () => {
    const warehouse = await openWarehouse();
    await warehouse.insertEvents([sampleRow({ event_name: 'page_view' }), sampleRow({ event_name: 'purchase' })]);
    const rows = await warehouse.query(`SELECT event_name FROM ${warehouse.dataset}.events WHERE event_name = ?`, ['page_view']);
    expect(rows).toEqual([{ event_name: 'page_view' }]);
    await expect(warehouse.query('SELECT ?', [{ a: 1 }])).rejects.toThrow('query parameter $1 must be a string, number, boolean, bigint or null, got object');
  });

  it('opens read-only for queries, refuses writes, and refuses a file that does not exist', async () => {
    const dir = tempDir();
    await expect(Warehouse.open({ dataDir: dir, readOnly: true })).rejects.toThrow(/does not exist yet/);
    const writer = await Warehouse.open({ dataDir: dir });
    await writer.insertEvents([sampleRow()]);
    await writer.close();
    const reader = await Warehouse.open({ dataDir: dir, readOnly: true });
    cleanups.push(() => reader.close());
    expect(await reader.query(`SELECT count(*) AS n FROM ${reader.dataset}.events`)).toEqual([{ n: 1 }]);
    await expect(reader.insertEvents([sampleRow()])).rejects.toThrow(/is open read-only/);
  });

  it('keeps a session\'s temp tables across its queries, and ends them on close (its own, or the warehouse\'s)', async () => {
    const dataDir = tempDir();
    await (await Warehouse.open({ dataDir })).close();
    // Read-only, as the transform opens it: temp tables are still allowed.
    const wh = await Warehouse.open({ dataDir, readOnly: true });
    cleanups.push(() => wh.close());
    const session = await wh.session();
    // Queued without waiting: each runs after the one before it on the same connection.
    const created = session.query('CREATE TEMP TABLE kept AS SELECT range AS n FROM range(5)');
    const summed = session.query('SELECT sum(n) AS total FROM kept');
    await created;
    expect(await summed).toEqual([{ total: 10 }]);
    // Another connection does not see it.
    await expect(wh.query('SELECT * FROM kept')).rejects.toThrow(/kept/);
    await expect(session.query('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
    expect(await session.query('SELECT count(*) AS n FROM kept')).toEqual([{ n: 5 }]);
    await session.close();
    await expect(session.query('SELECT 1')).rejects.toThrow(/session .* is closed/);
    const again = await wh.session();
    await expect(again.query('SELECT * FROM kept')).rejects.toThrow(/kept/);
    // Left open: closing the warehouse closes it rather than waiting for it.
    await wh.close();
    await expect(again.query('SELECT 1')).rejects.toThrow(/closed/);
    await expect(wh.session()).rejects.toThrow(/closed/);
  });

  it('shares one database when the same file is opened twice in one process', async () => {
    const dir = tempDir();
    const first = await openWarehouse(dir);
    const second = await openWarehouse(dir);
    await first.insertEvents([sampleRow()]);
    expect(await second.query(`SELECT count(*) AS n FROM ${second.dataset}.events`)).toEqual([{ n: 1 }]);
  });

  it('says clearly that the file is in use when another process holds it', async () => {
    const dir = tempDir();
    const first = await Warehouse.open({ dataDir: dir });
    const file = first.file;
    await first.close();
    const holder = await holdFileInChildProcess(file);
    cleanups.push(() => {
      holder.stdin?.end();
    });
    const error = await Warehouse.open({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseInUseError);
    expect((error as Error).message).toBe(`warehouse ${file} is in use by another process (is \`shoplab serve\` running?)`);
  });

  it('removes its scratch files on close, and those a dead process left behind on open', async () => {
    const dir = tempDir();
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = dead.pid;
    await new Promise((resolve) => dead.once('exit', resolve));
    // Names of this version (two sets of group files, a and b) and of the one before (a single set).
    for (const suffix of ['-a.ndjson', '-a.ids.ndjson', '-b.ndjson', '-b.ids.ndjson', '.rejects.ndjson', '.ndjson', '.ids.ndjson']) writeFileSync(path.join(dir, `.shoplab-ingest-${deadPid}-1${suffix}`), '{}');
    const scratch = (): string[] => readdirSync(dir).filter((f) => f.startsWith('.shoplab-ingest-'));
    const warehouse = await Warehouse.open({ dataDir: dir });
    expect(scratch().every((f) => f.startsWith(`.shoplab-ingest-${process.pid}-`))).toBe(true);
    const reject = { received_at_micros: 1, endpoint: '/mp/collect', measurement_id: 'G-X', stream_id: '1', client_id: 'c', event_index: 0, event_name: 'e', field_path: 'f', validation_code: 'NAME_INVALID', description: 'bad', payload: '{}' };
    await warehouse.insertEvents([sampleRow()], { ids: ['id-1'], rejects: [reject] });
    expect(scratch()).toHaveLength(5);
    await warehouse.close();
    expect(scratch()).toEqual([]);
  });

  it('runs DuckDB on the number of threads asked for, and refuses a count that is not a positive integer', async () => {
    const warehouse = await Warehouse.open({ dataDir: tempDir(), threads: 3 });
    expect(await warehouse.query(`SELECT current_setting('threads') AS n`)).toEqual([{ n: 3 }]);
    await warehouse.close();
    await expect(Warehouse.open({ dataDir: tempDir(), threads: 0 })).rejects.toThrow('warehouse threads must be a positive integer, got 0');
  });

  it('refuses an events table written with another schema', async () => {
    const dir = tempDir();
    const warehouse = await Warehouse.open({ dataDir: dir });
    await warehouse.query(`ALTER TABLE ${warehouse.dataset}.events DROP COLUMN batch_ordering_id`);
    await warehouse.close();
    await expect(Warehouse.open({ dataDir: dir })).rejects.toThrow(/does not match the GA4 export schema at column 28 \(expected batch_ordering_id BIGINT/);
  });

  it('waits for queued writes before closing, then refuses new work', async () => {
    const warehouse = await Warehouse.open({ dataDir: tempDir() });
    const writes = [warehouse.insertEvents([sampleRow()]), warehouse.insertEvents([sampleRow()])];
    await warehouse.close();
    await Promise.all(writes);
    await expect(warehouse.insertEvents([sampleRow()])).rejects.toThrow(/is closed/);
    await expect(warehouse.query('SELECT 1')).rejects.toThrow(/is closed/);
  });
});

/** Opens the file from another Node process (as a running collector would) and resolves once it holds the lock. */
function holdFileInChildProcess(file: string): Promise<ChildProcess> {
  const script = `
    const { DuckDBInstance } = require('@duckdb/node-api');
    DuckDBInstance.create(${JSON.stringify(file)}).then((db) => {
      process.stdout.write('ready\\n');
      process.stdin.on('end', () => { db.closeSync(); process.exit(0); });
      process.stdin.resume();
    }, (e) => { process.stderr.write(String(e)); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}: ${err}`)));
  });
}
