/**
 * Streaming export from the collector: every row the collector commits is sent on to BigQuery's
 * `events_intraday_YYYYMMDD`, the way GA4's own streaming export fills it during the day.
 *
 * Why streaming inserts (`tabledata.insertAll`) rather than load jobs: rows become queryable within seconds, as in
 * GA4's streaming export (which writes the intraday table the same way), and there is no per-table quota to run
 * out of — load jobs are limited to 1,500 per table per day, so a batch every few seconds would exhaust it by
 * mid-morning. Each row carries an insertId (a hash of its text), so that BigQuery drops the copy when a request
 * is retried after a lost answer (best effort, as BigQuery documents it).
 *
 * Never blocks the caller: `listener` only appends to an in-memory queue. The queue is bounded in rows and bytes;
 * what does not fit, and every batch that still fails after its retries, is written to the spool folder
 * (`<data>/bigquery-spool/`) and sent again later, also by the next process that starts on the same folder.
 * Rows BigQuery refuses as invalid go to `rejected-*.ndjson` there with BigQuery's reason, never silently away.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BigQuery } from '@google-cloud/bigquery';
import { apiCode, apiMessage } from './bigquery-client';
import { EVENTS_TABLE_SCHEMA } from './bigquery-schema';
import type { CommitListener } from '../warehouse/committed-rows';

export interface BigQueryStreamOptions {
  /** The official client (give it `autoRetry: false`: this stream retries with its own backoff). */
  bigquery: BigQuery;
  dataset: string;
  /** Folder for rows not yet delivered (`<data>/bigquery-spool`); created if missing. */
  spoolDir: string;
  /** Rows the in-memory queue holds before further rows go to the spool. Default 100,000. */
  maxQueueRows?: number;
  /** Bytes of row text the queue holds before further rows go to the spool. Default 64 MiB. */
  maxQueueBytes?: number;
  /** Rows per insertAll request (BigQuery recommends about 500). Default 500. */
  batchRows?: number;
  /** Bytes per insertAll request (BigQuery's limit is 10 MB). Default 5 MiB. */
  batchBytes?: number;
  /** Attempts per request on 5xx/408/429 and network errors before the batch is spooled. Default 5. */
  attempts?: number;
  /** First backoff; each retry waits a random time up to twice the previous bound (full jitter). Default 200 ms. */
  backoffMs?: number;
  /** Upper bound of one backoff. Default 30 s. */
  maxBackoffMs?: number;
  /** How often the spool is retried while files wait there. Default 30 s. */
  spoolRetryMs?: number;
  /** Where one-line notices go (a failure streak, a spool written). Default stderr. */
  log?: (line: string) => void;
}

export interface BigQueryStreamMetrics {
  /** Rows handed to the listener. */
  received: number;
  /** Rows BigQuery accepted (including spooled rows sent later). */
  sent: number;
  queuedRows: number;
  queuedBytes: number;
  /** Requests retried after a 5xx/408/429 or network error. */
  retries: number;
  /** Rows written to the spool (queue full, or retries exhausted). */
  spooled: number;
  /** Rows waiting in spool files now. */
  spoolRows: number;
  /** Rows BigQuery refused as invalid, kept in rejected-*.ndjson. */
  rejected: number;
}

interface Row {
  line: string;
  day: string;
}

const DAY_AT_START = /^\{"event_date":"(\d{8})"/;

/** The event_date of a row's text (the collector writes it first), else read from the JSON. */
function dayOf(line: string): string {
  const fast = DAY_AT_START.exec(line)?.[1];
  if (fast) return fast;
  try {
    const day = (JSON.parse(line) as { event_date?: unknown }).event_date;
    if (typeof day === 'string' && /^\d{8}$/.test(day)) return day;
  } catch {
    // Falls through: an unreadable row is kept, under a name that says so.
  }
  return 'unknown';
}

function retriable(error: unknown): boolean {
  const code = apiCode(error);
  return code === undefined || code === 408 || code === 429 || code >= 500;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

export class BigQueryStream {
  /** The collector's commit listener: queues the committed rows and returns at once. */
  readonly listener: CommitListener;
  private readonly queue: Row[] = [];
  private queuedBytes = 0;
  private readonly counters = { received: 0, sent: 0, retries: 0, spooled: 0, rejected: 0 };
  private spoolRows = 0;
  private sending: Promise<void> | null = null;
  private spoolWrites: Promise<void> = Promise.resolve();
  private spoolTimer: NodeJS.Timeout | null = null;
  private replaying: Promise<void> | null = null;
  private readonly tables = new Set<string>();
  private closed = false;
  private fileCounter = 0;
  private failing = false;
  private readonly log: (line: string) => void;

  constructor(private readonly options: BigQueryStreamOptions) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    mkdirSync(options.spoolDir, { recursive: true });
    this.spoolRows = this.spoolFiles().reduce((n, f) => n + countLines(path.join(options.spoolDir, f)), 0);
    this.listener = (committed) => this.accept(committed.lines());
  }

  /** Starts the spool's retry timer and sends what an earlier process left in the spool. */
  start(): void {
    this.spoolTimer = setInterval(() => void this.replaySpool(), this.options.spoolRetryMs ?? 30_000);
    this.spoolTimer.unref();
    void this.replaySpool();
  }

  metrics(): BigQueryStreamMetrics {
    return { ...this.counters, queuedRows: this.queue.length, queuedBytes: this.queuedBytes, spoolRows: this.spoolRows };
  }

  /** The counters in Prometheus' text format, for the collector's GET /metrics. */
  renderMetrics(): string {
    const m = this.metrics();
    const family = (name: string, type: 'counter' | 'gauge', help: string, value: number): string =>
      `# HELP shoplab_bigquery_stream_${name} ${help}\n# TYPE shoplab_bigquery_stream_${name} ${type}\nshoplab_bigquery_stream_${name} ${value}`;
    return [
      family('received_rows_total', 'counter', 'Rows handed to the BigQuery stream by the collector.', m.received),
      family('sent_rows_total', 'counter', 'Rows BigQuery accepted into events_intraday tables.', m.sent),
      family('retries_total', 'counter', 'insertAll requests retried after 5xx/408/429 or network errors.', m.retries),
      family('spooled_rows_total', 'counter', 'Rows written to the spool folder (queue full or retries exhausted).', m.spooled),
      family('rejected_rows_total', 'counter', 'Rows BigQuery refused as invalid (kept in rejected-*.ndjson).', m.rejected),
      family('queue_rows', 'gauge', 'Rows waiting in memory.', m.queuedRows),
      family('queue_bytes', 'gauge', 'Bytes of row text waiting in memory.', m.queuedBytes),
      family('spool_rows', 'gauge', 'Rows waiting in spool files.', m.spoolRows),
    ].join('\n');
  }

  /** Resolves once everything queued so far was sent or spooled. */
  async flush(): Promise<void> {
    while (this.sending || this.queue.length > 0) {
      if (!this.sending) this.pump();
      await this.sending;
    }
    await this.spoolWrites;
  }

  /** Sends the spool now (tests; the timer does it otherwise). Resolves when the attempt is over. */
  async retrySpool(): Promise<void> {
    await this.spoolWrites;
    await this.replaySpool();
  }

  /** Stops taking rows; what is still queued is spooled, so that the next start sends it. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.spoolTimer) clearInterval(this.spoolTimer);
    await this.sending;
    await this.replaying;
    if (this.queue.length > 0) this.spool(this.queue.splice(0), 'the stream closed');
    this.queuedBytes = 0;
    await this.spoolWrites;
  }

  private accept(lines: readonly string[]): void {
    const maxRows = this.options.maxQueueRows ?? 100_000;
    const maxBytes = this.options.maxQueueBytes ?? 64 * 1024 * 1024;
    let overflow: Row[] | null = null;
    for (const line of lines) {
      const row = { line, day: dayOf(line) };
      this.counters.received++;
      if (this.closed || this.queue.length >= maxRows || this.queuedBytes + line.length > maxBytes) {
        (overflow ??= []).push(row);
        continue;
      }
      this.queue.push(row);
      this.queuedBytes += line.length;
    }
    if (overflow) this.spool(overflow, 'the queue is full');
    if (!this.sending && this.queue.length > 0) this.pump();
  }

  private pump(): void {
    this.sending = (async () => {
      // One turn later, so that rows of commits arriving together go out in one request.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        await this.deliver(batch, true);
      }
    })().finally(() => {
      this.sending = null;
    });
  }

  /** The oldest rows of one day, up to the batch limits. */
  private takeBatch(): Row[] {
    const maxRows = this.options.batchRows ?? 500;
    const maxBytes = this.options.batchBytes ?? 5 * 1024 * 1024;
    const day = this.queue[0]?.day;
    const batch: Row[] = [];
    let bytes = 0;
    for (let i = 0; i < this.queue.length && batch.length < maxRows; ) {
      const row = this.queue[i];
      if (row === undefined) break;
      if (row.day !== day) {
        i++;
        continue;
      }
      if (batch.length > 0 && bytes + row.line.length > maxBytes) break;
      batch.push(row);
      bytes += row.line.length;
      this.queue.splice(i, 1);
    }
    this.queuedBytes -= bytes;
    return batch;
  }

  /**
   * Sends rows of one day, retrying retriable failures with jittered backoff. Returns true when every row was sent
   * or set aside as invalid; false when they could not be delivered (then, if `spoolOnFailure`, they are spooled).
   */
  private async deliver(batch: readonly Row[], spoolOnFailure: boolean): Promise<boolean> {
    const day = batch[0]?.day ?? 'unknown';
    let pending = [...batch];
    const attempts = this.options.attempts ?? 5;
    let bound = this.options.backoffMs ?? 200;
    for (let attempt = 1; pending.length > 0; attempt++) {
      try {
        await this.insert(day, pending);
        this.counters.sent += pending.length;
        pending = [];
      } catch (error) {
        const partial = (error as { name?: string; errors?: { row?: { insertId?: string }; errors?: { reason?: string; message?: string }[] }[] }).errors;
        if ((error as { name?: string }).name === 'PartialFailureError' && Array.isArray(partial)) {
          // Rows with their own error are kept aside; the rest were only "stopped" with them and go again at once.
          const byId = new Map(pending.map((r) => [insertIdOf(r.line), r]));
          const bad: { row: Row; reason: string }[] = [];
          for (const e of partial) {
            const row = byId.get(e.row?.insertId ?? '');
            const own = e.errors?.find((x) => x.reason !== 'stopped');
            if (row && own) bad.push({ row, reason: `${own.reason ?? 'invalid'}: ${own.message ?? ''}` });
          }
          if (bad.length > 0) {
            this.reject(bad);
            const badSet = new Set(bad.map((b) => b.row));
            pending = pending.filter((r) => !badSet.has(r));
            continue;
          }
        }
        if (apiCode(error) === 404 && !this.tables.has(day)) {
          await this.createIntraday(day).catch(() => undefined);
          this.tables.add(day);
          continue;
        }
        // A 404 after the table was created (or could not be: no dataset yet) is waited out like an outage.
        if (!retriable(error) && apiCode(error) !== 404) {
          this.reject(pending.map((row) => ({ row, reason: apiMessage(error) })));
          return true;
        }
        if (attempt >= attempts) {
          if (!this.failing) this.log(`shoplab: BigQuery streaming to ${this.options.dataset}.events_intraday_${day} is failing (${apiMessage(error)}); rows go to ${this.options.spoolDir} and are retried`);
          this.failing = true;
          if (spoolOnFailure) this.spool(pending, apiMessage(error));
          return false;
        }
        this.counters.retries++;
        await sleep(Math.random() * bound);
        bound = Math.min(bound * 2, this.options.maxBackoffMs ?? 30_000);
      }
    }
    if (this.failing) this.log(`shoplab: BigQuery streaming to ${this.options.dataset} works again`);
    this.failing = false;
    return true;
  }

  private async insert(day: string, rows: readonly Row[]): Promise<void> {
    const table = this.options.bigquery.dataset(this.options.dataset).table(`events_intraday_${day}`);
    await table.insert(
      rows.map((r) => ({ insertId: insertIdOf(r.line), json: JSON.parse(r.line) as Record<string, unknown> })),
      { raw: true, partialRetries: 0 },
    );
  }

  private async createIntraday(day: string): Promise<void> {
    try {
      await this.options.bigquery.dataset(this.options.dataset).table(`events_intraday_${day}`).create({ schema: { fields: EVENTS_TABLE_SCHEMA.map((f) => ({ ...f })) } });
    } catch (error) {
      if (apiCode(error) !== 409) throw error;
    }
  }

  private spoolFiles(): string[] {
    return readdirSync(this.options.spoolDir)
      .filter((f) => f.startsWith('spool-') && f.endsWith('.ndjson'))
      .sort();
  }

  /** Writes rows to a new spool file (whole, by rename), in the background, in order. */
  private spool(rows: readonly Row[], why: string): void {
    if (rows.length === 0) return;
    this.counters.spooled += rows.length;
    this.spoolRows += rows.length;
    const name = `spool-${Date.now().toString().padStart(14, '0')}-${process.pid}-${++this.fileCounter}.ndjson`;
    const file = path.join(this.options.spoolDir, name);
    const text = `${rows.map((r) => r.line).join('\n')}\n`;
    this.spoolWrites = this.spoolWrites.then(async () => {
      try {
        await writeFile(`${file}.tmp`, text);
        renameSync(`${file}.tmp`, file);
      } catch (error) {
        // The rows are still in memory only: say so loudly, since the next restart would lose them.
        this.log(`shoplab: could not spool ${rows.length} BigQuery rows (${why}) to ${file}: ${apiMessage(error)}`);
      }
    });
  }

  private reject(rows: readonly { row: Row; reason: string }[]): void {
    this.counters.rejected += rows.length;
    const file = path.join(this.options.spoolDir, `rejected-${new Date().toISOString().slice(0, 10)}.ndjson`);
    const text = rows.map((r) => `${JSON.stringify({ reason: r.reason, row: r.row.line })}\n`).join('');
    this.log(`shoplab: BigQuery refused ${rows.length} row(s) of ${this.options.dataset} (${rows[0]?.reason ?? ''}); kept in ${file}`);
    this.spoolWrites = this.spoolWrites.then(() => appendFile(file, text)).catch((error: unknown) => this.log(`shoplab: could not write ${file}: ${apiMessage(error)}`));
  }

  /** Sends spool files, oldest first; a file is removed only once all its rows are delivered. */
  private replaySpool(): Promise<void> {
    this.replaying ??= (async () => {
      for (const name of this.spoolFiles()) {
        if (this.closed) break;
        const file = path.join(this.options.spoolDir, name);
        const rows = readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((line) => ({ line, day: dayOf(line) }));
        const byDay = new Map<string, Row[]>();
        for (const r of rows) byDay.set(r.day, [...(byDay.get(r.day) ?? []), r]);
        let delivered = true;
        for (const dayRows of byDay.values()) {
          for (let at = 0; at < dayRows.length && delivered; at += this.options.batchRows ?? 500) {
            delivered = await this.deliver(dayRows.slice(at, at + (this.options.batchRows ?? 500)), false);
          }
        }
        // Sent rows of a file that failed halfway go again with it; their insertIds let BigQuery drop the copies.
        if (!delivered) break;
        rmSync(file, { force: true });
        this.spoolRows -= rows.length;
      }
    })().finally(() => {
      this.replaying = null;
    });
    return this.replaying;
  }
}

function insertIdOf(line: string): string {
  return createHash('sha256').update(line).digest('base64url').slice(0, 32);
}

function countLines(file: string): number {
  const text = readFileSync(file, 'utf8');
  let n = 0;
  for (const line of text.split('\n')) if (line !== '') n++;
  return n;
}
