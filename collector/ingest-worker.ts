/**
 * The main thread's side of the collector's ingest worker thread (ingest-thread.ts), which judges hits (parse,
 * validate, map) and serializes the rows. On two cores the main thread would otherwise do all of that as well as
 * HTTP, and be the bottleneck while DuckDB's thread waits; split, the two overlap.
 */

import { Worker } from 'node:worker_threads';
import type { EventId, RejectRow, SerializedRows } from '../warehouse/warehouse';
import type { FirstTouch } from './mp-to-rows';
import type { HitsInput, StreamInfo } from './judge-hits';

/** Given to the thread at start. */
export interface IngestWorkerData {
  streams: StreamInfo[];
  /** See IngestWorkerOptions.futureHorizonMicros. */
  futureHorizonMicros?: number;
  /** See IngestWorkerOptions.digests. */
  digests: boolean;
  /** The first touch of every known client (FirstTouchStore.entries), which the thread owns from then on. */
  firstTouch: [string, FirstTouch][];
}

export interface IngestRequest {
  id: number;
  input: HitsInput;
}

/** Asks the thread to give back the memory it no longer uses (a full collection of its heap), while ingest is idle. */
export interface ReleaseRequest {
  id: number;
  release: true;
}

export type IngestMessage = IngestRequest | ReleaseRequest;

/**
 * A request's judged hits: rows as read_json text (SerializedRows, with the rows' digests when asked for), their
 * dedupe ids, and the rejects.
 */
export interface JudgedText extends SerializedRows {
  ids: (EventId | null)[];
  rejects: RejectRow[];
}

export type IngestReply = ({ id: number } & JudgedText) | { id: number; error: string } | { id: number; released: boolean };

const BOOT = new URL('./ingest-thread.boot.mjs', import.meta.url);
/** The ingest thread's young generation (V8's nursery), in MB. */
const WORKER_YOUNG_GENERATION_MB = 16;

interface Waiting {
  resolve: (reply: JudgedText | { released: boolean }) => void;
  reject: (error: Error) => void;
}

export interface IngestWorkerOptions {
  streams: readonly StreamInfo[];
  /** Events stamped further than this after their receipt are refused (JudgeLimits). Default: no bound. */
  futureHorizonMicros?: number;
  /**
   * Whether to digest each row (warehouse/row-digest.ts) beside its line, for commit listeners that count events (the
   * dashboard): done here, off the main thread, the collector's bottleneck. Default false.
   */
  digests?: boolean;
  /**
   * The first touches to hand to a new thread: called at start, and again if the thread dies (the state it held
   * died with it), after what it had judged has been stored or failed.
   */
  loadFirstTouch: () => Promise<[string, FirstTouch][]>;
  log: (message: string) => void;
}

/** One ingest thread; requests are judged in the order they are given. */
export class IngestWorker {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private closed = false;

  private constructor(private readonly opts: IngestWorkerOptions) {}

  /** Starts the thread; resolves once it has loaded its code and state. */
  static async start(opts: IngestWorkerOptions): Promise<IngestWorker> {
    const pool = new IngestWorker(opts);
    await pool.ensureWorker();
    return pool;
  }

  /** Judges one request's hits in the thread. Rejects if the thread fails on it or dies meanwhile. */
  async judge(input: HitsInput): Promise<JudgedText> {
    const reply = await this.ask(await this.ensureWorker(), (id) => ({ id, input }));
    if ('released' in reply) throw new Error('the ingest worker answered a judge request with a release reply');
    return reply;
  }

  /**
   * Has the running thread collect its garbage (idle-memory.ts); resolves with whether it could. A thread that
   * is not running holds nothing to give back.
   */
  async releaseMemory(): Promise<boolean> {
    if (!this.worker) return false;
    const reply = await this.ask(this.worker, (id) => ({ id, release: true }));
    return 'released' in reply && reply.released;
  }

  /** Posts one message under a new id; resolves with the thread's answer to it. */
  private ask(worker: Worker, message: (id: number) => IngestMessage): Promise<JudgedText | { released: boolean }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage(message(id));
    });
  }

  /**
   * Ends the current thread as a crash would (requests waiting on it are refused); the next request starts a new
   * one. For tests of that recovery, and for an operator's tooling; the collector itself never calls it.
   */
  async stopThread(): Promise<void> {
    await (await this.current())?.terminate();
  }

  /** Stops the thread. Requests still waiting are refused. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = await this.current();
    this.worker = null;
    if (worker) await worker.terminate();
  }

  /** The running thread, or the one starting (null if none, or if its start failed). */
  private async current(): Promise<Worker | null> {
    return this.worker ?? (await this.starting?.catch(() => null)) ?? null;
  }

  private ensureWorker(): Promise<Worker> {
    if (this.closed) return Promise.reject(new Error('the ingest worker is closed'));
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= this.spawn().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async spawn(): Promise<Worker> {
    const data: IngestWorkerData = {
      streams: [...this.opts.streams],
      ...(this.opts.futureHorizonMicros !== undefined ? { futureHorizonMicros: this.opts.futureHorizonMicros } : {}),
      digests: this.opts.digests ?? false,
      firstTouch: await this.opts.loadFirstTouch(),
    };
    // A smaller young generation than V8's default (48 MB here): what the thread allocates per request (parsed bodies,
    // rows, their text) dies within the request, so a smaller nursery costs little, and it is memory the process
    // would otherwise keep at its peak (collector/README.md, "Memory under sustained ingest").
    const worker = new Worker(BOOT, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number): void => reject(new Error(`the ingest worker exited (code ${code}) while starting`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', () => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve();
      });
    });
    worker.on('message', (reply: IngestReply) => {
      const waiting = this.waiting.get(reply.id);
      if (!waiting) return;
      this.waiting.delete(reply.id);
      if ('error' in reply) waiting.reject(new Error(`the ingest worker failed on a request: ${reply.error}`));
      else waiting.resolve(reply);
    });
    worker.on('error', (error) => this.opts.log(`collector: ingest worker error: ${error.stack ?? error.message}`));
    worker.once('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      const lost = [...this.waiting.values()];
      this.waiting.clear();
      for (const w of lost) w.reject(new Error(`the ingest worker stopped (exit code ${code}) before answering`));
      if (!this.closed) this.opts.log(`collector: ingest worker stopped (exit code ${code}); ${lost.length} request(s) refused, a new one starts with the next request`);
    });
    this.worker = worker;
    return worker;
  }
}
