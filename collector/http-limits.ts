/**
 * What keeps a few slow or hostile clients from tying the collector up: short deadlines for a request's headers
 * and body, a bound on the bytes held by bodies still arriving, and a quiet, counted end for clients that go
 * away mid-request. Requests whose bodies are still arriving do not count against the cap of requests being
 * processed (server.ts), so clients that stall cost a socket and a timer each until their deadline, never the
 * answers of the others.
 */

import type { ServerOptions as HttpServerOptions, IncomingMessage } from 'node:http';
import { CLOSE, HttpError } from './http-error';

export interface HttpLimits {
  /** Most ms from a request's first byte until its headers are complete; a slower client gets 408. Default 10,000. */
  headersTimeoutMs?: number;
  /** Most ms from the end of the headers until the body is complete; a slower client gets 408 and is cut off. Default 10,000. */
  bodyTimeoutMs?: number;
  /**
   * Most bytes held at once by request bodies still arriving, over all connections. Beyond it a request gets 503
   * with `Retry-After` and its connection is closed, so stalled half-sent bodies cannot fill memory. Default 64 MiB.
   */
  maxBufferedBodyBytes?: number;
}

export const DEFAULT_HTTP_LIMITS: Readonly<Required<HttpLimits>> = { headersTimeoutMs: 10_000, bodyTimeoutMs: 10_000, maxBufferedBodyBytes: 64 * 1024 * 1024 };

export function resolveHttpLimits(limits: HttpLimits = {}): Required<HttpLimits> {
  const out = { ...DEFAULT_HTTP_LIMITS, ...limits };
  for (const [name, value] of Object.entries(out)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`collector limit ${name} must be a positive integer, got ${String(value)}`);
  }
  return out;
}

/**
 * node:http's own deadlines. `requestTimeout` is only a backstop behind the body deadline (BodyReader), which
 * answers first and says why; Node checks both of its deadlines every `connectionsCheckingInterval` ms (30 s by
 * default, far too coarse for a deadline of seconds).
 */
export function serverTimeouts(limits: Required<HttpLimits>): Pick<HttpServerOptions, 'headersTimeout' | 'requestTimeout' | 'connectionsCheckingInterval'> {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs + 1000,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** The client closed its connection before its request was read: expected, counted, never an error. */
export class ClientAbort extends Error {
  constructor() {
    super('the client closed the connection before sending its whole request');
  }
}

/** Reads request bodies under a per-request size limit and deadline, and a bound on the bytes they hold together. */
export class BodyReader {
  private buffered = 0;
  /** Bodies cut off by their deadline; reported by /metrics. */
  timeouts = 0;
  /** Requests whose bodies are still arriving; reported by /metrics. */
  reading = 0;

  constructor(private readonly limits: Required<HttpLimits>) {}

  /** Bytes currently held by bodies still arriving. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Reads the whole body, refusing more than `limit` bytes without buffering the excess. */
  read(req: IncomingMessage, limit: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > limit) {
        reject(new HttpError(413, `body is ${declared} bytes; the Measurement Protocol allows at most ${limit}`, {}, CLOSE));
        return;
      }
      const chunks: Buffer[] = [];
      let held = 0;
      let size = 0;
      let tooBig = false;
      let settled = false;
      this.reading++;
      const finish = (error: Error | null, body?: Buffer): void => {
        if (settled) return;
        settled = true;
        this.reading--;
        clearTimeout(timer);
        this.buffered -= held;
        held = 0;
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('close', onClose);
        if (error) {
          // Stop reading what is left: the answer (if any) closes the connection.
          req.pause();
          reject(error);
        } else {
          resolve(body ?? Buffer.alloc(0));
        }
      };
      const timer = setTimeout(() => {
        this.timeouts++;
        finish(new HttpError(408, `the body did not arrive within ${this.limits.bodyTimeoutMs} ms`, {}, CLOSE));
      }, this.limits.bodyTimeoutMs);
      const onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (size > limit) {
          tooBig = true;
          chunks.length = 0;
          this.buffered -= held;
          held = 0;
          return;
        }
        if (tooBig) return;
        if (this.buffered + chunk.length > this.limits.maxBufferedBodyBytes) {
          finish(new HttpError(503, 'collector is busy reading other bodies; retry shortly', {}, { 'retry-after': '1', ...CLOSE }));
          return;
        }
        chunks.push(chunk);
        held += chunk.length;
        this.buffered += chunk.length;
      };
      const onEnd = (): void => {
        if (tooBig) finish(new HttpError(413, `body is ${size} bytes; the Measurement Protocol allows at most ${limit}`, {}, CLOSE));
        else finish(null, chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size));
      };
      // 'close' before 'end' is a client that went away (or a socket Node's own deadline destroyed).
      const onClose = (): void => finish(new ClientAbort());
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('close', onClose);
      // 'error' (ECONNRESET "aborted") is always followed by 'close'; listening keeps it from being unhandled.
      req.on('error', () => undefined);
    });
  }
}

/**
 * A log line at most once per `intervalMs` for an expected, repetitive happening (client aborts): the first is
 * logged at once, later ones are summed into the next line.
 */
export function rateLimitedNotice(log: (message: string) => void, what: string, intervalMs = 60_000): () => void {
  let last = -Infinity;
  let unreported = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    timer = null;
    if (unreported === 0) return;
    log(`collector: ${unreported} ${what} in the last ${Math.round(intervalMs / 1000)} s`);
    unreported = 0;
    last = Date.now();
  };
  return () => {
    unreported++;
    if (Date.now() - last >= intervalMs) {
      flush();
    } else {
      // The rest of the interval's count goes out in one line when it ends; unref'd, so it never holds the process.
      timer ??= setTimeout(flush, last + intervalMs - Date.now());
      timer.unref();
    }
  };
}
