/**
 * `shoplab transform`: the export, as a stream, into ML-ready files. Each dataset is one query. Where the source's
 * engine can write the file itself (the local DuckDB warehouse: `COPY … TO`), it does, and no row passes through
 * JavaScript: turning a million rows into JavaScript values and encoding them again cost several times what the
 * queries did. Otherwise (BigQuery, whose rows arrive as JavaScript values anyway) the query is read batch by
 * batch (BigQuery pages), each batch piped as one object through the file writer (CSV or Parquet), a hash tap and
 * a file write stream, with `stream/promises.pipeline`: when the disk is slower than the query, the write stream's
 * backpressure pauses the reader and with it the query, so memory stays flat.
 * Everything is written into a temporary folder beside the target and renamed into place at the end, so a
 * failed or interrupted transform leaves no half-written output (and an older complete one stays as it was).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { suffixOf, type DateRange } from '../analysis/models';
import type { JsonValue } from '../warehouse/warehouse';
import { DATASETS, DATASET_SPECS, type DatasetColumn, type DatasetName } from './datasets';
import type { RowSource } from './row-source';
import { HashTap, sinkFor, type FileFormat } from './sinks';

export const MANIFEST_FILE = 'manifest.json';

export interface TransformOptions extends DateRange {
  source: RowSource;
  /** The output folder; created, or replaced if it holds an earlier transform's output. */
  out: string;
  format: FileFormat;
  /** Which datasets; default all of DATASETS. */
  datasets?: readonly DatasetName[];
  /** Called as rows are written (per batch) and when a dataset starts. */
  onProgress?: (progress: TransformProgress) => void;
}

export interface TransformProgress {
  dataset: DatasetName;
  /** Rows of this dataset written so far. */
  rows: number;
  /** Datasets finished before this one. */
  finished: number;
  datasets: number;
}

export interface ManifestFile {
  dataset: DatasetName;
  file: string;
  format: FileFormat;
  rows: number;
  bytes: number;
  /** `sha256:<hex>` of the file's bytes. */
  sha256: string;
  columns: DatasetColumn[];
}

export interface Manifest {
  tool: 'shoplab transform';
  created_at: string;
  source: { kind: RowSource['kind']; location: string };
  /** Days of the export read, inclusive (`YYYY-MM-DD`); null = unbounded. */
  range: { from: string | null; to: string | null };
  /** Export rows (events) in the range. */
  source_events: number;
  format: FileFormat;
  files: ManifestFile[];
  /** Datasets not written, and why (e.g. labels from a source without ground truth). */
  skipped: { dataset: DatasetName; reason: string }[];
}

function isoDay(day: string | undefined, what: string): string | null {
  if (day === undefined) return null;
  const s = suffixOf(day, what);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

/** Checks everything that can be checked before a query runs or a file is written. */
function prepareTarget(out: string): { target: string; parent: string } {
  const target = resolve(out);
  const parent = dirname(target);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new Error(`--out ${out} exists and is not a folder`);
    const entries = readdirSync(target);
    if (entries.length > 0 && !entries.includes(MANIFEST_FILE)) {
      throw new Error(`--out ${out} is a folder with other files in it (no ${MANIFEST_FILE}); refusing to replace it`);
    }
  }
  return { target, parent };
}

function fsError(error: unknown, what: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return new Error(`${what}: permission denied`, { cause: error });
  if (code === 'ENOSPC') return new Error(`${what}: no space left on the device`, { cause: error });
  if (code === 'EROFS') return new Error(`${what}: read-only file system`, { cause: error });
  if (code === 'ENOTDIR') return new Error(`${what}: a part of the path is not a folder`, { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

/** The source's batches, counting their rows for the progress bar. */
async function* counted(batches: AsyncIterable<JsonValue[][]>, onBatch: (rows: number) => void): AsyncGenerator<JsonValue[][]> {
  let rows = 0;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    yield batch;
    rows += batch.length;
    onBatch(rows);
  }
}

/** SHA-256 and size of a file written by the source's engine, read back in 1 MiB pieces (memory stays flat). */
async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const tap = new HashTap();
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), tap, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return { sha256: tap.digest(), bytes: tap.bytes };
}

/**
 * Writes one dataset. Resolves once the file is written; its manifest entry comes from `entry`, which for a file
 * the source's engine wrote still waits for the hash: that read-back runs on this thread while the engine's
 * threads write the next dataset, instead of both cores waiting for it in turn.
 */
async function writeDataset(
  source: RowSource,
  dataset: DatasetName,
  options: TransformOptions,
  dir: string,
  report: (rows: number) => void,
): Promise<{ entry: Promise<ManifestFile> }> {
  const file = `${dataset}.${options.format}`;
  if (source.writeFile) {
    const path = join(dir, file);
    const { rows, columns } = await source.writeFile(dataset, options, options.format, path);
    report(rows);
    const entry = hashFile(path).then((hash): ManifestFile => ({ dataset, file, format: options.format, rows, ...hash, columns }));
    // Awaited with the others at the end; until then a failure must not count as unhandled.
    entry.catch(() => undefined);
    return { entry };
  }
  const stream = await source.open(dataset, options);
  const tap = new HashTap();
  let rows = 0;
  try {
    await pipeline(
      // A few batches (≤ 2,048 rows each) in flight at most: the writer's backpressure reaches the query at once.
      Readable.from(counted(stream.batches, (n) => {
        rows = n;
        report(n);
      }), { objectMode: true, highWaterMark: 2 }),
      sinkFor(options.format, stream.columns),
      tap,
      createWriteStream(join(dir, file), { flags: 'wx' }),
    );
  } finally {
    stream.close();
  }
  return { entry: Promise.resolve({ dataset, file, format: options.format, rows, bytes: tap.bytes, sha256: tap.digest(), columns: stream.columns }) };
}

function datasetError(dataset: DatasetName, error: unknown): Error {
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new Error(`dataset ${dataset}: ${message}`, { cause: error });
}

/** Runs the transform; resolves to the manifest written beside the files. */
export async function runTransform(options: TransformOptions): Promise<Manifest> {
  const range = { from: isoDay(options.from, '--from'), to: isoDay(options.to, '--to') };
  if (range.from && range.to && range.from > range.to) throw new Error(`--from ${options.from} is after --to ${options.to}`);
  const datasets = options.datasets ?? DATASETS;
  const { target, parent } = prepareTarget(options.out);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (error) {
    throw fsError(error, `cannot create ${parent}`);
  }
  const work = join(parent, `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(work);
  } catch (error) {
    throw fsError(error, `cannot write to ${parent}`);
  }
  try {
    const { source } = options;
    const sourceEvents = await source.countEvents(options);
    const truth = await source.hasGroundTruth();
    const entries = new Map<DatasetName, Promise<ManifestFile>>();
    const skipped: Manifest['skipped'] = [];
    let finished = 0;
    const writeAll = async (lane: readonly DatasetName[]): Promise<void> => {
      for (const dataset of lane) {
        const report = (rows: number): void => options.onProgress?.({ dataset, rows, finished, datasets: datasets.length });
        report(0);
        try {
          entries.set(dataset, (await writeDataset(source, dataset, options, work, report)).entry);
        } catch (error) {
          throw datasetError(dataset, error);
        }
        finished++;
      }
    };
    const written = datasets.filter((dataset) => {
      if (DATASET_SPECS[dataset].kind !== 'labels' || truth) return true;
      skipped.push({ dataset, reason: 'the source holds no ground truth (ground_truth.sim_users / sim_sessions)' });
      return false;
    });
    // Where the source's engine writes the files, the events file (the largest, and built on no other dataset) is
    // written in a lane of its own beside the others: DuckDB's two threads on one COPY cost about twice the CPU of
    // one for little less wall time (pipeline/README.md, "Measured"), two COPYs at once keep both cores busy.
    const lanes = source.writeFile && written.includes('events') && written.length > 1 ? [['events' as const], written.filter((d) => d !== 'events')] : [written];
    // Every lane ends before the work folder may be removed, whichever fails first.
    const outcomes = await Promise.allSettled(lanes.map(writeAll));
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    const files: ManifestFile[] = [];
    for (const dataset of written) {
      const entry = entries.get(dataset);
      if (!entry) continue;
      try {
        files.push(await entry);
      } catch (error) {
        throw datasetError(dataset, error);
      }
    }
    const manifest: Manifest = {
      tool: 'shoplab transform',
      created_at: new Date().toISOString(),
      source: { kind: source.kind, location: source.location },
      range,
      source_events: sourceEvents,
      format: options.format,
      files,
      skipped,
    };
    writeFileSync(join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    // An earlier output is moved aside, the new one renamed in, then the old one removed: at every moment the
    // target is either the old complete output or the new complete one.
    const old = existsSync(target) ? `${work}-old` : null;
    if (old) renameSync(target, old);
    try {
      renameSync(work, target);
    } catch (error) {
      if (old) renameSync(old, target);
      throw fsError(error, `cannot move the output into ${target}`);
    }
    if (old) rmSync(old, { recursive: true, force: true });
    return manifest;
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  } finally {
    await options.source.finish?.();
  }
}
