/**
 * Server-Sent Events to every open dashboard. Updates are coalesced: whatever commits within one tick becomes one
 * message, built once and written to every stream, so that twenty dashboards cost one snapshot, not twenty. Most
 * messages are the light kind (`build(false)`: the snapshot without its bulkiest part); a full one goes out at most
 * once per `fullEveryMs`, and to every stream when it opens.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SseHubOptions {
  /** Most often a message goes out, ms. Default 250 (well inside the 2 s from commit to screen). */
  intervalMs?: number;
  /** A comment line keeps idle streams open through proxies, ms. Default 15,000. */
  heartbeatMs?: number;
  /** Most streams at once; more are answered 503. Default 200. */
  maxClients?: number;
  /** Least time between two full messages, ms. Default 1,000. */
  fullEveryMs?: number;
}

export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private dirty = false;
  private readonly timer: NodeJS.Timeout;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxClients: number;
  /** Messages sent (one per tick with changes), for the bench. */
  messages = 0;
  /** Earliest time of the next message: a snapshot that took t ms to build waits 9·t, so that building them takes
   *  at most a tenth of the main thread, which ingest shares. */
  private nextAt = 0;
  private readonly fullEveryMs: number;
  /** When the last full message went out (performance.now()). */
  private fullAt = -Infinity;

  constructor(
    private readonly build: (full: boolean) => string,
    options: SseHubOptions = {},
  ) {
    this.maxClients = options.maxClients ?? 200;
    this.fullEveryMs = options.fullEveryMs ?? 1000;
    this.timer = setInterval(() => this.flush(), options.intervalMs ?? 250);
    this.heartbeat = setInterval(() => {
      for (const res of this.clients) res.write(': keep-alive\n\n');
    }, options.heartbeatMs ?? 15_000);
    this.timer.unref();
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Something changed: the next tick sends a message. */
  markDirty(): void {
    this.dirty = true;
  }

  open(req: IncomingMessage, res: ServerResponse): void {
    if (this.clients.size >= this.maxClients) {
      res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '5' });
      res.end(JSON.stringify({ error: 'too many dashboards are open; retry shortly' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\n\ndata: ${this.build(true)}\n\n`);
    this.clients.add(res);
    const drop = (): void => {
      this.clients.delete(res);
    };
    req.on('close', drop);
    res.on('error', drop);
  }

  private flush(): void {
    if (!this.dirty || this.clients.size === 0) return;
    const started = performance.now();
    if (started < this.nextAt) return;
    this.dirty = false;
    const full = started - this.fullAt >= this.fullEveryMs;
    if (full) this.fullAt = started;
    // Encoded once: every stream gets the same bytes, rather than each write encoding the text again.
    const message = Buffer.from(`data: ${this.build(full)}\n\n`);
    this.nextAt = started + 10 * (performance.now() - started);
    this.messages++;
    for (const res of this.clients) res.write(message);
  }

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
