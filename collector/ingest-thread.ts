/**
 * The collector's ingest worker thread (started by IngestWorker, ingest-worker.ts): judges each request's hits
 * (parse, validate, map, judge-hits.ts) and turns the rows into read_json text (and, when the commit listeners
 * count events, into digests beside it: warehouse/row-digest.ts), so that the main thread keeps only HTTP and the
 * DuckDB calls. It is the one owner of the users' first-touch state (loaded by the main thread
 * from the warehouse and handed over at start) and of the user-agent cache.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { digestRow, packDigest } from '../warehouse/row-digest';
import { rowLine } from '../warehouse/row-line';
import { FirstTouchStore } from './first-touch';
import { collectGarbage } from './idle-memory';
import { judgeHits } from './judge-hits';
import type { IngestMessage, IngestReply, IngestWorkerData } from './ingest-worker';

const port = parentPort;
if (!port) throw new Error('ingest-thread.ts runs as a worker thread; start it through IngestWorker');
const data = workerData as IngestWorkerData;
const firstTouch = FirstTouchStore.from(data.firstTouch);
const encoder = new TextEncoder();

port.on('message', (message: IngestMessage) => {
  if ('release' in message) {
    port.postMessage({ id: message.id, released: collectGarbage() } satisfies IngestReply);
    return;
  }
  try {
    const judged = judgeHits(message.input, data.streams, firstTouch.touch, data.futureHorizonMicros);
    const lines = new Array<string>(judged.rows.length);
    const dates = new Array<string>(judged.rows.length);
    const digests = data.digests ? new Array<string>(judged.rows.length) : null;
    judged.rows.forEach((row, i) => {
      lines[i] = rowLine(row);
      dates[i] = row.event_date;
      if (digests) digests[i] = packDigest(digestRow(row));
    });
    // As bytes whose buffer is transferred: the main thread then neither copies the text into its heap nor keeps it
    // there while the rows wait for their commit (collector/README.md, "Memory under sustained ingest").
    const text = encoder.encode(lines.join('\n'));
    const reply: IngestReply = { id: message.id, text, dates, ...(digests ? { digests: digests.join('\n') } : {}), ids: judged.ids, rejects: judged.rejects };
    port.postMessage(reply, [text.buffer]);
  } catch (error) {
    port.postMessage({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies IngestReply);
  }
});
port.postMessage({ ready: true });
