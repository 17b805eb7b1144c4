/**
 * The benches' 1,000,000-event warehouse (export to BigQuery, transform): built once and cached under
 * os.tmpdir(), since building it costs about a minute and every bench run reads it unchanged.
 *
 * How: warehouse/bigquery/sample-export.ts's deterministic shop (35,118 events of 2,000 users over five days) is
 * stored once through `Warehouse.insertEvents` (the schema check included), then copied inside DuckDB with a copy
 * number appended to every `user_pseudo_id` and `ecommerce.transaction_id`, and each copy moved by 0–6 days, until
 * there are exactly 1,000,000 rows over eleven days. Generating a million rows in JavaScript instead took
 * ~200 µs a row (the sample builder is written for clarity, not speed).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sampleExport } from '../warehouse/bigquery/sample-export';
import { Warehouse } from '../warehouse/warehouse';

export const MILLION = 1_000_000;
const BASE_USERS = 2_000;
const READY = 'fixture.json';

export interface MillionEventWarehouse {
  /** The `--data` folder holding `shoplab.duckdb` (property `shoplab`). */
  dataDir: string;
  events: number;
  /** event_date values present, ascending (`YYYYMMDD`). */
  days: string[];
}

/**
 * Returns the cached 1M-event warehouse in `dir` (default `<os.tmpdir()>/shoplab-bench-1m`), building it first if
 * missing. Safe when two processes race: each builds into its own folder and the first rename wins.
 */
export async function ensureMillionEventWarehouse(dir = path.join(tmpdir(), 'shoplab-bench-1m')): Promise<MillionEventWarehouse> {
  const ready = path.join(dir, READY);
  if (existsSync(ready)) return JSON.parse(readFileSync(ready, 'utf8')) as MillionEventWarehouse;
  const building = `${dir}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const wh = await Warehouse.open({ dataDir: building });
  let days: string[];
  let built = false;
  try {
    const base = sampleExport({ users: BASE_USERS, seed: 11 });
    for (let at = 0; at < base.length; at += 10_000) await wh.insertEvents(base.slice(at, at + 10_000));
    const copies = Math.ceil(MILLION / base.length);
    const ds = `"${wh.dataset}"`;
    // A plain table, not TEMP: each Warehouse.query runs on a fresh connection.
    await wh.query(`CREATE OR REPLACE TABLE main.bench_base AS SELECT * FROM ${ds}.events`);
    await wh.query(`DELETE FROM ${ds}.events`);
    // Copy k of the base: its users and orders renamed, its events k mod 7 days later; the first MILLION rows kept.
    await wh.query(
      `INSERT INTO ${ds}.events
       SELECT b.* REPLACE (
         strftime(make_timestamp(b.event_timestamp + (k % 7) * 86400000000), '%Y%m%d') AS event_date,
         b.event_timestamp + (k % 7) * 86400000000 AS event_timestamp,
         b.user_pseudo_id || '-' || k AS user_pseudo_id,
         CASE WHEN b.user_first_touch_timestamp IS NULL THEN NULL ELSE b.user_first_touch_timestamp + (k % 7) * 86400000000 END AS user_first_touch_timestamp,
         CASE WHEN b.ecommerce.transaction_id IS NULL THEN b.ecommerce
              ELSE struct_update(b.ecommerce, transaction_id := b.ecommerce.transaction_id || '-' || k) END AS ecommerce
       )
       FROM main.bench_base AS b, range(${copies}) AS r(k)
       ORDER BY k, b.event_timestamp
       LIMIT ${MILLION}`,
    );
    const rows = await wh.query(`SELECT DISTINCT event_date FROM ${ds}.events ORDER BY 1`);
    days = rows.map((r) => (typeof r.event_date === 'string' ? r.event_date : ''));
    for (const day of days) {
      await wh.query(`CREATE VIEW IF NOT EXISTS ${ds}.events_${day} AS SELECT * FROM ${ds}.events WHERE event_date = '${day}'`);
    }
    await wh.query('DROP TABLE main.bench_base');
    await wh.query('CHECKPOINT');
    built = true;
  } finally {
    await wh.close();
    if (!built) rmSync(building, { recursive: true, force: true });
  }
  const fixture: MillionEventWarehouse = { dataDir: dir, events: MILLION, days };
  writeFileSync(path.join(building, READY), JSON.stringify(fixture));
  if (existsSync(dir) && !existsSync(ready)) rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(building, dir);
  } catch {
    // Another process finished first: use its copy.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(ready)) throw new Error(`could not build the 1M-event warehouse in ${dir}`);
  }
  return fixture;
}
