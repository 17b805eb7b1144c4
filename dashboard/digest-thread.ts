/**
 * The dashboard's digest worker thread: reads the few fields the live state needs out of each committed JSON line
 * (live-state.ts `digestLines`), so that parsing, most of an event's cost to the dashboard, stays off the main
 * thread, which serves ingest. Replies to each batch, in order, with its digests.
 */
import { parentPort } from 'node:worker_threads';
import { digestLines, type EventDigest } from './live-state';

export interface DigestRequest {
  lines: readonly string[];
  /** Wall-clock ms the commit reached the dashboard, passed back. */
  committedAt: number;
}

export interface DigestReply {
  digests: EventDigest[];
  committedAt: number;
}

const port = parentPort;
if (!port) throw new Error('digest-thread.ts runs as a worker thread; start it through createDashboard');
port.on('message', (message: DigestRequest) => {
  port.postMessage({ digests: digestLines(message.lines), committedAt: message.committedAt } satisfies DigestReply);
});
